//! Housekeeping, run at start and every 10 minutes by `serve`.

use crate::contacts;
use crate::state::AppState;
use crate::store::Purged;

/// Housekeeping, run at start and every 10 minutes: closes visits whose default stay is
/// over, traces positives still queued for tracing, deletes every record that no status
/// rule can use any more (`ashyq_core::status::Cutoffs`) and forgets used Aitu proofs
/// whose session has ended.
pub async fn run(state: &AppState) {
    let now = state.now();
    let policy = &state.config.policy;
    match state.store.auto_close_due(now, policy).await {
        Ok(n) if n > 0 => tracing::info!(closed = n, "auto-closed visits"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "auto-close failed"),
    }
    // Positives whose tracing a crash or an error interrupted (queued by their import).
    match contacts::trace_pending(state).await {
        Ok(n) if n > 0 => tracing::info!(listed = n, "traced queued positives"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.message, "contact tracing failed"),
    }
    // After tracing, so a queued positive is traced before its queue entry can expire.
    match state.store.purge_expired(&policy.cutoffs(now)).await {
        Ok(p) if p != Purged::default() => tracing::info!(
            visits = p.visits,
            health_records = p.health_records,
            tracing = p.tracing,
            "deleted records no rule can use any more"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "retention purge failed"),
    }
    // Used Aitu proofs whose session has ended: the same pair may open one again.
    if let Err(e) = state.store.forget_host_proofs(now).await {
        tracing::error!(error = %e, "forgetting used host proofs failed");
    }
}
