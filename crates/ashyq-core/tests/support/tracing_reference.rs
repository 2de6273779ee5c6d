// The contact-tracing rule of docs/protocol.md written as plainly as possible: every pair
// of visits, every positive, no indexes, no merging, nothing shared with the core but the
// policy numbers. `tests/tracing.rs` checks the core's tracing against it.

use std::collections::BTreeMap;

use ashyq_core::status::Policy;

/// A visit as the store keeps it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub person: String,
    pub venue: u64,
    pub entered: i64,
    pub exited: Option<i64>,
    pub cancelled: bool,
}

/// When a visit stops counting: its exit, or now while still inside, and never after
/// entry + the default stay.
fn end(v: &Visit, now: i64, policy: &Policy) -> i64 {
    let latest = v.entered + policy.default_stay;
    match v.exited {
        Some(exited) => exited.min(latest),
        None => now.min(latest),
    }
}

/// Everyone exposed, as person → (start of first exposure, end of last exposure).
///
/// A case's visit exposes another person's visit at the same venue for the time both
/// were there while a positive of the case's made them infectious: from `lookback`
/// before the test to `red_period` after it. Cancelled visits count like the others.
pub fn contacts(
    visits: &[Visit],
    positives: &[(String, i64)],
    now: i64,
    policy: &Policy,
) -> BTreeMap<String, (i64, i64)> {
    let mut found: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for case in visits {
        for other in visits {
            if other.person == case.person || other.venue != case.venue {
                continue;
            }
            for (person, taken_at) in positives {
                if *person != case.person {
                    continue;
                }
                let from = case
                    .entered
                    .max(other.entered)
                    .max(taken_at - policy.contact_lookback);
                let to = end(case, now, policy)
                    .min(end(other, now, policy))
                    .min(taken_at + policy.red_period);
                if from < to {
                    let seen = found.entry(other.person.clone()).or_insert((from, to));
                    seen.0 = seen.0.min(from);
                    seen.1 = seen.1.max(to);
                }
            }
        }
    }
    found
}
