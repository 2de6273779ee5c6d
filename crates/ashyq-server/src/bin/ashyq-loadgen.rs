//! A small closed-loop load generator for the Ashyq server on loopback (used by
//! `scripts/bench_server.sh`): N keep-alive HTTP/1.1 connections (reqwest), each sending its next
//! request when the previous answer is in, for a bounded time and request count.
//!
//!   ashyq-loadgen --url http://127.0.0.1:8080 --scenario status --connections 32 --seconds 10
//!
//! Scenarios: `healthz` (the trivial endpoint), `status` (GET /v1/me/status) and `checkin`
//! (POST /v1/visits, every scan a new visit). `status` and `checkin` import their own
//! citizens with the `--admin-key` (an import key) and sign in either with dev identities
//! (a server started with `--dev --demo`) or, given `--telegram-bot-token`, with Telegram
//! proofs and venues of their own (any server with that bot token: `--dev` refuses
//! PostgreSQL).
//! Prints one line: scenario, requests, errors, requests/s, p50 and p99 in milliseconds.

use std::time::{Duration, Instant};

use ashyq_core::hostproof::telegram_init_data;
use ashyq_core::id;
use clap::Parser;
use reqwest::Method;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(name = "ashyq-loadgen", about = "closed-loop HTTP load on loopback")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, value_enum, default_value_t = Scenario::Healthz)]
    scenario: Scenario,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Stop after this many requests in all.
    #[arg(long, default_value_t = 500_000)]
    max_requests: usize,
    /// Citizens to import and sign in as (status/checkin spread their load over them).
    #[arg(long, default_value_t = 256)]
    people: usize,
    #[arg(long, env = "ASHYQ_ADMIN_KEY", default_value = "ashyq-dev-admin-key")]
    admin_key: String,
    /// Sign in through Telegram with this bot's token instead of dev identities.
    #[arg(long, env = "ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    telegram_bot_token: Option<String>,
    /// Print the header line too.
    #[arg(long)]
    header: bool,
    /// A label for the first column (e.g. the database).
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// GET /healthz, the trivial endpoint.
    Healthz,
    /// GET /v1/me/status.
    Status,
    /// POST /v1/visits, every scan a new visit.
    Checkin,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Healthz => "healthz",
            Scenario::Status => "status",
            Scenario::Checkin => "checkin",
        }
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One keep-alive HTTP/1.1 connection to the server (a reqwest client that keeps at most
/// one idle connection, used by one task at a time).
struct Conn {
    client: reqwest::Client,
    base: String,
}

impl Conn {
    fn open(base: &str) -> Result<Conn, Failure> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(1)
            .build()?;
        Ok(Conn {
            client,
            base: base.to_owned(),
        })
    }

    /// Sends one request and reads the whole response: (status, body).
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(b)?);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.bytes().await?.to_vec()))
    }

    /// A request whose answer must be 200 or 201, read as JSON.
    async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let (status, bytes) = self.request(method.clone(), path, token, body).await?;
        if status != 200 && status != 201 {
            return Err(format!(
                "{method} {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
            )
            .into());
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// A valid IIN for load-test person `n`.
fn iin(n: usize) -> String {
    let month = 1 + (n / 28) % 12;
    let day = 1 + n % 28;
    let serial = n / 336;
    (0..100)
        .find_map(|k| id::with_check_digit(&format!("95{month:02}{day:02}3{serial:02}{k:02}")))
        .expect("unreachable: some serial has a check digit")
}

struct Fixture {
    tokens: Vec<String>,
    codes: Vec<String>,
}

async fn demo_codes(c: &Conn) -> Result<Vec<String>, Failure> {
    let demo = c.json(Method::GET, "/dev/api/demo", None, None).await?;
    Ok(demo["venues"]
        .as_array()
        .ok_or("no demo venues: start the server with --dev --demo")?
        .iter()
        .filter_map(|v| v["entrances"][0]["entry_code"].as_str().map(str::to_owned))
        .collect())
}

/// Venues of the load test's own, registered as an owner would: the business registry
/// (an import) names the first load-test person as the owner of two BINs, who then
/// registers one premises under each through their session.
async fn own_codes(
    c: &Conn,
    key: &str,
    owner_iin: &str,
    owner: &str,
) -> Result<Vec<String>, Failure> {
    let mut bins = Vec::new();
    for prefix in ["180340021", "190440012"] {
        bins.push(
            (0..100)
                .find_map(|k| id::with_check_digit(&format!("{prefix}{k:02}")))
                .ok_or("no BIN")?,
        );
    }
    let businesses: Vec<Value> = bins
        .iter()
        .map(|bin| json!({"bin": bin, "name": "Load test", "owner_iins": [owner_iin]}))
        .collect();
    let batch = json!({"batch_id": "loadgen-businesses", "businesses": businesses});
    c.json(Method::POST, "/v1/import", Some(key), Some(&batch))
        .await?;
    let mut codes = Vec::new();
    for (bin, category) in bins.iter().zip(["grocery", "pharmacy"]) {
        let body = json!({"name": "Load test", "address": "Алматы", "category": category,
            "pcr_required": false, "entrances": 1});
        let v = c
            .json(
                Method::POST,
                &format!("/v1/business/{bin}/premises"),
                Some(owner),
                Some(&body),
            )
            .await?;
        codes.push(
            v["entrances"][0]["entry_code"]
                .as_str()
                .ok_or("no entry code")?
                .to_owned(),
        );
    }
    Ok(codes)
}

async fn prepare(base: &str, args: &Args) -> Result<Fixture, Failure> {
    let c = Conn::open(base)?;
    let bot = args.telegram_bot_token.as_deref();
    let telegram_id = |n: usize| 800_000_000 + n as i64;
    let citizens: Vec<Value> = (0..args.people)
        .map(|n| json!({"iin": iin(n), "name": "Load", "lastname": "Test", "phone": null, "aitu_id": null,
            "telegram_id": bot.map(|_| telegram_id(n)), "vk_id": null}))
        .collect();
    let batch =
        json!({"batch_id": format!("loadgen-citizens-{}", args.people), "citizens": citizens});
    c.json(
        Method::POST,
        "/v1/import",
        Some(&args.admin_key),
        Some(&batch),
    )
    .await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let mut tokens = Vec::new();
    for n in 0..args.people {
        let proof = match bot {
            Some(token) => {
                let pairs = vec![
                    (
                        "user".to_string(),
                        format!(r#"{{"id":{}}}"#, telegram_id(n)),
                    ),
                    ("auth_date".to_string(), now.to_string()),
                ];
                json!({"kind": "telegram", "init_data": telegram_init_data(&pairs, token)})
            }
            None => json!({"kind": "dev", "iin": iin(n)}),
        };
        let v = c
            .json(
                Method::POST,
                "/v1/session",
                None,
                Some(&json!({ "proof": proof })),
            )
            .await?;
        tokens.push(v["token"].as_str().ok_or("no token")?.to_owned());
    }
    let codes = match (bot, tokens.first()) {
        (Some(_), Some(owner)) => own_codes(&c, &args.admin_key, &iin(0), owner).await?,
        (Some(_), None) => return Err("--people must be at least 1".into()),
        (None, _) => demo_codes(&c).await?,
    };
    Ok(Fixture { tokens, codes })
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    if !args.url.starts_with("http://") {
        return Err("--url must be http://host:port".into());
    }
    let base = args.url.trim_end_matches('/').to_owned();
    let fixture = match args.scenario {
        Scenario::Healthz => Fixture {
            tokens: Vec::new(),
            codes: Vec::new(),
        },
        Scenario::Status | Scenario::Checkin => prepare(&base, &args).await?,
    };
    let fixture = std::sync::Arc::new(fixture);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let per_conn = args.max_requests.div_ceil(args.connections.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for conn_no in 0..args.connections {
        let (base, fixture, scenario, conns) = (
            base.clone(),
            fixture.clone(),
            args.scenario,
            args.connections,
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            let mut errors = 0usize;
            let conn = match Conn::open(&base) {
                Ok(c) => c,
                Err(_) => return (lat, 1),
            };
            for i in 0..per_conn {
                if Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                let result = match scenario {
                    Scenario::Healthz => conn.request(Method::GET, "/healthz", None, None).await,
                    Scenario::Status => {
                        let token = &fixture.tokens[(conn_no + i * 7) % fixture.tokens.len()];
                        conn.request(Method::GET, "/v1/me/status", Some(token), None)
                            .await
                    }
                    Scenario::Checkin => {
                        // Each connection is its own set of people, so no two connections
                        // scan for one person at once; each scan enters another venue.
                        let people = fixture.tokens.len();
                        let person = (conn_no + (i % (people / conns).max(1)) * conns) % people;
                        let body = json!({
                            "code": fixture.codes[i % fixture.codes.len()],
                            "client_visit_id": format!("lg{run}-{conn_no}-{i}"),
                        });
                        conn.request(
                            Method::POST,
                            "/v1/visits",
                            Some(&fixture.tokens[person]),
                            Some(&body),
                        )
                        .await
                    }
                };
                match result {
                    Ok((200, _)) => lat.push(t0.elapsed().as_micros() as u64),
                    Ok(_) => errors += 1,
                    Err(e) => {
                        errors += 1;
                        // The server is gone: stop rather than count failures until the deadline.
                        if e.downcast_ref::<reqwest::Error>()
                            .is_some_and(reqwest::Error::is_connect)
                        {
                            break;
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return f64::NAN;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i] as f64 / 1000.0
    };
    if args.header {
        println!("| backend | scenario | connections | requests | errors | requests/s | p50 ms | p99 ms |");
        println!("|---|---|---|---|---|---|---|---|");
    }
    println!(
        "| {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} |",
        args.label,
        args.scenario.name(),
        args.connections,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
    Ok(())
}
