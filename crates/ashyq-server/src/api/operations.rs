//! Operations: published keys, health-data import, health check, metrics, the dev demo
//! info, and the JSON answers for unknown endpoints and methods.

use ashyq_core::api::{ImportBatch, KeysResponse};
use ashyq_core::keys::KeyId;
use axum::extract::{Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::apikeys::{ImportKey, OpsKey};
use crate::error::{AppError, AppResult};
use crate::extract::{body_bytes, parse_json, ApiQuery};
use crate::state::AppState;
use crate::store::{Actor, AuditEntry};
use crate::{import, revocation};

/// `GET /v1/keys`.
/// Revoked keys are left out, so apps drop them at their next refresh. Not cached
/// (`no-store`, like every API answer): a revocation reaches apps at their next refresh.
pub async fn keys(State(state): State<AppState>) -> Response {
    let k = state.keys.current();
    let body = KeysResponse {
        venue_keys: state.revoked.published(&k.venue_set),
        pass_keys: state.revoked.published(&k.pass_set),
        current_venue_key: k.venue_signer().key_id().to_string(),
        current_pass_key: k.pass_signer().key_id().to_string(),
    };
    Json(body).into_response()
}

/// `POST /v1/keys/{id}/revoke` (the `ops` key): revokes a leaked venue or pass key.
pub async fn revoke_key(
    State(state): State<AppState>,
    ops: OpsKey,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let key_id = KeyId::from_hex(&id)
        .ok_or_else(|| AppError::not_found("key_not_found", "no key has this id"))?;
    let (kind, fresh) = revocation::revoke(
        state.store.as_ref(),
        &state.keys.current(),
        &state.revoked,
        &key_id,
        state.now(),
    )
    .await?;
    key_audit(&state, &ops.id, "key_revoked", format!("{kind} {key_id}")).await?;
    Ok(Json(
        serde_json::json!({"key_id": key_id.to_string(), "kind": kind, "newly_revoked": fresh}),
    )
    .into_response())
}

/// `POST /v1/keys/rotate` (the `ops` key): new current venue and pass keys, in use on this
/// node at once and on the others at their next refresh (5 s); pass keys no pass can
/// still need are retired.
pub async fn rotate_keys(State(state): State<AppState>, ops: OpsKey) -> AppResult<Response> {
    let r = state
        .keys
        .rotate(
            state.store.as_ref(),
            state.config.policy.pass_lifetime,
            state.now(),
        )
        .await
        .map_err(|e| match e {
            crate::keystore::KeyError::Store(e) => AppError::from(e),
            other => AppError::conflict("rotation_failed", other.to_string()),
        })?;
    let (venue, pass) = (r.venue.key_id().to_string(), r.pass.key_id().to_string());
    key_audit(
        &state,
        &ops.id,
        "keys_rotated",
        format!("venue {venue} pass {pass}"),
    )
    .await?;
    let retired: Vec<String> = r.retired.iter().map(ToString::to_string).collect();
    Ok(Json(serde_json::json!({
        "current_venue_key": venue,
        "current_pass_key": pass,
        "retired_pass_keys": retired,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    pub kind: Option<String>,
    pub batch_id: Option<String>,
}

/// `POST /v1/import`: an `ImportBatch` as JSON, or one kind of rows as `text/csv`.
pub async fn import(
    State(state): State<AppState>,
    key: ImportKey,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> AppResult<Response> {
    let csv = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("text/csv"));
    // The parameters are checked whatever the body is: a JSON import given a wrong one is
    // refused too, not silently read without it.
    if let Some(kind) = q.kind.as_deref() {
        if !import::KINDS.contains(&kind) {
            return Err(AppError::bad_request(
                "bad_kind",
                "kind must be citizens, pcr, contacts, vaccinations or recoveries",
            ));
        }
    }
    if let Some(id) = q.batch_id.as_deref() {
        import::check_batch_id(id)?;
    }
    let bytes = body_bytes(req, &state).await?;
    let actor = Actor::key(&key.id);
    let report = if csv {
        let kind = q.kind.as_deref().unwrap_or("");
        let batch_id = q
            .batch_id
            .as_deref()
            .ok_or_else(|| AppError::bad_request("bad_batch_id", "CSV imports need ?batch_id="))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| AppError::bad_request("bad_csv", "the CSV is not UTF-8"))?;
        let (batch, errors, lines) = import::csv_batch(kind, batch_id, text)?;
        import::run(&state, &actor, &batch, errors, Some(&lines)).await?
    } else {
        let batch: ImportBatch = parse_json(&bytes)?;
        import::run(&state, &actor, &batch, Vec::new(), None).await?
    };
    key_audit(
        &state,
        &key.id,
        "import",
        format!(
            "batch {:?}: {} accepted, {} rejected",
            report.batch_id, report.accepted, report.rejected
        ),
    )
    .await?;
    Ok(Json(report).into_response())
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// `GET /metrics`: Prometheus text, for the `ops` key only (request counts and rates
/// tell an outsider how busy, and how attacked, the service is).
pub async fn metrics(State(state): State<AppState>, _ops: OpsKey) -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /dev/api/demo` (only with `--dev`).
pub async fn demo(State(state): State<AppState>) -> AppResult<Response> {
    let info = state.demo.get().ok_or_else(|| {
        AppError::not_found("demo_not_seeded", "start the server with --dev --demo")
    })?;
    Ok(Json(info).into_response())
}

/// `GET /dev/api/sms` (`--dev` only): the text messages the dev outbox holds, as a phone
/// would have received them (the host emulator shows them; tests read codes from it).
pub async fn dev_sms(State(state): State<AppState>) -> Response {
    let messages = state
        .config
        .dev_outbox
        .as_ref()
        .map(|o| o.messages())
        .unwrap_or_default();
    Json(serde_json::json!({ "messages": messages })).into_response()
}

pub async fn not_found() -> AppError {
    AppError::not_found("not_found", "no such endpoint")
}

pub async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

/// A JSON 404 for API paths that matched no route (used by the static fallback).
pub fn api_not_found() -> Response {
    AppError::not_found("not_found", "no such endpoint").into_response()
}

/// The audit log's row for what a key did: the key by its id, never its secret. The one
/// audit trail is the `audit_log` table (docs/operations.md, "The audit log").
async fn key_audit(
    state: &AppState,
    key_id: &str,
    action: &'static str,
    detail: String,
) -> AppResult<()> {
    let entry = AuditEntry {
        at: state.now(),
        actor: Actor::key(key_id),
        action,
        venue_id: None,
        subject: None,
        detail,
    };
    state.store.audit(&entry).await?;
    Ok(())
}
