//! Cross-cutting layers: request metrics and logging (route template only: no query
//! strings, bodies or tokens reach the log), and the per-client rate limit.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
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

fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.limiter.allow(client_ip(&req)) {
        next.run(req).await
    } else {
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
}
