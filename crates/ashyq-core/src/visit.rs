//! Visit rules (DESIGN §4): an entry scan opens a visit, an exit scan at the same venue
//! closes it, a new entry elsewhere closes the open one, an open visit closes itself after
//! the default stay, a wrong check-in can be cancelled for a while, old visits are
//! deleted, and overlapping stays make contacts. Also the client visit id, which makes a
//! retried check-in land once.

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

/// The visitor's currently open visit, as the store has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenVisit {
    pub id: String,
    pub venue_id: u64,
    pub entered_at: Timestamp,
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
/// with [`due_auto_close`]'s time first).
pub fn on_scan(
    open: Option<&OpenVisit>,
    venue_id: u64,
    direction: Direction,
    now: Timestamp,
    policy: &Policy,
) -> ScanDecision {
    let open = open.filter(|o| due_auto_close(o, now, policy).is_none());
    match (direction, open) {
        (Direction::In, Some(o)) if o.venue_id == venue_id => ScanDecision::AlreadyInside {
            visit_id: o.id.clone(),
        },
        (Direction::In, o) => ScanDecision::Open {
            close_previous: o.map(|o| o.id.clone()),
        },
        (Direction::Out, Some(o)) if o.venue_id == venue_id => ScanDecision::Close {
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

/// When a stay ends for contact tracing: its exit, or its auto-close, or now if still
/// inside.
pub fn stay_end(
    entered_at: Timestamp,
    exited_at: Option<Timestamp>,
    now: Timestamp,
    policy: &Policy,
) -> Timestamp {
    exited_at.unwrap_or_else(|| auto_close_at(entered_at, policy).min(now))
}

/// One person's stay at a venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub person: String,
    pub venue_id: u64,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Two stays overlap when they share a moment at the same venue; touching ends do not
/// count (one left as the other came in).
pub fn overlaps(a: &Stay, b: &Stay) -> bool {
    a.venue_id == b.venue_id && a.start < b.end && b.start < a.end
}

/// The window of a case's visits searched for contacts, given their positive test time.
pub fn contact_search_from(positive_at: Timestamp, policy: &Policy) -> Timestamp {
    positive_at.saturating_sub(policy.contact_lookback)
}

/// The contacts of a case: every other person whose stay overlapped one of the case's,
/// with the start of the first overlap (their listing time). Sorted by person.
pub fn find_contacts(case_stays: &[Stay], others: &[Stay]) -> Vec<(String, Timestamp)> {
    let mut found: std::collections::BTreeMap<String, Timestamp> = Default::default();
    let case_people: std::collections::BTreeSet<&str> =
        case_stays.iter().map(|s| s.person.as_str()).collect();
    for c in case_stays {
        for o in others {
            if case_people.contains(o.person.as_str()) || !overlaps(c, o) {
                continue;
            }
            let at = c.start.max(o.start);
            found
                .entry(o.person.clone())
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
    }
    found.into_iter().collect()
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
    fn overlapping_stays_make_contacts_and_touching_ones_do_not() {
        let stay = |person: &str, venue, start, end| Stay {
            person: person.into(),
            venue_id: venue,
            start,
            end,
        };
        let case = [stay("case", 1, 100, 200), stay("case", 2, 300, 400)];
        let others = [
            stay("a", 1, 150, 250), // overlaps at 150
            stay("b", 1, 200, 300), // touches the end: no
            stay("c", 2, 250, 310), // overlaps at 300
            stay("d", 3, 100, 400), // other venue
            stay("a", 2, 350, 360), // a again, later
            stay("case", 1, 100, 200),
        ];
        assert_eq!(
            find_contacts(&case, &others),
            vec![("a".to_string(), 150), ("c".to_string(), 300)]
        );
    }
}
