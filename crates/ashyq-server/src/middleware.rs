//! Cross-cutting layers: request metrics and logging (route template only: no query
//! strings, bodies or tokens reach the log), and the per-client rate limit.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::net::{is_api_path, HSTS, PERMISSIONS_POLICY};
use crate::state::AppState;

pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(p) => p.as_str().to_owned(),
        None if req.uri().path().starts_with("/v1/") => "unmatched".to_owned(),
        None => "static".to_owned(),
    };
    let method = req.method().clone();
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.observe(&route, status, secs);
    tracing::debug!(%method, route, status, ms = secs * 1e3, "request");
    resp
}

/// 429 with `Retry-After`, counted in the metrics.
pub fn too_many(state: &AppState) -> Response {
    state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
    let mut resp = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many requests; wait a moment and try again",
    )
    .into_response();
    resp.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    resp
}

/// The limit per client address (behind a trusted proxy, the address it reports; an IPv6
/// client by its /64).
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = crate::net::request_client_ip(
        &req,
        &state.config.trusted_proxies,
        state.config.client_ip_header,
    );
    if state.limiter.allow(crate::net::client_key(ip)) {
        next.run(req).await
    } else {
        too_many(&state)
    }
}

/// Ends a request that takes longer than the configured timeout, body included (a
/// client trickling its body in would otherwise hold a handler), with 408.
pub async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request took too long",
        )
        .into_response(),
    }
}

/// Adds what every response needs: `Cache-Control: no-store` on API answers (statuses,
/// passes and tokens must not sit in a shared cache), `Permissions-Policy` on HTML, and
/// HSTS when the public origin is HTTPS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let json = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if api || json {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let html = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        h.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
    }
    if state.config.public_origin.starts_with("https://") {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    resp
}
