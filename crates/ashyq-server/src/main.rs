//! `ashyq-server`: the Ashyq backend and its admin commands.
//!
//!   ashyq-server serve --data-dir .data --listen 127.0.0.1:8080 --dev --demo --dist dist
//!   ashyq-server venue add --data-dir .data --bin 180340021791 --name "…" --address "…" --category grocery
//!   ashyq-server poster 1 --entrance 1 --direction in --data-dir .data > poster.svg
//!   ashyq-server import batch.json --data-dir .data
//!   ashyq-server keys rotate --data-dir .data

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ashyq_core::api::{ImportBatch, RegisterVenueRequest};
use ashyq_core::venue::{Category, Direction};
use ashyq_server::apikeys::Scope;
use ashyq_server::net::{ClientIpHeader, TrustedProxies};
use ashyq_server::poster::{Lang, Size};
use ashyq_server::serve::ConnLimits;
use ashyq_server::store::{PgStore, SqliteStore, Store};
use ashyq_server::{
    api, app, demo, housekeeping, import, keystore, revocation, venues, AppState, Config,
};
use keystore::{Kek, KeyWrap};
use std::sync::LazyLock;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "ashyq-server", version, about = "Ashyq reference backend")]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Keys and the SQLite database live here.
    #[arg(long, global = true, env = "ASHYQ_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// postgres://… to use PostgreSQL instead of DATA_DIR/ashyq.db. Several hosts
    /// (`postgres://u:p@db1:5432,db2:5432/ashyq?target_session_attrs=read-write`): the
    /// server writes to whichever is primary and follows it across failovers.
    #[arg(long, global = true, env = "ASHYQ_DATABASE_URL")]
    database_url: Option<String>,
    /// Origin written into venue-code URLs (default: http://<listen addr>).
    #[arg(long, global = true, env = "ASHYQ_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// Key-encryption key sealing the signing keys in the database: 32 bytes, 64 hex digits
    /// or base64, the same on every node. Needed with PostgreSQL.
    #[arg(
        long,
        global = true,
        env = "ASHYQ_KEY_ENCRYPTION_KEY",
        hide_env_values = true
    )]
    key_encryption_key: Option<String>,
    /// A command (run with sh -c) that prints the key-encryption key: the KMS hook.
    #[arg(long, global = true, env = "ASHYQ_KEY_ENCRYPTION_KEY_COMMAND")]
    key_encryption_key_command: Option<String>,
}

impl Common {
    /// The key-encryption key given, if any.
    fn kek(&self) -> Result<Option<Arc<dyn KeyWrap>>, Failure> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.trim().is_empty())
        }
        Ok(
            match (
                given(&self.key_encryption_key),
                given(&self.key_encryption_key_command),
            ) {
                (Some(_), Some(_)) => {
                    return Err("give ASHYQ_KEY_ENCRYPTION_KEY or \
                                ASHYQ_KEY_ENCRYPTION_KEY_COMMAND, not both"
                        .into())
                }
                (Some(k), None) => Some(Arc::new(Kek::parse(k)?)),
                (None, Some(cmd)) => Some(Arc::new(Kek::from_command(cmd)?)),
                (None, None) => None,
            },
        )
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve(Box<Serve>),
    /// Manage the venue registry.
    Venue {
        #[command(subcommand)]
        command: VenueCommand,
    },
    /// Print the SVG poster of one entrance and direction.
    Poster {
        venue_id: u64,
        #[arg(long, default_value_t = 1)]
        entrance: u8,
        #[arg(long, value_enum, default_value = "in")]
        direction: DirectionArg,
        /// Language of the poster's words: kk, ru or en.
        #[arg(long, value_enum, default_value = "kk")]
        lang: LangArg,
        /// a4 (the door) or card (a table card, A6).
        #[arg(long, value_enum, default_value = "a4")]
        size: SizeArg,
    },
    /// Import health data: a JSON ImportBatch, or CSV of one kind.
    Import {
        file: PathBuf,
        /// For CSV: citizens, pcr, contacts, vaccinations, recoveries or businesses.
        #[arg(long)]
        kind: Option<String>,
        /// For CSV (JSON batches carry their own).
        #[arg(long)]
        batch_id: Option<String>,
    },
    /// Manage signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum VenueCommand {
    /// Register a venue and print its codes as JSON.
    Add {
        #[arg(long)]
        bin: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
        #[arg(long, value_enum)]
        category: CategoryArg,
        #[arg(long)]
        pcr_required: Option<bool>,
        #[arg(long, default_value_t = 1)]
        entrances: u8,
    },
}

/// A venue category as a command-line value; its names are the core's wire names.
#[derive(Clone, Copy)]
struct CategoryArg(Category);

impl ValueEnum for CategoryArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<CategoryArg>> =
            LazyLock::new(|| Category::ALL.iter().copied().map(CategoryArg).collect());
        &ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

/// `in` or `out`, the core's wire names of a venue code's direction.
#[derive(Clone, Copy)]
struct DirectionArg(Direction);

impl ValueEnum for DirectionArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[DirectionArg(Direction::In), DirectionArg(Direction::Out)]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

#[derive(Clone)]
struct LangArg(Lang);

impl ValueEnum for LangArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[LangArg(Lang::Kk), LangArg(Lang::Ru), LangArg(Lang::En)]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.code()))
    }
}

#[derive(Clone)]
struct SizeArg(Size);

impl ValueEnum for SizeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[SizeArg(Size::A4), SizeArg(Size::Card)]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add new current venue and pass keys; old venue keys stay published, pass keys no
    /// token can still need are deleted.
    Rotate,
    /// Revoke a leaked venue or pass key (hex id, as in GET /v1/keys): every node refuses
    /// it within seconds and stops publishing it. Current keys: rotate first.
    Revoke { key_id: String },
    /// Reseal every signing key in the database with a new key-encryption key (from
    /// ASHYQ_NEW_KEY_ENCRYPTION_KEY), after opening them with the current one; then restart
    /// every node with the new one.
    Reseal {
        #[arg(long, env = "ASHYQ_NEW_KEY_ENCRYPTION_KEY", hide_env_values = true)]
        new_key_encryption_key: String,
    },
}

#[derive(Args)]
struct Serve {
    #[arg(long, env = "ASHYQ_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Dev mode: dev identities, well-known host secrets, /dev/*.
    #[arg(long)]
    dev: bool,
    /// Seed demo venues and citizens.
    #[arg(long)]
    demo: bool,
    /// The built mini-app to serve.
    #[arg(long, env = "ASHYQ_DIST")]
    dist: Option<PathBuf>,
    /// The host emulator, served at /dev/ with --dev only (default: www-dev beside --dist).
    #[arg(long, env = "ASHYQ_DEV_DIR")]
    dev_dir: Option<PathBuf>,
    #[arg(long, env = "ASHYQ_AITU_API_KEY", hide_env_values = true)]
    aitu_api_key: Option<String>,
    #[arg(long, env = "ASHYQ_TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    telegram_bot_token: Option<String>,
    #[arg(long, env = "ASHYQ_VK_APP_SECRET", hide_env_values = true)]
    vk_app_secret: Option<String>,
    #[arg(long, env = "ASHYQ_VK_APP_ID")]
    vk_app_id: Option<i64>,
    /// The Telegram bot's username, for the poster page's `https://t.me/<bot>/<app>` link.
    #[arg(long, env = "ASHYQ_TELEGRAM_BOT_USERNAME")]
    telegram_bot_username: Option<String>,
    /// The Telegram Mini App's short name (with --telegram-bot-username).
    #[arg(long, env = "ASHYQ_TELEGRAM_APP_NAME")]
    telegram_app_name: Option<String>,
    /// The Aitu mini-app link for the poster page; `{param}` in it becomes the code's start
    /// parameter, otherwise the parameter is added after `#`.
    #[arg(long, env = "ASHYQ_AITU_APP_LINK")]
    aitu_app_link: Option<String>,
    /// `import` keys, `ID:SECRET,…`: health data, registries, venues. The id goes to the
    /// audit log.
    #[arg(long, env = "ASHYQ_IMPORT_API_KEYS", hide_env_values = true)]
    import_api_keys: Option<String>,
    /// `ops` keys, `ID:SECRET,…`: metrics and key operations.
    #[arg(long, env = "ASHYQ_OPS_API_KEYS", hide_env_values = true)]
    ops_api_keys: Option<String>,
    /// Removed: bare secrets that had both scopes. Still read, only to refuse to start
    /// with a message rather than leave its integrators with 401s nobody explains.
    #[arg(
        long,
        env = "ASHYQ_ADMIN_API_KEYS",
        hide = true,
        hide_env_values = true
    )]
    admin_api_keys: Option<String>,
    /// Requests a minute per client IP on /v1 (0: no limit). Default 600, in --dev 6000.
    #[arg(long, env = "ASHYQ_RATE_LIMIT_PER_MINUTE")]
    rate_limit_per_minute: Option<u32>,
    /// Requests a client may send at once before the rate applies. Default 120, in --dev 1000.
    #[arg(long, env = "ASHYQ_RATE_LIMIT_BURST")]
    rate_limit_burst: Option<u32>,
    /// Check-ins a minute per person (0: no limit). Default 6, in --dev 6000.
    #[arg(long, env = "ASHYQ_PERSON_RATE_LIMIT_PER_MINUTE")]
    person_rate_limit_per_minute: Option<u32>,
    /// Check-ins a person may make at once before that rate applies. Default 20.
    #[arg(long, env = "ASHYQ_PERSON_RATE_LIMIT_BURST")]
    person_rate_limit_burst: Option<u32>,
    /// Guard-mode check-ins a minute per staff member (0: no limit). Default 30.
    #[arg(long, env = "ASHYQ_GUARD_RATE_LIMIT_PER_MINUTE")]
    guard_rate_limit_per_minute: Option<u32>,
    /// Guard-mode check-ins a staff member may make at once. Default 10.
    #[arg(long, env = "ASHYQ_GUARD_RATE_LIMIT_BURST")]
    guard_rate_limit_burst: Option<u32>,
    /// Guard-mode requests a minute per premises, whoever sends them (0: no limit). Default 120.
    #[arg(long, env = "ASHYQ_GUARD_VENUE_RATE_LIMIT_PER_MINUTE")]
    guard_venue_rate_limit_per_minute: Option<u32>,
    /// Base URL of the SMS gateway (Twilio's Messages API) that sends guard mode's one-time
    /// codes. Guard mode is off without --sms-account-sid (in --dev, codes go to /dev/api/sms).
    #[arg(
        long,
        env = "ASHYQ_SMS_API_BASE",
        default_value = "https://api.twilio.com"
    )]
    sms_api_base: String,
    /// The gateway account (Twilio's Account SID); its auth token is ASHYQ_SMS_AUTH_TOKEN.
    #[arg(long, env = "ASHYQ_SMS_ACCOUNT_SID")]
    sms_account_sid: Option<String>,
    #[arg(
        long,
        env = "ASHYQ_SMS_AUTH_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    sms_auth_token: Option<String>,
    /// The sender the codes come from (a number or an approved sender id).
    #[arg(long, env = "ASHYQ_SMS_FROM", default_value = "Ashyq")]
    sms_from: String,
    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose forwarding header
    /// names the client. Nobody else's is read.
    #[arg(long, env = "ASHYQ_TRUSTED_PROXIES")]
    trusted_proxies: Option<String>,
    /// The header the trusted proxies write the client into: x-forwarded-for (nginx,
    /// HAProxy) or forwarded (RFC 7239). Only this one is read, only its entries the
    /// proxies appended.
    #[arg(
        long,
        env = "ASHYQ_CLIENT_IP_HEADER",
        default_value = "x-forwarded-for"
    )]
    client_ip_header: ClientIpHeader,
    /// Connections open at once; more wait in the listen backlog.
    #[arg(long, env = "ASHYQ_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Connections open at once from one peer address (an IPv6 one by its /64); more are
    /// answered 503 and closed. Trusted proxies are exempt. 0: no cap.
    #[arg(long, env = "ASHYQ_MAX_CONNECTIONS_PER_IP", default_value_t = 64)]
    max_connections_per_ip: usize,
    /// Seconds a client has to send a request's headers (also the idle keep-alive time).
    #[arg(long, env = "ASHYQ_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    header_timeout_seconds: u64,
    /// Seconds a request may take, body included.
    #[arg(long, env = "ASHYQ_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    request_timeout_seconds: u64,
    /// Oldest Telegram auth_date / VK vk_ts that opens a session, in seconds (default 3600).
    #[arg(long, env = "ASHYQ_PROOF_MAX_AGE_SECONDS")]
    proof_max_age_seconds: Option<i64>,
    /// Comma-separated host origins allowed to frame the app (CSP frame-ancestors).
    #[arg(long, env = "ASHYQ_FRAME_ANCESTORS")]
    frame_ancestors: Option<String>,
    /// Default stay before an open visit closes by itself, in minutes.
    #[arg(long, env = "ASHYQ_DEFAULT_STAY_MINUTES")]
    default_stay_minutes: Option<i64>,
    /// PostgreSQL pool size per node.
    #[arg(long, env = "ASHYQ_PG_MAX_CONNECTIONS", default_value_t = 16)]
    pg_max_connections: u32,
}

type Failure = Box<dyn std::error::Error>;

fn init_logging() {
    let level = match std::env::var("ASHYQ_LOG").unwrap_or_default().as_str() {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

async fn open_store(common: &Common, pg_max: u32) -> Result<Arc<dyn Store>, Failure> {
    keystore::create_private_dir(&common.data_dir)?;
    Ok(match &common.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStore::connect(url, None, pg_max).await?)
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Arc::new(SqliteStore::open(Path::new(path)).await?)
        }
        Some(_) => return Err("--database-url must start with postgres:// or sqlite:".into()),
        None => Arc::new(SqliteStore::open(&common.data_dir.join("ashyq.db")).await?),
    })
}

fn split_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Who the audit log names for what an operator does on the command line.
fn cli_actor() -> ashyq_server::store::Actor {
    ashyq_server::store::Actor {
        kind: "operator",
        id: "cli".into(),
    }
}

fn admin_config(common: &Common) -> Result<Config, Failure> {
    let mut c = Config::new("127.0.0.1:8080");
    if let Some(o) = &common.public_origin {
        c.public_origin = o.clone();
    }
    c.kek = common.kek()?;
    Ok(c)
}

/// The names of the real secrets set for `serve`, for the `--dev` refusal.
fn secrets_set(common: &Common, s: &Serve) -> Vec<&'static str> {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    [
        (set(&s.aitu_api_key), "ASHYQ_AITU_API_KEY"),
        (set(&s.telegram_bot_token), "ASHYQ_TELEGRAM_BOT_TOKEN"),
        (set(&s.vk_app_secret), "ASHYQ_VK_APP_SECRET"),
        (set(&s.import_api_keys), "ASHYQ_IMPORT_API_KEYS"),
        (set(&s.ops_api_keys), "ASHYQ_OPS_API_KEYS"),
        (set(&s.sms_auth_token), "ASHYQ_SMS_AUTH_TOKEN"),
        (set(&common.key_encryption_key), "ASHYQ_KEY_ENCRYPTION_KEY"),
        (
            set(&common.key_encryption_key_command),
            "ASHYQ_KEY_ENCRYPTION_KEY_COMMAND",
        ),
    ]
    .into_iter()
    .filter_map(|(is_set, name)| is_set.then_some(name))
    .collect()
}

async fn serve(common: Common, s: Serve) -> Result<(), Failure> {
    if s.admin_api_keys
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty())
    {
        return Err(
            "ASHYQ_ADMIN_API_KEYS (--admin-api-keys) is gone: a bare secret with both \
             scopes named no integrator in the audit log. Give each integrator an import \
             key and each operator an ops key instead (ASHYQ_IMPORT_API_KEYS, \
             ASHYQ_OPS_API_KEYS: ID:SECRET,…) and unset it"
                .into(),
        );
    }
    if s.dev {
        let inputs = ashyq_server::devmode::DevInputs {
            listen: &s.listen,
            database_url: common.database_url.as_deref(),
            secrets_set: secrets_set(&common, &s),
            trusted_proxies: s.trusted_proxies.as_deref(),
            public_origin: common.public_origin.as_deref(),
        };
        if let Some(why) = ashyq_server::devmode::refusal(&inputs) {
            return Err(why.into());
        }
    }
    let mut config = Config::new(&s.listen);
    config.dev = s.dev;
    config.kek = common.kek()?;
    if !s.dev && config.kek.as_deref().is_some_and(keystore::is_dev_kek) {
        return Err(
            "the key-encryption key given is the dev one, which is published: a server \
             without --dev never uses it. Set ASHYQ_KEY_ENCRYPTION_KEY to a key of your \
             own (`openssl rand -hex 32`)"
                .into(),
        );
    }
    if let Some(o) = &common.public_origin {
        config.public_origin = o.trim_end_matches('/').to_owned();
    }
    config.dist = s.dist.clone();
    if s.dev {
        // The repository's layout: dist/ and www-dev/ side by side.
        config.dev_dir = s.dev_dir.clone().or_else(|| {
            let sibling = s.dist.as_deref()?.parent()?.join("www-dev");
            sibling.is_dir().then_some(sibling)
        });
    }
    config.hosts.aitu_api_key = s.aitu_api_key.filter(|v| !v.is_empty());
    config.hosts.telegram_bot_token = s.telegram_bot_token.filter(|v| !v.is_empty());
    config.hosts.vk_app_secret = s.vk_app_secret.filter(|v| !v.is_empty());
    config.hosts.vk_app_id = s.vk_app_id;
    config.links.telegram_bot = s.telegram_bot_username.filter(|v| !v.is_empty());
    config.links.telegram_app = s.telegram_app_name.filter(|v| !v.is_empty());
    config.links.aitu_link = s.aitu_app_link.filter(|v| !v.is_empty());
    if config.hosts.vk_app_secret.is_some() && config.hosts.vk_app_id.is_none() {
        return Err(
            "a VK app secret needs its app id (--vk-app-id / ASHYQ_VK_APP_ID): \
                    launch parameters are checked to be for this app"
                .into(),
        );
    }
    if let Some(list) = &s.import_api_keys {
        config.api_keys.add_list(Scope::Import, list)?;
    }
    if let Some(list) = &s.ops_api_keys {
        config.api_keys.add_list(Scope::Ops, list)?;
    }
    // Dev runs (the emulator, end-to-end tests) send bursts from one address.
    let (rate, burst) = if s.dev { (6000, 1000) } else { (600, 120) };
    config.rate_per_minute = s.rate_limit_per_minute.unwrap_or(rate);
    config.rate_burst = s.rate_limit_burst.unwrap_or(burst);
    let (person_rate, person_burst) = if s.dev { (6000, 1000) } else { (6, 20) };
    config.person_rate_per_minute = s.person_rate_limit_per_minute.unwrap_or(person_rate);
    config.person_rate_burst = s.person_rate_limit_burst.unwrap_or(person_burst);
    if let Some(n) = s.guard_rate_limit_per_minute {
        config.guard_per_minute = n;
    }
    if let Some(n) = s.guard_rate_limit_burst {
        config.guard_burst = n;
    }
    if let Some(n) = s.guard_venue_rate_limit_per_minute {
        config.guard_venue_per_minute = n;
    }
    if let Some(sid) = s.sms_account_sid.as_deref().filter(|v| !v.is_empty()) {
        let token = s
            .sms_auth_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or("--sms-account-sid needs ASHYQ_SMS_AUTH_TOKEN")?;
        config.sms = Some(Arc::new(ashyq_server::sms::Twilio::new(
            &s.sms_api_base,
            sid,
            token,
            &s.sms_from,
        )));
    }
    if let Some(list) = &s.trusted_proxies {
        config.trusted_proxies = TrustedProxies::parse(list)?;
    }
    config.client_ip_header = s.client_ip_header;
    config.conn_limits = ConnLimits {
        max_connections: s.max_connections.max(1),
        max_per_ip: s.max_connections_per_ip,
        // The proxy's one address carries every client behind it.
        uncapped: config.trusted_proxies.clone(),
        header_timeout: Duration::from_secs(s.header_timeout_seconds.max(1)),
    };
    config.request_timeout = Duration::from_secs(s.request_timeout_seconds.max(1));
    if let Some(age) = s.proof_max_age_seconds {
        if age <= 0 {
            return Err("--proof-max-age-seconds must be positive".into());
        }
        config.proof_max_age = age;
    }
    if let Some(fa) = &s.frame_ancestors {
        config.frame_ancestors = split_list(Some(fa));
    }
    if let Some(m) = s.default_stay_minutes {
        if m <= 0 {
            return Err("--default-stay-minutes must be positive".into());
        }
        config.policy.default_stay = m * ashyq_core::MINUTE;
    }
    if s.dev {
        config.fill_dev_defaults();
        tracing::warn!("DEV MODE: dev identities accepted, well-known host secrets in use");
    }
    if s.demo && !s.dev {
        return Err("--demo needs --dev".into());
    }
    let store = open_store(&common, s.pg_max_connections).await?;
    let state = AppState::new(config, store, &common.data_dir).await?;
    revocation::refresh(state.store.as_ref(), &state.revoked).await?;
    housekeeping::run(&state).await;
    if s.demo {
        let info = demo::seed(&state)
            .await
            .map_err(|e| format!("demo seed failed: {}", e.message))?;
        let _ = state.demo.set(info);
        tracing::info!("demo data seeded; see /dev/api/demo");
    }
    {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            tick.tick().await;
            loop {
                tick.tick().await;
                housekeeping::run(&state).await;
            }
        });
    }
    {
        // Keys revoked or rotated through another node or the CLI.
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(revocation::REFRESH);
            loop {
                tick.tick().await;
                if let Err(e) = revocation::refresh(state.store.as_ref(), &state.revoked).await {
                    tracing::error!(error = %e, "reading revoked keys failed");
                }
                match state.keys.refresh(state.store.as_ref()).await {
                    Ok(true) => tracing::info!(
                        venue = %state.keys.current().venue_signer().key_id(),
                        pass = %state.keys.current().pass_signer().key_id(),
                        "signing keys changed in the database: now in use"
                    ),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "reading the signing keys failed"),
                }
            }
        });
    }
    let listener = tokio::net::TcpListener::bind(&s.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, origin = %state.config.public_origin, "listening");
    let limits = state.config.conn_limits.clone();
    ashyq_server::serve::serve(listener, app(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let common = cli.common.clone();
    match cli.command {
        Command::Serve(s) => serve(common, *s).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let lifetime = ashyq_core::status::Policy::default().pass_lifetime;
            let store = open_store(&common, 2).await?;
            let state = AppState::new(admin_config(&common)?, store, &common.data_dir).await?;
            let r = state
                .keys
                .rotate(state.store.as_ref(), lifetime, state.now())
                .await?;
            let when = if state.keys.in_database() {
                "running nodes use them within seconds"
            } else {
                "restart the server"
            };
            println!(
                "new venue key {} and pass key {}; {when}",
                r.venue.key_id(),
                r.pass.key_id()
            );
            for id in r.retired {
                println!("retired pass key {id}: no pass it signed can still be valid");
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Revoke { key_id },
        } => {
            let id = ashyq_core::keys::KeyId::from_hex(&key_id)
                .ok_or("a key id is 8 hex digits, as in GET /v1/keys")?;
            let store = open_store(&common, 2).await?;
            let state = AppState::new(admin_config(&common)?, store, &common.data_dir).await?;
            let (kind, fresh) = revocation::revoke(
                state.store.as_ref(),
                &state.keys.current(),
                &state.revoked,
                &id,
                state.now(),
            )
            .await
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
            if fresh {
                println!("revoked {kind} key {id}; running servers refuse it within seconds");
            } else {
                println!("{kind} key {id} was already revoked");
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Reseal {
                new_key_encryption_key,
            },
        } => {
            let old = common
                .kek()?
                .ok_or("set ASHYQ_KEY_ENCRYPTION_KEY to the key-encryption key in use")?;
            let new = Kek::parse(&new_key_encryption_key)?;
            let store = open_store(&common, 2).await?;
            let n = keystore::reseal(store.as_ref(), old.as_ref(), &new).await?;
            println!(
                "resealed {n} keys with key-encryption key {}; restart every node with it",
                new.id()
            );
            Ok(())
        }
        Command::Venue {
            command:
                VenueCommand::Add {
                    bin,
                    name,
                    address,
                    category,
                    pcr_required,
                    entrances,
                },
        } => {
            let CategoryArg(category) = category;
            let store = open_store(&common, 2).await?;
            let state = AppState::new(admin_config(&common)?, store, &common.data_dir).await?;
            let req = RegisterVenueRequest {
                bin,
                business_name: name,
                address,
                category,
                pcr_required,
                entrances,
            };
            let now = state.now();
            let new = venues::check_registration(&req, now)
                .map_err(|e| format!("{}: {}", e.code, e.message))?;
            let v = state.store.add_venue(&new, now).await?;
            let resp = venues::response(&state, &v).await.map_err(|e| e.message)?;
            println!("{}", serde_json::to_string_pretty(&resp)?);
            Ok(())
        }
        Command::Poster {
            venue_id,
            entrance,
            direction,
            lang,
            size,
        } => {
            let (DirectionArg(direction), LangArg(lang), SizeArg(size)) = (direction, lang, size);
            let store = open_store(&common, 2).await?;
            let state = AppState::new(admin_config(&common)?, store, &common.data_dir).await?;
            let v = state.store.venue(venue_id).await?.ok_or("no such venue")?;
            if entrance == 0 || entrance > v.entrances {
                return Err("no such entrance at this venue".into());
            }
            let svg = api::poster_svg(&state, &v, entrance, direction, lang, size)
                .await
                .map_err(|e| e.message)?;
            print!("{svg}");
            Ok(())
        }
        Command::Import {
            file,
            kind,
            batch_id,
        } => {
            let store = open_store(&common, 2).await?;
            let state = AppState::new(admin_config(&common)?, store, &common.data_dir).await?;
            let text = std::fs::read_to_string(&file)?;
            let is_csv = kind.is_some() || file.extension().is_some_and(|e| e == "csv");
            let report = if is_csv {
                let kind = kind.ok_or("CSV needs --kind")?;
                let batch_id = batch_id.unwrap_or_else(|| file.display().to_string());
                let (batch, errors, lines) = import::csv_batch(&kind, &batch_id, &text)
                    .map_err(|e| format!("{}: {}", e.code, e.message))?;
                import::run(&state, &cli_actor(), &batch, errors, Some(&lines)).await
            } else {
                let batch: ImportBatch = serde_json::from_str(&text)?;
                import::run(&state, &cli_actor(), &batch, Vec::new(), None).await
            }
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ashyq-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ashyq-server: {e}");
            ExitCode::FAILURE
        }
    }
}
