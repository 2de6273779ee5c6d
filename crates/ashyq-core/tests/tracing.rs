//! Contact tracing against an all-pairs reference. Random visit histories (scans driven
//! through the core's visit rules, cancels, auto-closes) and positives (past, late-reported,
//! future-dated) are fed to the reference and to both ways the server traces: at import
//! (`find_contacts`) and at every stay that begins or ends (`contacts_of_stay`). All must
//! list the same people with the same first and last exposure.
//! Run: cargo test -p ashyq-core --test tracing
use std::collections::BTreeMap;

use ashyq_core::status::Policy;
use ashyq_core::venue::Direction;
use ashyq_core::visit::{self, Cases, Contact, OpenVisit, ScanDecision, Stay};
use proptest::prelude::*;

#[path = "support/tracing_reference.rs"]
mod reference;

use reference::Visit;

/// How far ahead an imported result may be dated, scaled like the policies below (the
/// server allows a day).
const MAX_FUTURE: i64 = 20;

#[derive(Debug, Clone)]
enum Action {
    Scan {
        person: usize,
        venue: u64,
        exit: bool,
    },
    Cancel {
        person: usize,
    },
    /// A positive imported now; `kind` 0 past, 1 late-reported (taken before its red
    /// period could start now), 2 dated in the future.
    Positive {
        person: usize,
        kind: u8,
        raw: i64,
    },
    Housekeeping,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (0usize..6, 1u64..=3, any::<bool>())
            .prop_map(|(person, venue, exit)| Action::Scan { person, venue, exit }),
        1 => (0usize..6).prop_map(|person| Action::Cancel { person }),
        2 => (0usize..6, 0u8..3, 0i64..1000)
            .prop_map(|(person, kind, raw)| Action::Positive { person, kind, raw }),
        1 => Just(Action::Housekeeping),
    ]
}

/// Small numbers, so that stays, windows and the gaps between actions meet often.
fn policy() -> impl Strategy<Value = Policy> {
    (1i64..40, 1i64..80, 1i64..60, 1i64..20).prop_map(|(stay, lookback, red, cancel)| Policy {
        default_stay: stay,
        contact_lookback: lookback,
        red_period: red,
        cancel_window: cancel,
        ..Policy::default()
    })
}

fn person(i: usize) -> String {
    format!("p{i}")
}

/// An in-memory store that applies the core's visit rules and traces as the server does.
struct World {
    policy: Policy,
    visits: Vec<Visit>,
    positives: Vec<(String, i64)>,
    cases: Cases,
    /// What tracing listed so far: person → (first, last exposure).
    listed: BTreeMap<String, (i64, i64)>,
}

impl World {
    fn stay(&self, i: usize, now: i64) -> Stay {
        let v = &self.visits[i];
        Stay {
            person: v.person.clone(),
            venue_id: v.venue,
            start: v.entered,
            end: visit::stay_end(v.entered, v.exited, now, &self.policy),
        }
    }

    /// The stays a store query returns: at `venue` (any venue if None), of `person` (anyone
    /// if None), entered within `entries`. Cancelled visits included.
    fn query(
        &self,
        venue: Option<u64>,
        person: Option<&str>,
        entries: visit::Window,
        now: i64,
    ) -> Vec<Stay> {
        (0..self.visits.len())
            .filter(|&i| {
                let v = &self.visits[i];
                venue.is_none_or(|x| v.venue == x)
                    && person.is_none_or(|p| v.person == p)
                    && entries.from <= v.entered
                    && v.entered < entries.to
            })
            .map(|i| self.stay(i, now))
            .collect()
    }

    fn list(&mut self, contacts: Vec<Contact>, now: i64) {
        for c in contacts {
            assert!(
                c.first_exposure < c.last_exposure && c.last_exposure <= now,
                "{c:?} listed at {now}"
            );
            let seen = self
                .listed
                .entry(c.person)
                .or_insert((c.first_exposure, c.last_exposure));
            seen.0 = seen.0.min(c.first_exposure);
            seen.1 = seen.1.max(c.last_exposure);
        }
    }

    /// Whether the server marks stay `s` infectious: its person has an infectious window
    /// that may overlap it (entry to entry + the default stay).
    fn marked(&self, s: &Stay) -> bool {
        let reach = visit::Window {
            from: s.start,
            to: visit::auto_close_at(s.start, &self.policy),
        };
        self.cases
            .windows(&s.person)
            .iter()
            .any(|w| !w.intersect(&reach).is_empty())
    }

    /// Tracing when visit `i` began or ended: the stays at its venue that may overlap it —
    /// only the marked ones unless it is marked itself, as the server reads them.
    fn changed(&mut self, i: usize, now: i64) {
        let changed = self.stay(i, now);
        let entries = visit::entries_overlapping(&changed.span(), &self.policy);
        let mut nearby = self.query(Some(changed.venue_id), None, entries, now);
        if !self.marked(&changed) {
            nearby.retain(|s| self.marked(s));
        }
        let contacts = visit::contacts_of_stay(&changed, &self.cases, &nearby);
        self.list(contacts, now);
    }

    /// Tracing at import: the case's stays in its windows, then the stays that may
    /// overlap them at each of their venues.
    fn contacts_at_import(&self, case: &str, now: i64) -> Vec<Contact> {
        let windows = self.cases.windows(case);
        let mut own = Vec::new();
        for w in windows {
            let entries = visit::entries_overlapping(w, &self.policy);
            own.extend(self.query(None, Some(case), entries, now));
        }
        let mut stays = own.clone();
        for s in &own {
            let entries = visit::entries_overlapping(&s.span(), &self.policy);
            stays.extend(
                self.query(Some(s.venue_id), None, entries, now)
                    .into_iter()
                    .filter(|o| o.person != case),
            );
        }
        visit::find_contacts(case, windows, &stays)
    }

    fn close(&mut self, i: usize, at: i64, now: i64) {
        self.visits[i].exited = Some(at);
        self.changed(i, now);
    }

    fn open_visit(&self, who: &str) -> Option<usize> {
        (0..self.visits.len())
            .filter(|&i| self.visits[i].person == who && self.visits[i].exited.is_none())
            .max_by_key(|&i| self.visits[i].entered)
    }

    fn housekeeping(&mut self, now: i64) {
        for i in 0..self.visits.len() {
            let v = &self.visits[i];
            let due = visit::auto_close_at(v.entered, &self.policy);
            if v.exited.is_none() && now >= due {
                self.close(i, due, now);
            }
        }
    }

    fn apply(&mut self, action: &Action, now: i64) {
        match *action {
            Action::Scan {
                person: p,
                venue,
                exit,
            } => {
                let who = person(p);
                let mut open = self.open_visit(&who);
                if let Some(i) = open {
                    let o = self.open_of(i);
                    if let Some(at) = visit::due_auto_close(&o, now, &self.policy) {
                        self.close(i, at, now);
                        open = None;
                    }
                }
                let o = open.map(|i| self.open_of(i));
                let direction = if exit { Direction::Out } else { Direction::In };
                let decision = visit::on_scan(o.as_ref(), venue, direction, now, &self.policy);
                let index = |id: &str| id.parse::<usize>().expect("visit ids are indexes");
                let new = |exited| Visit {
                    person: who.clone(),
                    venue,
                    entered: now,
                    exited,
                    cancelled: false,
                };
                match decision {
                    ScanDecision::AlreadyInside { .. } => {}
                    ScanDecision::Close { visit_id } => self.close(index(&visit_id), now, now),
                    ScanDecision::Open { close_previous } => {
                        if let Some(id) = close_previous {
                            self.close(index(&id), now, now);
                        }
                        self.visits.push(new(None));
                        self.changed(self.visits.len() - 1, now);
                    }
                    ScanDecision::ExitOnly { close_previous } => {
                        if let Some(id) = close_previous {
                            self.close(index(&id), now, now);
                        }
                        self.visits.push(new(Some(now)));
                        self.changed(self.visits.len() - 1, now);
                    }
                }
            }
            Action::Cancel { person: p } => {
                let who = person(p);
                let latest = (0..self.visits.len())
                    .filter(|&i| self.visits[i].person == who && !self.visits[i].cancelled)
                    .max_by_key(|&i| self.visits[i].entered);
                if let Some(i) = latest {
                    let v = &self.visits[i];
                    if visit::can_cancel(v.entered, v.cancelled, now, &self.policy).is_ok() {
                        // Only the diary changes: the stay is the same, nothing to trace.
                        self.visits[i].cancelled = true;
                    }
                }
            }
            Action::Positive {
                person: p,
                kind,
                raw,
            } => {
                let (red, lookback) = (self.policy.red_period, self.policy.contact_lookback);
                let taken_at = match kind {
                    0 => now - raw % red,
                    1 => now - red - raw % lookback,
                    _ => now + raw % (MAX_FUTURE + 1),
                };
                let who = person(p);
                self.positives.push((who.clone(), taken_at));
                self.cases.add_positive(&who, taken_at, &self.policy);
                let contacts = self.contacts_at_import(&who, now);
                self.list(contacts, now);
            }
            Action::Housekeeping => self.housekeeping(now),
        }
    }

    fn open_of(&self, i: usize) -> OpenVisit {
        let v = &self.visits[i];
        OpenVisit {
            id: i.to_string(),
            venue_id: v.venue,
            entered_at: v.entered,
            cancelled: v.cancelled,
        }
    }
}

fn as_map(contacts: Vec<Contact>) -> BTreeMap<String, (i64, i64)> {
    contacts
        .into_iter()
        .map(|c| (c.person, (c.first_exposure, c.last_exposure)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn tracing_lists_what_the_all_pairs_reference_lists(
        policy in policy(),
        actions in proptest::collection::vec((0i64..15, action()), 1..60),
    ) {
        let mut world = World {
            policy: policy.clone(),
            visits: Vec::new(),
            positives: Vec::new(),
            cases: Cases::default(),
            listed: BTreeMap::new(),
        };
        let mut now = 1_000;
        for (gap, action) in &actions {
            now += gap;
            world.apply(action, now);
        }
        // Every stay over, auto-closed by housekeeping.
        now += policy.default_stay;
        world.housekeeping(now);
        let expected = reference::contacts(&world.visits, &world.positives, now, &policy);

        // As it happened: at each import and each stay that began or ended.
        prop_assert_eq!(&world.listed, &expected);

        // At import alone, every case traced once with the history complete.
        let mut at_import = BTreeMap::new();
        for (case, _) in world.cases.iter() {
            for (person, (first, last)) in as_map(world.contacts_at_import(case, now)) {
                let seen = at_import.entry(person).or_insert((first, last));
                seen.0 = seen.0.min(first);
                seen.1 = seen.1.max(last);
            }
        }
        prop_assert_eq!(&at_import, &expected);

        // Per stay alone, each stay traced once with every positive known.
        let mut per_stay = World { listed: BTreeMap::new(), ..world };
        for i in 0..per_stay.visits.len() {
            per_stay.changed(i, now);
        }
        prop_assert_eq!(&per_stay.listed, &expected);
    }
}

/// The scenarios, with the default policy: a case inside when the positive
/// arrives exposes whoever comes later; a future-dated and a late-reported positive are
/// traced; a cancelled stay still counts; YELLOW runs from the last exposure.
#[test]
fn the_reported_gaps_are_closed() {
    use ashyq_core::status::{evaluate, HealthRecords, Status};
    use ashyq_core::{DAY, HOUR, MINUTE};
    let policy = Policy::default();
    let t0 = 1_800_000_000;
    let stay = |person: &str, start, end| Stay {
        person: person.into(),
        venue_id: 7,
        start,
        end,
    };

    // Positive 5 s in the future while the case is inside; a visitor arrives 10 min later.
    let cases = Cases::from_positives([("case", t0 + 5)], &policy);
    let case = stay("case", t0 - HOUR, t0 + 30 * MINUTE);
    let visitor = stay("v", t0 + 10 * MINUTE, t0 + 50 * MINUTE);
    let listed = visit::contacts_of_stay(&visitor, &cases, std::slice::from_ref(&case));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_exposure, t0 + 30 * MINUTE);

    // A late-reported positive, taken 12 days ago: never RED, but its contacts are listed.
    let now = t0;
    let taken = now - 12 * DAY;
    let records = HealthRecords {
        pcr: vec![ashyq_core::status::PcrResult {
            taken_at: taken,
            positive: true,
        }],
        ..Default::default()
    };
    assert_ne!(evaluate(&records, now, &policy).status, Status::Red);
    let cases = Cases::from_positives([("case", taken)], &policy);
    let stays = [
        stay("case", taken - 2 * DAY, taken - 2 * DAY + HOUR),
        stay(
            "v",
            taken - 2 * DAY + 30 * MINUTE,
            taken - 2 * DAY + 2 * HOUR,
        ),
    ];
    let listed = visit::find_contacts("case", cases.windows("case"), &stays);
    assert_eq!(listed.len(), 1, "{listed:?}");

    // Exposed twice, a week apart: YELLOW for 14 days from the second exposure.
    let cases = Cases::from_positives([("case", t0)], &policy);
    let stays = [
        stay("case", t0 - 10 * DAY, t0 - 10 * DAY + HOUR),
        stay("v", t0 - 10 * DAY, t0 - 10 * DAY + HOUR),
        stay("case", t0 - 3 * DAY, t0 - 3 * DAY + HOUR),
        stay("v", t0 - 3 * DAY + HOUR / 2, t0 - 3 * DAY + 2 * HOUR),
    ];
    let listed = visit::find_contacts("case", cases.windows("case"), &stays);
    let last = t0 - 3 * DAY + HOUR;
    assert_eq!(listed[0].last_exposure, last);
    let contact = HealthRecords {
        contacts: vec![listed[0].last_exposure],
        ..Default::default()
    };
    let r = evaluate(&contact, t0 + 10 * DAY, &policy);
    assert_eq!(r.status, Status::Yellow);
    assert_eq!(r.valid_until, Some(last + 14 * DAY));
}
