//! Housekeeping, run at start and every 10 minutes by `serve`.

use crate::contacts;
use crate::state::AppState;

/// Housekeeping, run at start and every 10 minutes: closes visits whose default stay is
/// over, deletes visits past retention, and traces positives still queued for tracing.
pub async fn run(state: &AppState) {
    let now = state.now();
    let policy = &state.config.policy;
    match state.store.auto_close_due(now, policy).await {
        Ok(n) if n > 0 => tracing::info!(closed = n, "auto-closed visits"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "auto-close failed"),
    }
    match state
        .store
        .purge_visits(ashyq_core::visit::retention_cutoff(now, policy))
        .await
    {
        Ok(n) if n > 0 => tracing::info!(deleted = n, "purged visits past retention"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "retention purge failed"),
    }
    // Positives whose tracing a crash or an error interrupted (queued by their import).
    match contacts::trace_pending(state).await {
        Ok(n) if n > 0 => tracing::info!(listed = n, "traced queued positives"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.message, "contact tracing failed"),
    }
}
