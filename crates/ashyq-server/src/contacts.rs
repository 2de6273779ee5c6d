//! Contact tracing at import: each positive PCR result is traced over its infectious
//! window (the core's `visit::Cases`), whether or not its person is RED now, so
//! late-reported and future-dated results are traced too; the contacts are listed at
//! their last exposure (`visit::find_contacts`). Positives wait in a queue written by
//! their import's own transaction, so a crash loses none.
//!
//! Overlaps that come into being after the import (a visitor who comes while the case is
//! inside, a case who checks in later) are traced by the store in the transaction of the
//! scan or auto-close that ends a stay (`store/exposure.rs`, `visit::contacts_of_stay`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

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
        let queued: Vec<Timestamp> = done.iter().map(|(_, at)| *at).collect();
        let traced = match trace(state, &iin, &queued).await {
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

/// Lists as contacts everyone whose stays overlapped `iin`'s while they were infectious
/// (the core's infectious windows of all their positives, whether or not they are RED
/// now, and of the `queued` test times, which retention may have taken from the records
/// of a late-reported result). Returns how many were newly listed.
pub async fn trace(state: &AppState, iin: &str, queued: &[Timestamp]) -> AppResult<u64> {
    let now = state.now();
    let policy = &state.config.policy;
    let records = state.store.health_records(iin).await?;
    let cases = visit::Cases::from_positives(
        records
            .pcr
            .iter()
            .filter(|p| p.positive)
            .map(|p| (iin, p.taken_at))
            .chain(queued.iter().map(|&at| (iin, at))),
        policy,
    );
    let windows = cases.windows(iin);
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        return Ok(0);
    };
    let from = visit::entries_overlapping(first, policy).from;
    let cases_stays: Vec<_> = state
        .store
        .stays_of(iin, from, now, policy)
        .await?
        .into_iter()
        .filter(|s| s.start < last.to)
        .collect();
    let venues: BTreeSet<u64> = cases_stays.iter().map(|s| s.venue_id).collect();
    let mut stays = cases_stays.clone();
    for venue in venues {
        let at_venue: Vec<_> = cases_stays.iter().filter(|s| s.venue_id == venue).collect();
        let span = visit::Window {
            from: at_venue.iter().map(|s| s.start).min().unwrap_or(from),
            to: at_venue.iter().map(|s| s.end).max().unwrap_or(now),
        };
        let entries = visit::entries_overlapping(&span, policy);
        stays.extend(
            state
                .store
                .stays_at(venue, entries.from, entries.to, now, policy)
                .await?
                .into_iter()
                .filter(|s| s.person != iin),
        );
    }
    let contacts: Vec<(String, Timestamp)> = visit::find_contacts(iin, windows, &stays)
        .into_iter()
        .map(|c| (c.person, c.last_exposure))
        .collect();
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
