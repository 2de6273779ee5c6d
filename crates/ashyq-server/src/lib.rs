//! The Ashyq reference backend: sessions from host proofs (Aitu, Telegram, VK, and a dev
//! identity in `--dev`), visits and statuses, the venue registry with signed posters,
//! health-data import with contact tracing, and the built mini-app served with a strict
//! Content-Security-Policy. Every format and rule comes from `ashyq-core`.
//!
//! [`app`] builds the whole service as a `Router`, so tests drive it without a socket:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use ashyq_server::{app, AppState, Config, store::SqliteStore};
//!
//! let dir = std::path::Path::new("/tmp/ashyq-doc");
//! let store = Arc::new(SqliteStore::open(&dir.join("ashyq.db")).await?);
//! let state = AppState::new(Config::dev("127.0.0.1:8080"), store, dir).await?;
//! let router = app(state);
//! # let _ = router; Ok(()) }
//! ```

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;

pub mod api;
pub mod apikeys;
pub mod clock;
pub mod codes;
pub mod contacts;
pub mod demo;
pub mod dev_secrets;
pub mod devmode;
pub mod error;
pub mod extract;
pub mod family;
pub mod housekeeping;
pub mod import;
pub mod keystore;
pub mod metrics;
pub mod middleware;
pub mod net;
pub mod open_page;
pub mod poster;
pub mod ratelimit;
pub mod revocation;
pub mod serve;
pub mod session;
pub mod sms;
pub mod state;
pub mod store;
pub mod venues;
pub mod web;

pub use api::{BODY_LIMIT, IMPORT_BODY_LIMIT};
pub use state::{default_origin, AppState, Config, HostSecrets, Shared, DEFAULT_FRAME_ANCESTORS};

/// The whole service.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/v1/session", post(api::session).delete(api::end_session))
        .route("/v1/me/status", get(api::me_status))
        .route("/v1/visits", post(api::check_in).get(api::list_visits))
        .route("/v1/visits/{id}/cancel", post(api::cancel_visit))
        .route("/v1/visits/{id}/pass", post(api::refresh_pass))
        .route("/v1/keys", get(api::keys))
        .route("/v1/keys/{id}/revoke", post(api::revoke_key))
        .route("/v1/keys/rotate", post(api::rotate_keys))
        .route("/v1/business", get(api::business::list))
        .route(
            "/v1/business/{bin}/premises",
            post(api::business::register_premises),
        )
        .route(
            "/v1/premises/{venue_id}/poster.svg",
            get(api::business::poster),
        )
        .route(
            "/v1/premises/{venue_id}/entrances/{n}/reissue",
            post(api::business::reissue),
        )
        .route(
            "/v1/premises/{venue_id}/staff",
            post(api::business::appoint_staff),
        )
        .route(
            "/v1/premises/{venue_id}/staff/{staff_id}",
            delete(api::business::remove_staff),
        )
        .route(
            "/v1/premises/{venue_id}/guard-checkin/challenge",
            post(api::guard::challenge),
        )
        .route(
            "/v1/premises/{venue_id}/guard-checkin",
            post(api::guard::check_in),
        )
        .route("/v1/visits/{id}/dispute", post(api::guard::dispute))
        .route("/v1/disputes", get(api::guard::disputes))
        .route(
            "/v1/import",
            post(api::import).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        // Behind the limit like the API: each request checks an ops key, so it is a place to
        // guess one, and the answer is built from every counter.
        .route("/metrics", get(api::metrics));
    let routes = if state.config.dev {
        routes
            .route("/dev/api/demo", get(api::demo))
            .route("/dev/api/sms", get(api::dev_sms))
    } else {
        routes
    };
    let routes = routes.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::rate_limit,
    ));
    let routed = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/v/open", get(open_page::page))
        .merge(routes)
        .fallback(web::serve_static)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state);
    // The path is normalised before the router sees it: a layer on the router itself would
    // run after routing, when `//dev/…` has already been matched as something else.
    let normalized = tower::Layer::layer(&axum::middleware::from_fn(net::normalize), routed);
    Router::new().fallback_service(normalized)
}
