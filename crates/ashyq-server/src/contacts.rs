//! Contact tracing: when an import turns someone RED, everyone whose stays overlapped
//! theirs is listed as a contact (the rule is the core's `visit::find_contacts`). Positives
//! wait in a queue written by their import's own transaction, so a crash loses none.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use ashyq_core::status::{self, Status};
use ashyq_core::{id, visit, Timestamp};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Traces every positive PCR result queued by an import (`Store::pending_tracing`) and
/// takes it off the queue once its person's contacts are listed. Listing is idempotent, so
/// running twice, or on two nodes at once, lists nobody twice. Runs after each import and
/// in housekeeping (at start, so a crash between an import and its tracing is repaired).
/// Returns how many contacts were newly listed; on an error the rest stays queued.
pub async fn trace_pending(state: &AppState) -> AppResult<u64> {
    let pending = state.store.pending_tracing().await?;
    let mut by_person: BTreeMap<String, Vec<(String, Timestamp)>> = BTreeMap::new();
    for (iin, taken_at) in pending {
        by_person
            .entry(iin.clone())
            .or_default()
            .push((iin, taken_at));
    }
    let mut total = 0;
    let mut failure = None;
    for (iin, done) in by_person {
        // The queue was read first, so the records `trace` reads include these results.
        let traced = match trace(state, &iin).await {
            Ok(listed) => state
                .store
                .done_tracing(&done)
                .await
                .map(|()| listed)
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        match traced {
            Ok(listed) => {
                total += listed;
                if listed > 0 {
                    tracing::info!(person = %id::mask(&iin), listed, "contacts listed");
                }
            }
            Err(e) => failure = Some(e),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// When `iin` is RED now, lists as contacts everyone whose stays overlapped theirs (from
/// the core's look-back before the red period began). Returns how many were newly listed.
pub async fn trace(state: &AppState, iin: &str) -> AppResult<u64> {
    let now = state.now();
    let policy = &state.config.policy;
    let records = state.store.health_records(iin).await?;
    let report = status::evaluate(&records, now, policy);
    if report.status != Status::Red {
        return Ok(0);
    }
    let positive_at = report.since.unwrap_or(now);
    let from = visit::contact_search_from(positive_at, policy);
    let cases = state.store.stays_of(iin, from, now, policy).await?;
    let venues: BTreeSet<u64> = cases.iter().map(|s| s.venue_id).collect();
    let mut others = Vec::new();
    for venue in venues {
        let at_venue: Vec<_> = cases.iter().filter(|s| s.venue_id == venue).collect();
        let lo = at_venue.iter().map(|s| s.start).min().unwrap_or(from);
        let hi = at_venue.iter().map(|s| s.end).max().unwrap_or(now);
        // A stay never lasts longer than the default stay, so earlier entries cannot overlap.
        let earliest = lo.saturating_sub(policy.default_stay);
        others.extend(
            state
                .store
                .stays_at(venue, earliest, hi, now, policy)
                .await?,
        );
    }
    let contacts = visit::find_contacts(&cases, &others);
    if contacts.is_empty() {
        return Ok(0);
    }
    let added = state.store.add_contacts(&contacts).await?;
    state
        .metrics
        .contacts_listed
        .fetch_add(added, Ordering::Relaxed);
    Ok(added)
}
