//! Status rules (DESIGN §4): from a person's health records and the time, their status,
//! since when and until when; and what a status allows at a venue.

use serde::{Deserialize, Serialize};

use crate::venue::Category;
use crate::{Timestamp, DAY, HOUR, MINUTE};

/// A person's status colour. `Unknown` means the status could not be obtained: it is
/// never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Red,
    Yellow,
    Blue,
    Green,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Red => "RED",
            Status::Yellow => "YELLOW",
            Status::Blue => "BLUE",
            Status::Green => "GREEN",
            Status::Unknown => "UNKNOWN",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Red,
            Status::Yellow,
            Status::Blue,
            Status::Green,
            Status::Unknown,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
    /// The byte in a pass token; UNKNOWN has none.
    pub fn to_byte(self) -> u8 {
        match self {
            Status::Red => 0,
            Status::Yellow => 1,
            Status::Blue => 2,
            Status::Green => 3,
            Status::Unknown => 255,
        }
    }
    pub fn from_byte(b: u8) -> Option<Status> {
        match b {
            0 => Some(Status::Red),
            1 => Some(Status::Yellow),
            2 => Some(Status::Blue),
            3 => Some(Status::Green),
            _ => None,
        }
    }
}

/// The reference policy; every number is configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// RED for this long after a positive PCR test.
    pub red_period: i64,
    /// YELLOW for this long after being listed as a contact.
    pub contact_period: i64,
    /// GREEN for this long after a completed vaccination course.
    pub vaccination_period: i64,
    /// GREEN for this long after recovery.
    pub recovery_period: i64,
    /// GREEN for this long after a negative PCR test.
    pub negative_pcr_period: i64,
    /// An open visit is closed automatically after this stay.
    pub default_stay: i64,
    /// A check-in can be cancelled this long after it was made.
    pub cancel_window: i64,
    /// Visits older than this are deleted.
    pub retention: i64,
    /// A case's visits this long before the positive test are searched for contacts.
    pub contact_lookback: i64,
    /// Lifetime of a pass token; the app refreshes it before then.
    pub pass_lifetime: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            red_period: 10 * DAY,
            contact_period: 14 * DAY,
            vaccination_period: 365 * DAY,
            recovery_period: 90 * DAY,
            negative_pcr_period: 7 * DAY,
            default_stay: 3 * HOUR,
            cancel_window: HOUR,
            retention: 21 * DAY,
            contact_lookback: 14 * DAY,
            pass_lifetime: 5 * MINUTE,
        }
    }
}

/// For each kind of record, the oldest time a record can still be of use: one dated
/// before its cutoff can no longer change any status (nor, for visits and queued tracing,
/// any contact that would), so it is deleted. A store deletes rows dated `< cutoff`.
///
/// A status window is open while `at <= now < at + period`; a record dated `at` is of use
/// while `at > now - period`, i.e. `at >= now - period + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Positives stay past their red period for the default stay: contact tracing reads
    /// them when a stay that met the end of their infectious window ends (`visit`).
    pub positive_pcr: Timestamp,
    pub negative_pcr: Timestamp,
    pub contacts: Timestamp,
    /// Complete and incomplete courses alike: no rule reads an incomplete one, and it
    /// leaves no sooner than a complete one would.
    pub vaccinations: Timestamp,
    pub recoveries: Timestamp,
    /// Visits and scans: by entry time (the retention period).
    pub visits: Timestamp,
    /// Queued positives (by test time): tracing one lists contacts at their last exposure,
    /// no later than the end of its infectious window (`red_period` after the test); a
    /// contact listed then is YELLOW for `contact_period`.
    pub tracing: Timestamp,
    /// The audit log (who acted for or upon whom): [`AUDIT_RETENTION`], so that a year's
    /// disputes and complaints can still be answered; it holds no health data.
    pub audit: Timestamp,
}

/// How long the audit log keeps a row: 400 days.
pub const AUDIT_RETENTION: Timestamp = 400 * crate::DAY;

impl Policy {
    /// The [`Cutoffs`] at `now`.
    pub fn cutoffs(&self, now: Timestamp) -> Cutoffs {
        let of_use = |period: i64| now.saturating_sub(period).saturating_add(1);
        Cutoffs {
            positive_pcr: of_use(self.red_period.saturating_add(self.default_stay)),
            negative_pcr: of_use(self.negative_pcr_period),
            contacts: of_use(self.contact_period),
            vaccinations: of_use(self.vaccination_period),
            recoveries: of_use(self.recovery_period),
            visits: now.saturating_sub(self.retention),
            tracing: of_use(self.red_period.saturating_add(self.contact_period)),
            audit: now.saturating_sub(AUDIT_RETENTION),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PcrResult {
    pub taken_at: Timestamp,
    pub positive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vaccination {
    pub at: Timestamp,
    pub course_complete: bool,
}

/// Everything the rules look at for one person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthRecords {
    pub pcr: Vec<PcrResult>,
    /// When the person was listed as a contact (the exposure time).
    pub contacts: Vec<Timestamp>,
    pub vaccinations: Vec<Vaccination>,
    pub recoveries: Vec<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub status: Status,
    /// When this status began: the start of the unbroken stretch of this colour up to now
    /// (None: always been BLUE as far as the records go).
    pub since: Option<Timestamp>,
    /// When it ends unless new records arrive (None: open-ended).
    pub valid_until: Option<Timestamp>,
}

/// Start and end of the windows that are open at `now`, as (earliest start, latest end).
fn window(
    starts: impl Iterator<Item = Timestamp>,
    period: i64,
    now: Timestamp,
) -> Option<(Timestamp, Timestamp)> {
    starts
        .filter(|&t| t <= now && now < t.saturating_add(period))
        .fold(None, |acc, t| {
            let end = t.saturating_add(period);
            Some(match acc {
                None => (t, end),
                Some((s, e)) => (s.min(t), e.max(end)),
            })
        })
}

/// Each kind of record that makes a status, with how long it lasts.
fn periods(records: &HealthRecords, policy: &Policy) -> [(Status, Vec<Timestamp>, i64); 5] {
    let pcr = |positive: bool| {
        records
            .pcr
            .iter()
            .filter(|p| p.positive == positive)
            .map(|p| p.taken_at)
            .collect()
    };
    let vaccinated = records
        .vaccinations
        .iter()
        .filter(|v| v.course_complete)
        .map(|v| v.at)
        .collect();
    [
        (Status::Red, pcr(true), policy.red_period),
        (
            Status::Yellow,
            records.contacts.clone(),
            policy.contact_period,
        ),
        (Status::Green, vaccinated, policy.vaccination_period),
        (
            Status::Green,
            records.recoveries.clone(),
            policy.recovery_period,
        ),
        (Status::Green, pcr(false), policy.negative_pcr_period),
    ]
}

/// The status at `t` (records dated after `t` ignored) and, unless BLUE, the earliest start
/// and latest end of the windows that make it.
fn colour_at(
    periods: &[(Status, Vec<Timestamp>, i64)],
    t: Timestamp,
) -> (Status, Option<(Timestamp, Timestamp)>) {
    // RED before YELLOW before GREEN: the first colour with an open window wins, and the
    // GREEN reasons together make one window.
    for colour in [Status::Red, Status::Yellow, Status::Green] {
        let open = periods
            .iter()
            .filter(|(c, _, _)| *c == colour)
            .filter_map(|(_, starts, period)| window(starts.iter().copied(), *period, t))
            .reduce(|(s1, e1), (s2, e2)| (s1.min(s2), e1.max(e2)));
        if open.is_some() {
            return (colour, open);
        }
    }
    (Status::Blue, None)
}

/// The status at `now`. Records dated after `now` are ignored; one dated exactly `now`
/// counts.
///
/// `since` is when the current status began: the start of the unbroken stretch up to
/// `now` with this same colour. Someone RED until yesterday and vaccinated a month ago is
/// GREEN since yesterday; two positives whose red periods meet make one RED stretch.
pub fn evaluate(records: &HealthRecords, now: Timestamp, policy: &Policy) -> StatusReport {
    let periods = periods(records, policy);
    let (status, open) = colour_at(&periods, now);
    // The colour only changes where a window opens or closes, so walking those moments
    // back from `now` finds where this colour's stretch began.
    let mut moments: Vec<Timestamp> = periods
        .iter()
        .flat_map(|(_, starts, period)| {
            starts
                .iter()
                .flat_map(move |&t| [t, t.saturating_add(*period)])
        })
        .filter(|&m| m <= now)
        .collect();
    moments.sort_unstable_by(|a, b| b.cmp(a));
    moments.dedup();
    let since = moments
        .into_iter()
        .find(|&m| colour_at(&periods, m.saturating_sub(1)).0 != status);
    StatusReport {
        status,
        since,
        valid_until: open.map(|(_, end)| end),
    }
}

/// Why a status does or does not admit at a venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionReason {
    /// RED: strict home isolation.
    Isolation,
    /// YELLOW at a venue that is not a grocery store or pharmacy.
    ContactEssentialOnly,
    /// YELLOW at a grocery store or pharmacy.
    ContactEssentialVenue,
    /// The venue requires a PCR test and the status is not GREEN.
    PcrRequired,
    /// No restriction applies.
    Allowed,
    /// No status: no pass.
    StatusUnknown,
}

impl AdmissionReason {
    pub const ALL: [AdmissionReason; 6] = [
        AdmissionReason::Isolation,
        AdmissionReason::ContactEssentialOnly,
        AdmissionReason::ContactEssentialVenue,
        AdmissionReason::PcrRequired,
        AdmissionReason::Allowed,
        AdmissionReason::StatusUnknown,
    ];

    /// The wire name (serde's), e.g. `pcr_required`.
    pub fn as_str(self) -> &'static str {
        match self {
            AdmissionReason::Isolation => "isolation",
            AdmissionReason::ContactEssentialOnly => "contact_essential_only",
            AdmissionReason::ContactEssentialVenue => "contact_essential_venue",
            AdmissionReason::PcrRequired => "pcr_required",
            AdmissionReason::Allowed => "allowed",
            AdmissionReason::StatusUnknown => "status_unknown",
        }
    }

    /// The inverse of [`AdmissionReason::as_str`]; `None` for any other text.
    pub fn parse(s: &str) -> Option<AdmissionReason> {
        AdmissionReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Admission {
    pub admitted: bool,
    pub reason: AdmissionReason,
}

/// What `status` allows at a venue of `category` (DESIGN §1's table).
pub fn admission(status: Status, category: Category, pcr_required: bool) -> Admission {
    use AdmissionReason::*;
    let (admitted, reason) = match status {
        Status::Unknown => (false, StatusUnknown),
        Status::Red => (false, Isolation),
        Status::Green => (true, Allowed),
        Status::Yellow if !category.is_essential() => (false, ContactEssentialOnly),
        Status::Yellow | Status::Blue if pcr_required => (false, PcrRequired),
        Status::Yellow => (true, ContactEssentialVenue),
        Status::Blue => (true, Allowed),
    };
    Admission { admitted, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps only the records at or after their cutoff, as the stores do.
    fn purged(r: &HealthRecords, c: &Cutoffs) -> HealthRecords {
        HealthRecords {
            pcr: r
                .pcr
                .iter()
                .filter(|x| {
                    x.taken_at
                        >= if x.positive {
                            c.positive_pcr
                        } else {
                            c.negative_pcr
                        }
                })
                .copied()
                .collect(),
            contacts: r
                .contacts
                .iter()
                .filter(|&&t| t >= c.contacts)
                .copied()
                .collect(),
            vaccinations: r
                .vaccinations
                .iter()
                .filter(|v| v.at >= c.vaccinations)
                .copied()
                .collect(),
            recoveries: r
                .recoveries
                .iter()
                .filter(|&&t| t >= c.recoveries)
                .copied()
                .collect(),
        }
    }

    #[test]
    fn records_past_their_cutoff_change_no_status() {
        let policy = p();
        // Every kind of record, at every second around each of its edges.
        let periods = [
            policy.red_period,
            policy.negative_pcr_period,
            policy.contact_period,
            policy.vaccination_period,
            policy.recovery_period,
        ];
        for period in periods {
            for delta in -2..=2 {
                let at = NOW - period + delta;
                let records = HealthRecords {
                    pcr: vec![
                        PcrResult {
                            taken_at: at,
                            positive: true,
                        },
                        PcrResult {
                            taken_at: at,
                            positive: false,
                        },
                    ],
                    contacts: vec![at],
                    vaccinations: vec![Vaccination {
                        at,
                        course_complete: true,
                    }],
                    recoveries: vec![at],
                };
                // Each kind alone, so one kind's window does not hide another's.
                let kinds = [
                    HealthRecords {
                        pcr: vec![records.pcr[0]],
                        ..Default::default()
                    },
                    HealthRecords {
                        pcr: vec![records.pcr[1]],
                        ..Default::default()
                    },
                    HealthRecords {
                        contacts: records.contacts.clone(),
                        ..Default::default()
                    },
                    HealthRecords {
                        vaccinations: records.vaccinations.clone(),
                        ..Default::default()
                    },
                    HealthRecords {
                        recoveries: records.recoveries.clone(),
                        ..Default::default()
                    },
                ];
                for r in kinds {
                    let cut = policy.cutoffs(NOW);
                    let before = evaluate(&r, NOW, &policy);
                    let after = evaluate(&purged(&r, &cut), NOW, &policy);
                    assert_eq!(
                        (before.status, before.valid_until),
                        (after.status, after.valid_until),
                        "{r:?}"
                    );
                }
            }
        }
        // The cutoffs delete something: a record one second past its window is gone.
        let c = policy.cutoffs(NOW);
        assert_eq!(c.positive_pcr, NOW - 10 * DAY - 3 * HOUR + 1);
        assert_eq!(c.contacts, NOW - 14 * DAY + 1);
        assert_eq!(c.negative_pcr, NOW - 7 * DAY + 1);
        assert_eq!(c.vaccinations, NOW - 365 * DAY + 1);
        assert_eq!(c.recoveries, NOW - 90 * DAY + 1);
        assert_eq!(c.visits, NOW - 21 * DAY);
        assert_eq!(c.tracing, NOW - 24 * DAY + 1);
    }

    const NOW: Timestamp = 1_800_000_000;
    fn p() -> Policy {
        Policy::default()
    }
    fn pcr(days_ago: i64, positive: bool) -> PcrResult {
        PcrResult {
            taken_at: NOW - days_ago * DAY,
            positive,
        }
    }

    #[test]
    fn no_records_is_blue_open_ended() {
        let r = evaluate(&HealthRecords::default(), NOW, &p());
        assert_eq!(
            r,
            StatusReport {
                status: Status::Blue,
                since: None,
                valid_until: None
            }
        );
    }

    #[test]
    fn positive_pcr_is_red_for_ten_days() {
        let rec = HealthRecords {
            pcr: vec![pcr(3, true)],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Red);
        assert_eq!(r.since, Some(NOW - 3 * DAY));
        assert_eq!(r.valid_until, Some(NOW + 7 * DAY));
        // Day 10 exactly: over.
        let rec = HealthRecords {
            pcr: vec![pcr(10, true)],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Blue);
        assert_eq!(r.since, Some(NOW));
    }

    #[test]
    fn red_beats_yellow_beats_green() {
        let all = HealthRecords {
            pcr: vec![pcr(1, true), pcr(0, false)],
            contacts: vec![NOW - DAY],
            vaccinations: vec![Vaccination {
                at: NOW - 30 * DAY,
                course_complete: true,
            }],
            recoveries: vec![],
        };
        assert_eq!(evaluate(&all, NOW, &p()).status, Status::Red);
        let no_red = HealthRecords {
            pcr: vec![pcr(0, false)],
            ..all.clone()
        };
        let r = evaluate(&no_red, NOW, &p());
        assert_eq!(r.status, Status::Yellow);
        assert_eq!(r.valid_until, Some(NOW + 13 * DAY));
        let contact_old = HealthRecords {
            contacts: vec![NOW - 14 * DAY],
            ..no_red
        };
        let r = evaluate(&contact_old, NOW, &p());
        assert_eq!(r.status, Status::Green);
        assert_eq!(r.valid_until, Some(NOW + 335 * DAY));
    }

    #[test]
    fn each_green_reason_has_its_own_length() {
        let vacc = |days_ago, complete| HealthRecords {
            vaccinations: vec![Vaccination {
                at: NOW - days_ago * DAY,
                course_complete: complete,
            }],
            ..Default::default()
        };
        assert_eq!(evaluate(&vacc(364, true), NOW, &p()).status, Status::Green);
        assert_eq!(evaluate(&vacc(365, true), NOW, &p()).status, Status::Blue);
        assert_eq!(evaluate(&vacc(10, false), NOW, &p()).status, Status::Blue);
        let rec = |days_ago| HealthRecords {
            recoveries: vec![NOW - days_ago * DAY],
            ..Default::default()
        };
        assert_eq!(evaluate(&rec(89), NOW, &p()).status, Status::Green);
        assert_eq!(evaluate(&rec(90), NOW, &p()).status, Status::Blue);
        let neg = |days_ago| HealthRecords {
            pcr: vec![pcr(days_ago, false)],
            ..Default::default()
        };
        assert_eq!(evaluate(&neg(6), NOW, &p()).status, Status::Green);
        let r = evaluate(&neg(7), NOW, &p());
        assert_eq!(r.status, Status::Blue);
        assert_eq!(r.since, Some(NOW));
    }

    #[test]
    fn since_is_when_the_current_colour_began() {
        let vaccinated = Vaccination {
            at: NOW - 30 * DAY,
            course_complete: true,
        };
        // RED until yesterday (positive 11 days ago), vaccinated 30 days ago.
        let rec = HealthRecords {
            pcr: vec![pcr(11, true)],
            vaccinations: vec![vaccinated],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Green);
        assert_eq!(r.since, Some(NOW - DAY), "GREEN since RED ended");
        assert_eq!(r.valid_until, Some(NOW + 335 * DAY));
        // Listed as a contact while RED: YELLOW from the end of RED, not from the listing.
        let rec = HealthRecords {
            pcr: vec![pcr(11, true)],
            contacts: vec![NOW - 5 * DAY],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Yellow);
        assert_eq!(r.since, Some(NOW - DAY));
        // Two positives whose red periods meet: one RED stretch from the first, even after
        // the first one's ten days are over.
        let rec = HealthRecords {
            pcr: vec![pcr(12, true), pcr(2, true)],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Red);
        assert_eq!(r.since, Some(NOW - 12 * DAY));
        assert_eq!(r.valid_until, Some(NOW + 8 * DAY));
        // A GREEN stretch broken by YELLOW starts again when YELLOW ends.
        let rec = HealthRecords {
            contacts: vec![NOW - 20 * DAY],
            vaccinations: vec![vaccinated],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!(r.status, Status::Green);
        assert_eq!(r.since, Some(NOW - 6 * DAY));
        // GREEN reasons that follow each other without a gap are one stretch.
        let rec = HealthRecords {
            pcr: vec![pcr(10, false)],
            recoveries: vec![NOW - 4 * DAY],
            ..Default::default()
        };
        assert_eq!(evaluate(&rec, NOW, &p()).since, Some(NOW - 10 * DAY));
    }

    #[test]
    fn a_record_dated_exactly_now_counts() {
        let rec = HealthRecords {
            pcr: vec![pcr(0, true)],
            ..Default::default()
        };
        let r = evaluate(&rec, NOW, &p());
        assert_eq!((r.status, r.since), (Status::Red, Some(NOW)));
    }

    #[test]
    fn future_records_are_ignored() {
        let rec = HealthRecords {
            pcr: vec![pcr(-1, true)],
            ..Default::default()
        };
        assert_eq!(evaluate(&rec, NOW, &p()).status, Status::Blue);
    }

    #[test]
    fn admission_matrix() {
        use AdmissionReason::*;
        let cases = [
            (Status::Red, Category::Grocery, false, false, Isolation),
            (Status::Red, Category::Pharmacy, false, false, Isolation),
            (
                Status::Yellow,
                Category::Grocery,
                false,
                true,
                ContactEssentialVenue,
            ),
            (
                Status::Yellow,
                Category::Pharmacy,
                false,
                true,
                ContactEssentialVenue,
            ),
            (
                Status::Yellow,
                Category::Restaurant,
                false,
                false,
                ContactEssentialOnly,
            ),
            (
                Status::Yellow,
                Category::TransportHub,
                true,
                false,
                ContactEssentialOnly,
            ),
            (Status::Yellow, Category::Grocery, true, false, PcrRequired),
            (Status::Blue, Category::Restaurant, false, true, Allowed),
            (
                Status::Blue,
                Category::TransportHub,
                true,
                false,
                PcrRequired,
            ),
            (Status::Blue, Category::Mall, true, false, PcrRequired),
            (Status::Green, Category::TransportHub, true, true, Allowed),
            (Status::Green, Category::Restaurant, false, true, Allowed),
            (
                Status::Unknown,
                Category::Grocery,
                false,
                false,
                StatusUnknown,
            ),
        ];
        for (status, cat, pcr, admitted, reason) in cases {
            assert_eq!(
                admission(status, cat, pcr),
                Admission { admitted, reason },
                "{status:?} at {cat:?} (pcr {pcr})"
            );
        }
        // Every status × category combination answers, and only GREEN passes PCR venues.
        for cat in Category::ALL {
            for st in [Status::Red, Status::Yellow, Status::Blue, Status::Unknown] {
                assert!(!admission(st, cat, true).admitted);
            }
            assert!(admission(Status::Green, cat, true).admitted);
        }
    }

    #[test]
    fn status_names_and_bytes_round_trip() {
        for st in [Status::Red, Status::Yellow, Status::Blue, Status::Green] {
            assert_eq!(Status::from_byte(st.to_byte()), Some(st));
            assert_eq!(Status::parse(st.as_str()), Some(st));
        }
        assert_eq!(Status::from_byte(Status::Unknown.to_byte()), None);
        assert_eq!(
            serde_json::to_string(&Status::Yellow).expect("serializes"),
            "\"YELLOW\""
        );
    }

    #[test]
    fn admission_reason_names_are_serde_names() {
        for r in AdmissionReason::ALL {
            let json = serde_json::to_string(&r).expect("serializes");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(AdmissionReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(AdmissionReason::parse("PcrRequired"), None);
        assert_eq!(AdmissionReason::parse(""), None);
    }
}
