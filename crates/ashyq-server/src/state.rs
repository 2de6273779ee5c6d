//! What every handler shares: the configuration, the store, the keys, the clock, metrics
//! and the rate limiter, behind one cheap-to-clone [`AppState`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ashyq_core::status::Policy;

use crate::apikeys::{ApiKey, ApiKeys, Scope};
use crate::clock::Clock;
use crate::keystore::{Kek, KeyError, KeyRing, KeyWrap};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::Store;

pub use crate::dev_secrets;

/// The secrets that let the server check each host's proofs. None: that host is off.
#[derive(Debug, Clone, Default)]
pub struct HostSecrets {
    pub aitu_api_key: Option<String>,
    pub telegram_bot_token: Option<String>,
    pub vk_app_secret: Option<String>,
    pub vk_app_id: Option<i64>,
}

/// The host links of this deployment (`serve` flags; none by default).
#[derive(Debug, Clone, Default)]
pub struct HostLinks {
    /// Telegram bot username and Mini App short name: `https://t.me/<bot>/<app>`.
    pub telegram_bot: Option<String>,
    pub telegram_app: Option<String>,
    /// The Aitu mini-app link; `{param}` in it is replaced by the start parameter, else the
    /// parameter is added as the fragment (the app reads `#c1…` from its own URL: the Aitu
    /// SDK has no start-parameter API).
    pub aitu_link: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub dev: bool,
    /// Origin written into venue-code URLs, e.g. `https://ashyq.kz`.
    pub public_origin: String,
    pub dist: Option<PathBuf>,
    /// The host emulator's files (the repository's `www-dev/`), served at `/dev/` in dev
    /// only: they are never part of `dist` or of the bundle users and installers get.
    pub dev_dir: Option<PathBuf>,
    pub hosts: HostSecrets,
    /// The `import` and `ops` keys.
    pub api_keys: ApiKeys,
    pub policy: Policy,
    pub session_ttl: i64,
    /// Oldest Telegram `auth_date` / VK `vk_ts` that opens a new session, in seconds.
    pub proof_max_age: i64,
    /// Requests a minute per client address on `/v1` (0: no limit), and the burst.
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// Check-ins a minute per person (0: no limit), and the burst.
    pub person_rate_per_minute: u32,
    pub person_rate_burst: u32,
    /// Whose forwarding header names the client.
    pub trusted_proxies: crate::net::TrustedProxies,
    /// Which header that is: `X-Forwarded-For` (default) or `Forwarded`.
    pub client_ip_header: crate::net::ClientIpHeader,
    /// Open connections and header deadline (the accept loop, `serve.rs`).
    pub conn_limits: crate::serve::ConnLimits,
    /// Longest a request may take, body included.
    pub request_timeout: std::time::Duration,
    /// Guard-mode lookups a minute per staff member, and at once (0: no limit).
    pub guard_per_minute: u32,
    pub guard_burst: u32,
    /// Guard-mode lookups a minute per premises, whoever asks, and at once (0: no limit).
    pub guard_venue_per_minute: u32,
    pub guard_venue_burst: u32,
    /// Staff appointments a minute per owner, and at once (0: no limit).
    pub appoint_per_minute: u32,
    pub appoint_burst: u32,
    /// Where guard mode's one-time codes go out (None: guard mode is off).
    pub sms: Option<Arc<dyn crate::sms::SmsSender>>,
    /// `--dev`'s outbox, the same object as `sms`, shown at `/dev/api/sms`.
    pub dev_outbox: Option<Arc<crate::sms::DevOutbox>>,
    /// Host origins allowed to frame the app (CSP `frame-ancestors`).
    pub frame_ancestors: Vec<String>,
    /// Where the poster page (`/v/open`) sends a code: the hosts' app links.
    pub links: HostLinks,
    /// Seals the signing keys in the database; None keeps them in files (one SQLite node).
    pub kek: Option<Arc<dyn KeyWrap>>,
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
            dev_dir: None,
            hosts: HostSecrets::default(),
            api_keys: ApiKeys::default(),
            policy: Policy::default(),
            session_ttl: 12 * ashyq_core::HOUR,
            proof_max_age: ashyq_core::hostproof::DEFAULT_PROOF_MAX_AGE,
            rate_per_minute: 600,
            rate_burst: 120,
            // A visitor scans a few times an hour; a family check-in is one request each.
            person_rate_per_minute: 6,
            person_rate_burst: 20,
            trusted_proxies: crate::net::TrustedProxies::default(),
            client_ip_header: crate::net::ClientIpHeader::default(),
            conn_limits: crate::serve::ConnLimits::default(),
            request_timeout: std::time::Duration::from_secs(30),
            guard_per_minute: 30,
            guard_burst: 10,
            guard_venue_per_minute: 120,
            guard_venue_burst: 30,
            appoint_per_minute: 10,
            appoint_burst: 5,
            sms: None,
            dev_outbox: None,
            frame_ancestors: DEFAULT_FRAME_ANCESTORS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            links: HostLinks::default(),
            kek: None,
        }
    }

    /// The Content-Security-Policy of every HTML response, framing allowed to
    /// `frame_ancestors`. `worker-src` and `manifest-src` name what the fallback QR decoder's
    /// worker, the service worker and the web app manifest need (both fall back to 'self'
    /// through script-src and default-src anyway; written out so a change to either does
    /// not silently break them). The page carries the same policy as a `<meta>` (build.mjs),
    /// which cannot hold `frame-ancestors`: that one only this header gives.
    pub fn csp(&self) -> String {
        let frame_ancestors = &self.frame_ancestors;
        let mut ancestors = String::from("'self'");
        for a in frame_ancestors {
            // Only origin-like tokens: a stray `;` would inject a directive.
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'\'')
            {
                ancestors.push(' ');
                ancestors.push_str(a);
            }
        }
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
             connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors {ancestors}; \
             object-src 'none'; base-uri 'none'; form-action 'self'"
        )
    }

    /// `--dev`: the well-known dev secrets and API key, and limits for one busy tester.
    pub fn dev(listen: &str) -> Config {
        let mut c = Config::new(listen);
        c.dev = true;
        c.person_rate_per_minute = 6000;
        c.person_rate_burst = 1000;
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
        if self.kek.is_none() {
            let kek = Kek::parse(dev_secrets::KEY_ENCRYPTION_KEY)
                .expect("unreachable: the dev KEK is 64 hex digits");
            self.kek = Some(Arc::new(kek));
        }
        if self.sms.is_none() {
            let outbox = Arc::new(crate::sms::DevOutbox::default());
            self.sms = Some(outbox.clone());
            self.dev_outbox = Some(outbox);
        }
        if self.api_keys.is_empty() {
            for scope in [Scope::Import, Scope::Ops] {
                self.api_keys
                    .0
                    .push(ApiKey::dev(scope, dev_secrets::ADMIN_API_KEY));
            }
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
    /// The signing keys; `keys.current()` for the ones in use now.
    pub keys: KeyRing,
    pub clock: Clock,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    /// Check-ins per person (citizen row id).
    pub person_limiter: RateLimiter<i64>,
    /// Guard-mode lookups, per staff member (citizen row id).
    pub guard_limiter: RateLimiter<i64>,
    /// Guard-mode lookups, per premises.
    pub guard_venue_limiter: RateLimiter<u64>,
    /// Staff appointments, per owner (citizen row id).
    pub appoint_limiter: RateLimiter<i64>,
    /// Filled by `--demo` seeding; served at `/dev/api/demo` in dev.
    pub demo: std::sync::OnceLock<ashyq_core::api::DemoInfo>,
    /// Signing keys this node refuses (`revocation`).
    pub revoked: crate::revocation::Revoked,
    /// Venue codes whose signature has been checked (`codes`).
    pub codes: crate::codes::VerifiedCodes,
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
    /// Opens the signing keys (see [`KeyRing::open`]: in the database with `config.kek`,
    /// made on first start, imported from `data_dir/keys` once). In dev, first makes sure
    /// the data is dev's own ([`crate::devmode::claim`]); outside dev, refuses the dev
    /// key-encryption key unless the database is a dev server's (the admin commands).
    pub async fn new(
        config: Config,
        store: Arc<dyn Store>,
        data_dir: &Path,
    ) -> Result<AppState, KeyError> {
        let now = Clock::default().now();
        if config.dev {
            crate::devmode::claim(store.as_ref(), data_dir)
                .await
                .map_err(KeyError::Refused)?;
        } else if config
            .kek
            .as_deref()
            .is_some_and(crate::keystore::is_dev_kek)
            && !store.is_dev_database().await?
        {
            // The admin commands may open a dev server's data with the dev KEK; nothing
            // else may: it is published.
            return Err(KeyError::Refused(
                "the key-encryption key given is the dev one, which is published: it opens \
                 only a database a --dev server made. Set ASHYQ_KEY_ENCRYPTION_KEY to this \
                 database's own key-encryption key"
                    .into(),
            ));
        }
        let keys = KeyRing::open(store.as_ref(), config.kek.clone(), data_dir, now).await?;
        let csp = config.csp();
        Ok(AppState(Arc::new(Shared {
            limiter: RateLimiter::new(config.rate_per_minute, config.rate_burst),
            person_limiter: RateLimiter::new(
                config.person_rate_per_minute,
                config.person_rate_burst,
            ),
            guard_limiter: RateLimiter::new(config.guard_per_minute, config.guard_burst),
            guard_venue_limiter: RateLimiter::new(
                config.guard_venue_per_minute,
                config.guard_venue_burst,
            ),
            appoint_limiter: RateLimiter::new(config.appoint_per_minute, config.appoint_burst),
            config,
            store,
            keys,
            clock: Clock::default(),
            metrics: Metrics::default(),
            demo: std::sync::OnceLock::new(),
            revoked: crate::revocation::Revoked::default(),
            codes: Default::default(),
            csp,
        })))
    }
    pub fn now(&self) -> ashyq_core::Timestamp {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_cannot_inject_directives() {
        let mut config = Config::new("127.0.0.1:8080");
        config.frame_ancestors = vec!["https://aitu.io".into(), "x; script-src *".into()];
        let c = config.csp();
        assert!(c.contains("frame-ancestors 'self' https://aitu.io;"));
        assert!(!c.contains("script-src *"));
    }
}
