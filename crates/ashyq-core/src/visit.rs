//! Visit rules (DESIGN §4): an entry scan opens a visit, an exit scan at the same venue
//! closes it, a new entry elsewhere closes the open one, an open visit closes itself after
//! the default stay, a wrong check-in can be cancelled for a while, old visits are
//! deleted, and overlapping stays make contacts. Also the client visit id, which makes a
//! retried check-in land once.
//!
//! Contact tracing: a positive test makes its person infectious over a window
//! ([`infectious_window`], [`Cases`]); anyone whose stay at the same venue overlaps one of
//! theirs within it is a [`Contact`], listed at their last exposure. The same exposures are
//! found two ways, which agree (a property test compares both with an all-pairs
//! reference): all of a case's contacts when its positive is imported ([`find_contacts`]),
//! and the contacts one stay makes whenever it ends ([`contacts_of_stay`]), so an
//! overlap that comes into being after the import is found too.

use std::collections::BTreeMap;

use crate::api::Visit;
use crate::encoding::hex_encode;
use crate::status::Policy;
use crate::venue::Direction;
use crate::Timestamp;

/// Whether `id` may be a client visit id: 16–64 characters of `[A-Za-z0-9_-]` (a UUID is
/// one). The id becomes the visit's id and appears in URL paths, hence the plain alphabet.
pub fn is_valid_client_visit_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A fresh client visit id: a version 4 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`) made
/// from 16 random bytes the caller draws (this crate has no randomness of its own).
pub fn new_client_visit_id(mut random: [u8; 16]) -> String {
    random[6] = (random[6] & 0x0f) | 0x40;
    random[8] = (random[8] & 0x3f) | 0x80;
    let hex = hex_encode(&random);
    let mut s = String::with_capacity(36);
    for (i, c) in hex.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            s.push('-');
        }
        s.push(c);
    }
    s
}

/// Whether `visit` is still open at `now`: not cancelled, not exited, and not past its
/// default stay (an outstayed visit counts as closed even before the store closes it).
pub fn is_open(visit: &Visit, now: Timestamp, policy: &Policy) -> bool {
    !visit.cancelled && visit.exited_at.is_none() && now < auto_close_at(visit.entered_at, policy)
}

/// The visitor's currently open visit, as the store has it: not exited, cancelled or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVisit {
    pub id: String,
    pub venue_id: u64,
    pub entered_at: Timestamp,
    /// A cancelled visit is out of the diary but still a stay for tracing, so it stays
    /// open until the visitor's next scan (or the auto-close) ends it.
    pub cancelled: bool,
}

/// What a scan does to the visitor's visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanDecision {
    /// Open a new visit; first close `close_previous` (ended by a new entry) if set.
    Open { close_previous: Option<String> },
    /// The entry code of the venue the visitor is already in: nothing changes.
    AlreadyInside { visit_id: String },
    /// Close this visit (exit scan).
    Close { visit_id: String },
    /// Exit scanned with no open visit here: record a visit that starts and ends now,
    /// closing `close_previous` (open elsewhere) if set.
    ExitOnly { close_previous: Option<String> },
}

/// When an open visit closes itself.
pub fn auto_close_at(entered_at: Timestamp, policy: &Policy) -> Timestamp {
    entered_at.saturating_add(policy.default_stay)
}

/// The auto-close time if `open` has outstayed the default stay at `now`.
pub fn due_auto_close(open: &OpenVisit, now: Timestamp, policy: &Policy) -> Option<Timestamp> {
    let at = auto_close_at(open.entered_at, policy);
    (now >= at).then_some(at)
}

/// Decides what a scan of `venue_id`/`direction` at `now` does, given the open visit.
/// An open visit past its default stay counts as already closed (the caller closes it
/// with [`due_auto_close`]'s time first). A cancelled open visit is no longer the
/// visitor's check-in: any scan closes it, as if it were at another venue.
pub fn on_scan(
    open: Option<&OpenVisit>,
    venue_id: u64,
    direction: Direction,
    now: Timestamp,
    policy: &Policy,
) -> ScanDecision {
    let open = open.filter(|o| due_auto_close(o, now, policy).is_none());
    let here = |o: &OpenVisit| o.venue_id == venue_id && !o.cancelled;
    match (direction, open) {
        (Direction::In, Some(o)) if here(o) => ScanDecision::AlreadyInside {
            visit_id: o.id.clone(),
        },
        (Direction::In, o) => ScanDecision::Open {
            close_previous: o.map(|o| o.id.clone()),
        },
        (Direction::Out, Some(o)) if here(o) => ScanDecision::Close {
            visit_id: o.id.clone(),
        },
        (Direction::Out, o) => ScanDecision::ExitOnly {
            close_previous: o.map(|o| o.id.clone()),
        },
    }
}

/// Why a visit cannot be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("this visit is already cancelled")]
    AlreadyCancelled,
    #[error("too late to cancel this visit")]
    TooLate,
}

/// A wrong check-in can be cancelled within the policy's window after entry.
pub fn can_cancel(
    entered_at: Timestamp,
    cancelled: bool,
    now: Timestamp,
    policy: &Policy,
) -> Result<(), CancelError> {
    if cancelled {
        Err(CancelError::AlreadyCancelled)
    } else if now > entered_at.saturating_add(policy.cancel_window) {
        Err(CancelError::TooLate)
    } else {
        Ok(())
    }
}

/// Visits that entered before this moment are deleted.
pub fn retention_cutoff(now: Timestamp, policy: &Policy) -> Timestamp {
    now.saturating_sub(policy.retention)
}

/// A stretch of time `[from, to)`: `from` is in it, `to` is not. Empty when `to <= from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    pub fn is_empty(&self) -> bool {
        self.to <= self.from
    }

    /// The time both windows share (possibly empty).
    pub fn intersect(&self, other: &Window) -> Window {
        Window {
            from: self.from.max(other.from),
            to: self.to.min(other.to),
        }
    }
}

/// When a stay ends for contact tracing: its exit, or its auto-close time, or now if the
/// person is still inside. Never later than the auto-close time, so a stay lasts at most
/// the default stay (the store relies on this to search only so far back).
///
/// Cancelled visits are stays like any other: cancelling removes a visit from the
/// visitor's diary, not from tracing, so callers pass cancelled visits here too.
pub fn stay_end(
    entered_at: Timestamp,
    exited_at: Option<Timestamp>,
    now: Timestamp,
    policy: &Policy,
) -> Timestamp {
    exited_at
        .unwrap_or(now)
        .min(auto_close_at(entered_at, policy))
}

/// One person's stay at a venue, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub person: String,
    pub venue_id: u64,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Stay {
    pub fn span(&self) -> Window {
        Window {
            from: self.start,
            to: self.end,
        }
    }
}

/// Two stays overlap when they share a moment at the same venue; touching ends do not
/// count (one left as the other came in), nor does a stay that starts and ends at once.
pub fn overlaps(a: &Stay, b: &Stay) -> bool {
    a.venue_id == b.venue_id && !a.span().intersect(&b.span()).is_empty()
}

/// The entry times of every stay that can overlap `span`: a stay lasts at most the
/// default stay (see [`stay_end`]), so one that entered earlier has ended before `span`.
pub fn entries_overlapping(span: &Window, policy: &Policy) -> Window {
    Window {
        from: span.from.saturating_sub(policy.default_stay),
        to: span.to,
    }
}

/// The time a positive test taken at `taken_at` makes its person infectious to others:
/// from the contact look-back before the test to the end of the red period. It does not
/// depend on when the result was reported, so a late-reported positive (its person never
/// RED) and a future-dated one (a lab clock running fast) are traced the same way.
pub fn infectious_window(taken_at: Timestamp, policy: &Policy) -> Window {
    Window {
        from: taken_at.saturating_sub(policy.contact_lookback),
        to: taken_at.saturating_add(policy.red_period),
    }
}

/// The test times whose infectious window may overlap a stay entered at `entered_at` (it
/// lasts at most the default stay): a store marks such a stay when its person has a
/// positive taken in this window, and need look no further.
pub fn positives_reaching(entered_at: Timestamp, policy: &Policy) -> Window {
    // [t − look-back, t + red) meets [entered, entered + stay) when
    // entered − red < t < entered + stay + look-back.
    Window {
        from: entered_at
            .saturating_sub(policy.red_period)
            .saturating_add(1),
        to: auto_close_at(entered_at, policy).saturating_add(policy.contact_lookback),
    }
}

/// Who is infectious when: each case's infectious windows, merged where they overlap or
/// meet. A run of positives whose windows meet thus looks back from its earliest
/// positive and lasts to the end of the latest one's red period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cases {
    windows: BTreeMap<String, Vec<Window>>,
}

impl Cases {
    /// The cases of these positive results (person, taken at).
    pub fn from_positives<'a>(
        positives: impl IntoIterator<Item = (&'a str, Timestamp)>,
        policy: &Policy,
    ) -> Cases {
        let mut cases = Cases::default();
        for (person, taken_at) in positives {
            cases.add_positive(person, taken_at, policy);
        }
        cases
    }

    pub fn add_positive(&mut self, person: &str, taken_at: Timestamp, policy: &Policy) {
        let windows = self.windows.entry(person.to_owned()).or_default();
        windows.push(infectious_window(taken_at, policy));
        windows.sort_unstable();
        let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
        for w in windows.drain(..) {
            match merged.last_mut() {
                Some(last) if w.from <= last.to => last.to = last.to.max(w.to),
                _ => merged.push(w),
            }
        }
        *windows = merged;
    }

    /// The person's infectious windows, sorted and disjoint (empty if not a case).
    pub fn windows(&self, person: &str) -> &[Window] {
        self.windows.get(person).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Every window of every case, for a store to find the stays that may matter.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Window])> {
        self.windows
            .iter()
            .map(|(person, w)| (person.as_str(), w.as_slice()))
    }
}

/// A person exposed to a case: their stays overlapped a case's stay while the case was
/// infectious. They are listed as a contact at `last_exposure`, the end of the last such
/// overlap, so YELLOW runs for the contact period from the last exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub person: String,
    /// The start of the first overlap.
    pub first_exposure: Timestamp,
    /// The end of the last overlap: the listing time.
    pub last_exposure: Timestamp,
}

/// Exposures gathered person by person.
#[derive(Debug, Default)]
struct Exposures(BTreeMap<String, (Timestamp, Timestamp)>);

impl Exposures {
    fn add(&mut self, person: &str, overlap: Window) {
        if overlap.is_empty() {
            return;
        }
        match self.0.get_mut(person) {
            Some((first, last)) => {
                *first = (*first).min(overlap.from);
                *last = (*last).max(overlap.to);
            }
            None => {
                self.0.insert(person.to_owned(), (overlap.from, overlap.to));
            }
        }
    }

    fn into_contacts(self) -> Vec<Contact> {
        self.0
            .into_iter()
            .map(|(person, (first_exposure, last_exposure))| Contact {
                person,
                first_exposure,
                last_exposure,
            })
            .collect()
    }
}

/// The contacts of one case among `stays`, at import: `stays` holds the case's own stays
/// in its `windows` and everyone's stays at those venues that may overlap them (see
/// [`entries_overlapping`]). Sorted by person; the case is never its own contact.
pub fn find_contacts(case: &str, windows: &[Window], stays: &[Stay]) -> Vec<Contact> {
    // The stretches the case was infectious and at a venue, by venue.
    let mut infectious: BTreeMap<u64, Vec<Window>> = BTreeMap::new();
    for s in stays.iter().filter(|s| s.person == case) {
        for w in windows {
            let part = s.span().intersect(w);
            if !part.is_empty() {
                infectious.entry(s.venue_id).or_default().push(part);
            }
        }
    }
    let mut found = Exposures::default();
    for other in stays.iter().filter(|s| s.person != case) {
        for part in infectious.get(&other.venue_id).into_iter().flatten() {
            found.add(&other.person, part.intersect(&other.span()));
        }
    }
    found.into_contacts()
}

/// The contacts that one new or changed stay makes, each time a stay ends (exit scan, a
/// check-in or guard-mode check-in elsewhere, auto-close): `stays` holds the stays at its
/// venue that may overlap it, `cases` the windows of every case among their people and of
/// `changed`'s own person. When `changed` is a case's stay, the others are its contacts;
/// when it overlaps a case's stay, its person is. Sorted by person.
pub fn contacts_of_stay(changed: &Stay, cases: &Cases, stays: &[Stay]) -> Vec<Contact> {
    let own = cases.windows(&changed.person);
    let mut found = Exposures::default();
    for other in stays {
        if other.person == changed.person || other.venue_id != changed.venue_id {
            continue;
        }
        let together = changed.span().intersect(&other.span());
        if together.is_empty() {
            continue;
        }
        for w in own {
            found.add(&other.person, together.intersect(w));
        }
        for w in cases.windows(&other.person) {
            found.add(&changed.person, together.intersect(w));
        }
    }
    found.into_contacts()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HOUR;

    const NOW: Timestamp = 1_800_000_000;

    fn open(id: &str, venue: u64, entered: Timestamp) -> OpenVisit {
        OpenVisit {
            id: id.into(),
            venue_id: venue,
            entered_at: entered,
            cancelled: false,
        }
    }

    #[test]
    fn client_visit_ids_are_uuids_or_plain_words_of_16_to_64() {
        for random in [[0u8; 16], [0xff; 16], [0x5a; 16]] {
            let id = new_client_visit_id(random);
            assert!(is_valid_client_visit_id(&id), "{id}");
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4", "version 4: {id}");
            assert!(
                matches!(&id[19..20], "8" | "9" | "a" | "b"),
                "RFC 4122 variant: {id}"
            );
        }
        assert_eq!(
            new_client_visit_id([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_ne!(new_client_visit_id([1; 16]), new_client_visit_id([2; 16]));
        assert!(is_valid_client_visit_id("abcdefghij_-0123"));
        assert!(is_valid_client_visit_id(&"a".repeat(64)));
        for bad in [
            "",
            "abcdefghij_-012",
            &"a".repeat(65),
            "abcdefghij 0123456",
            "abcdefghij/0123456",
            "abcdefghij.0123456",
            "abcdefghijé0123456",
        ] {
            assert!(!is_valid_client_visit_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_visit_is_open_until_exit_cancel_or_the_default_stay() {
        let p = Policy::default();
        let v = Visit {
            id: "a".repeat(16),
            venue_id: 1,
            venue_name: "Дәріхана".into(),
            address: "Абай 10".into(),
            category: crate::venue::Category::Pharmacy,
            entrance: 1,
            entered_at: NOW - HOUR,
            exited_at: None,
            exit_kind: None,
            cancelled: false,
            by_staff: false,
            disputed: false,
        };
        assert!(is_open(&v, NOW, &p));
        let stay_ends = auto_close_at(v.entered_at, &p);
        assert!(is_open(&v, stay_ends - 1, &p));
        assert!(!is_open(&v, stay_ends, &p));
        let left = Visit {
            exited_at: Some(NOW - 10),
            exit_kind: Some(crate::api::ExitKind::Scan),
            ..v.clone()
        };
        assert!(!is_open(&left, NOW, &p));
        let cancelled = Visit {
            cancelled: true,
            ..v.clone()
        };
        assert!(!is_open(&cancelled, NOW, &p));
    }

    #[test]
    fn entry_exit_and_moving_on() {
        let p = Policy::default();
        assert_eq!(
            on_scan(None, 1, Direction::In, NOW, &p),
            ScanDecision::Open {
                close_previous: None
            }
        );
        let here = open("a", 1, NOW - HOUR);
        assert_eq!(
            on_scan(Some(&here), 1, Direction::Out, NOW, &p),
            ScanDecision::Close {
                visit_id: "a".into()
            }
        );
        assert_eq!(
            on_scan(Some(&here), 1, Direction::In, NOW, &p),
            ScanDecision::AlreadyInside {
                visit_id: "a".into()
            }
        );
        assert_eq!(
            on_scan(Some(&here), 2, Direction::In, NOW, &p),
            ScanDecision::Open {
                close_previous: Some("a".into())
            }
        );
        assert_eq!(
            on_scan(Some(&here), 2, Direction::Out, NOW, &p),
            ScanDecision::ExitOnly {
                close_previous: Some("a".into())
            }
        );
        assert_eq!(
            on_scan(None, 2, Direction::Out, NOW, &p),
            ScanDecision::ExitOnly {
                close_previous: None
            }
        );
    }

    #[test]
    fn an_outstayed_visit_is_closed_at_the_default_stay() {
        let p = Policy::default();
        let old = open("a", 1, NOW - 3 * HOUR);
        assert_eq!(due_auto_close(&old, NOW, &p), Some(NOW));
        assert_eq!(due_auto_close(&old, NOW - 1, &p), None);
        // Past the stay, its own exit code no longer closes it: it is already closed.
        assert_eq!(
            on_scan(Some(&old), 1, Direction::Out, NOW, &p),
            ScanDecision::ExitOnly {
                close_previous: None
            }
        );
        assert_eq!(stay_end(NOW - 4 * HOUR, None, NOW, &p), NOW - HOUR);
        assert_eq!(stay_end(NOW - HOUR, None, NOW, &p), NOW);
        assert_eq!(stay_end(NOW - HOUR, Some(NOW - 10), NOW, &p), NOW - 10);
    }

    #[test]
    fn cancel_window_and_retention() {
        let p = Policy::default();
        assert_eq!(can_cancel(NOW - 10, false, NOW, &p), Ok(()));
        assert_eq!(
            can_cancel(NOW - 10, true, NOW, &p),
            Err(CancelError::AlreadyCancelled)
        );
        assert_eq!(
            can_cancel(NOW - 2 * HOUR, false, NOW, &p),
            Err(CancelError::TooLate)
        );
        assert_eq!(retention_cutoff(NOW, &p), NOW - 21 * crate::DAY);
    }

    #[test]
    fn a_cancelled_open_visit_is_closed_by_any_scan() {
        let p = Policy::default();
        let cancelled = OpenVisit {
            cancelled: true,
            ..open("a", 1, NOW - HOUR)
        };
        assert_eq!(
            on_scan(Some(&cancelled), 1, Direction::In, NOW, &p),
            ScanDecision::Open {
                close_previous: Some("a".into())
            }
        );
        assert_eq!(
            on_scan(Some(&cancelled), 1, Direction::Out, NOW, &p),
            ScanDecision::ExitOnly {
                close_previous: Some("a".into())
            }
        );
    }

    fn stay(person: &str, venue: u64, start: Timestamp, end: Timestamp) -> Stay {
        Stay {
            person: person.into(),
            venue_id: venue,
            start,
            end,
        }
    }

    fn contact(person: &str, first: Timestamp, last: Timestamp) -> Contact {
        Contact {
            person: person.into(),
            first_exposure: first,
            last_exposure: last,
        }
    }

    #[test]
    fn a_stay_never_outlasts_the_default_stay() {
        let p = Policy::default();
        assert_eq!(stay_end(NOW - HOUR, Some(NOW), NOW, &p), NOW);
        // An exit recorded past the default stay (a policy shortened since) is cut.
        assert_eq!(stay_end(NOW - 4 * HOUR, Some(NOW), NOW, &p), NOW - HOUR);
        assert_eq!(
            entries_overlapping(
                &Window {
                    from: NOW,
                    to: NOW + 1
                },
                &p
            ),
            Window {
                from: NOW - 3 * HOUR,
                to: NOW + 1
            }
        );
    }

    #[test]
    fn a_stay_is_reached_by_the_positives_whose_windows_meet_it() {
        let p = Policy {
            contact_lookback: 10,
            red_period: 20,
            default_stay: 5,
            ..Policy::default()
        };
        let reach = positives_reaching(100, &p);
        assert_eq!(reach, Window { from: 81, to: 115 });
        for t in 60..140 {
            let meets = !infectious_window(t, &p)
                .intersect(&Window { from: 100, to: 105 })
                .is_empty();
            assert_eq!(
                meets,
                (reach.from..reach.to).contains(&t),
                "positive at {t}"
            );
        }
    }

    #[test]
    fn positives_whose_windows_meet_make_one_infectious_window() {
        let p = Policy {
            contact_lookback: 10,
            red_period: 20,
            ..Policy::default()
        };
        let cases = Cases::from_positives([("x", 100), ("x", 130), ("x", 200), ("y", 5)], &p);
        // 100 → [90, 120), 130 → [120, 150): they meet; 200 → [190, 220) stands apart.
        assert_eq!(
            cases.windows("x"),
            [Window { from: 90, to: 150 }, Window { from: 190, to: 220 }]
        );
        assert_eq!(cases.windows("y"), [Window { from: -5, to: 25 }]);
        assert_eq!(cases.windows("z"), []);
    }

    #[test]
    fn contacts_are_listed_at_their_last_exposure_and_touching_stays_are_not() {
        let always = [Window {
            from: 0,
            to: 10_000,
        }];
        let stays = [
            stay("case", 1, 100, 200),
            stay("case", 2, 300, 400),
            stay("a", 1, 150, 250), // overlaps [150, 200)
            stay("b", 1, 200, 300), // touches the end: no
            stay("c", 2, 250, 310), // overlaps [300, 310)
            stay("d", 3, 100, 400), // other venue
            stay("a", 2, 350, 360), // a again, later: last exposure 360
            stay("e", 1, 120, 120), // entered and left at once
        ];
        assert_eq!(
            find_contacts("case", &always, &stays),
            vec![contact("a", 150, 360), contact("c", 300, 310)]
        );
        // Only the time the case was infectious counts.
        let from_180 = [Window {
            from: 180,
            to: 10_000,
        }];
        assert_eq!(
            find_contacts("case", &from_180, &stays),
            vec![contact("a", 180, 360), contact("c", 300, 310)]
        );
        let until_305 = [Window { from: 0, to: 305 }];
        assert_eq!(
            find_contacts("case", &until_305, &stays),
            vec![contact("a", 150, 200), contact("c", 300, 305)]
        );
    }

    #[test]
    fn a_changed_stay_finds_exposure_both_ways() {
        let p = Policy {
            contact_lookback: 50,
            red_period: 100,
            ..Policy::default()
        };
        // The case tested at 100: infectious over [50, 200).
        let cases = Cases::from_positives([("case", 100)], &p);
        let at_venue = [
            stay("case", 1, 40, 150),
            stay("a", 1, 30, 60),
            stay("b", 2, 100, 120),
        ];
        // A visitor who came while the case was inside and has just left.
        let visitor = stay("v", 1, 120, 170);
        assert_eq!(
            contacts_of_stay(&visitor, &cases, &at_venue),
            vec![contact("v", 120, 150)]
        );
        // The case leaving: everyone it overlapped while infectious.
        let case = stay("case", 1, 40, 150);
        let mut others = at_venue.to_vec();
        others.push(visitor);
        assert_eq!(
            contacts_of_stay(&case, &cases, &others),
            vec![contact("a", 50, 60), contact("v", 120, 150)]
        );
        // A visitor who has just checked in (a stay that has not lasted yet) has no
        // contacts yet; the case's stay is not its own contact.
        assert_eq!(
            contacts_of_stay(&stay("v", 1, 150, 150), &cases, &at_venue),
            vec![]
        );
        assert_eq!(contacts_of_stay(&case, &cases, &at_venue[..1]), vec![]);
    }
}
