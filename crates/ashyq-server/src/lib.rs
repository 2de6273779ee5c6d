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
//! let state = AppState::new(Config::dev("127.0.0.1:8080"), store, dir)?;
//! let router = app(state);
//! # let _ = router; Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ashyq_core::status::Policy;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub mod api;
pub mod clock;
pub mod demo;
pub mod error;
pub mod extract;
pub mod import;
pub mod keystore;
pub mod metrics;
pub mod middleware;
pub mod poster;
pub mod ratelimit;
pub mod session;
pub mod store;
pub mod venues;
pub mod web;

use clock::Clock;
use keystore::Keys;
use metrics::Metrics;
use ratelimit::RateLimiter;
use store::Store;

/// Well-known secrets used in `--dev` when the real ones are not configured. Public on
/// purpose: the browser emulator signs its fake host proofs with them.
pub mod dev_secrets {
    pub const AITU_API_KEY: &str = "ashyq-dev-aitu-api-key";
    pub const TELEGRAM_BOT_TOKEN: &str = "123456789:ashyq-dev-telegram-bot-token";
    pub const VK_APP_SECRET: &str = "ashyq-dev-vk-app-secret";
    pub const VK_APP_ID: i64 = 51_000_000;
    pub const ADMIN_API_KEY: &str = "ashyq-dev-admin-key";
}

/// The secrets that let the server check each host's proofs. None: that host is off.
#[derive(Debug, Clone, Default)]
pub struct HostSecrets {
    pub aitu_api_key: Option<String>,
    pub telegram_bot_token: Option<String>,
    pub vk_app_secret: Option<String>,
    pub vk_app_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub dev: bool,
    /// Origin written into venue-code URLs, e.g. `https://ashyq.kz`.
    pub public_origin: String,
    pub dist: Option<PathBuf>,
    pub hosts: HostSecrets,
    pub admin_api_keys: Vec<String>,
    pub policy: Policy,
    pub session_ttl: i64,
    /// Oldest accepted Telegram `auth_date` / VK `vk_ts`, in seconds.
    pub proof_max_age: i64,
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// Host origins allowed to frame the app (CSP `frame-ancestors`).
    pub frame_ancestors: Vec<String>,
}

pub const DEFAULT_FRAME_ANCESTORS: &[&str] = &[
    "https://aitu.io",
    "https://*.aitu.io",
    "https://web.telegram.org",
    "https://vk.com",
    "https://*.vk.com",
];

impl Config {
    /// Production defaults: no host configured, no admin key, no dist.
    pub fn new(listen: &str) -> Config {
        Config {
            dev: false,
            public_origin: default_origin(listen),
            dist: None,
            hosts: HostSecrets::default(),
            admin_api_keys: Vec::new(),
            policy: Policy::default(),
            session_ttl: 12 * ashyq_core::HOUR,
            proof_max_age: ashyq_core::DAY,
            rate_per_minute: 600,
            rate_burst: 120,
            frame_ancestors: DEFAULT_FRAME_ANCESTORS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// `--dev`: the well-known dev secrets and admin key.
    pub fn dev(listen: &str) -> Config {
        let mut c = Config::new(listen);
        c.dev = true;
        c.fill_dev_defaults();
        c
    }

    /// In dev, fills every secret left unset with its well-known dev value.
    pub fn fill_dev_defaults(&mut self) {
        let h = &mut self.hosts;
        h.aitu_api_key
            .get_or_insert_with(|| dev_secrets::AITU_API_KEY.into());
        h.telegram_bot_token
            .get_or_insert_with(|| dev_secrets::TELEGRAM_BOT_TOKEN.into());
        h.vk_app_secret
            .get_or_insert_with(|| dev_secrets::VK_APP_SECRET.into());
        h.vk_app_id.get_or_insert(dev_secrets::VK_APP_ID);
        if self.admin_api_keys.is_empty() {
            self.admin_api_keys.push(dev_secrets::ADMIN_API_KEY.into());
        }
    }
}

/// `http://<listen addr>`, with an unspecified address (0.0.0.0, ::) written as
/// 127.0.0.1 so the URL is one a phone on this machine (and the core parser) accepts.
pub fn default_origin(listen: &str) -> String {
    match listen.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
        _ => format!("http://{listen}"),
    }
}

pub struct Shared {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub keys: Keys,
    pub clock: Clock,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    /// Filled by `--demo` seeding; served at `/dev/api/demo` in dev.
    pub demo: std::sync::OnceLock<ashyq_core::api::DemoInfo>,
    pub csp: String,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Loads (creating on first start) the keys in `data_dir/keys`.
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        data_dir: &Path,
    ) -> std::io::Result<AppState> {
        let keys = keystore::load_or_create(data_dir)?;
        let csp = web::csp(&config.frame_ancestors);
        Ok(AppState(Arc::new(Shared {
            limiter: RateLimiter::new(config.rate_per_minute, config.rate_burst),
            config,
            store,
            keys,
            clock: Clock::default(),
            metrics: Metrics::default(),
            demo: std::sync::OnceLock::new(),
            csp,
        })))
    }
    pub fn now(&self) -> ashyq_core::Timestamp {
        self.clock.now()
    }
}

/// JSON bodies of the API; imports may be larger.
pub const BODY_LIMIT: usize = 16 * 1024;
pub const IMPORT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The whole service.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/v1/session", post(api::session))
        .route("/v1/me/status", get(api::me_status))
        .route("/v1/visits", post(api::check_in).get(api::list_visits))
        .route("/v1/visits/{id}/cancel", post(api::cancel_visit))
        .route("/v1/visits/{id}/pass", post(api::refresh_pass))
        .route("/v1/keys", get(api::keys))
        .route("/v1/venues", post(api::register_venue))
        .route("/v1/venues/{id}", get(api::get_venue))
        .route("/v1/venues/{id}/poster.svg", get(api::poster))
        .route(
            "/v1/import",
            post(api::import).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        );
    let routes = if state.config.dev {
        routes.route("/dev/api/demo", get(api::demo))
    } else {
        routes
    };
    let routes = routes.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::rate_limit,
    ));
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .merge(routes)
        .fallback(web::serve_static)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}

/// Housekeeping, run at start and every 10 minutes: closes visits whose default stay is
/// over, deletes visits past retention, and traces positives still queued for tracing.
pub async fn housekeeping(state: &AppState) {
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
    match import::trace_pending(state).await {
        Ok(n) if n > 0 => tracing::info!(listed = n, "traced queued positives"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.message, "contact tracing failed"),
    }
}
