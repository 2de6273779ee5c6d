//! A small closed-loop load generator for the Ashyq server on loopback (used by
//! `scripts/bench_server.sh`): N keep-alive HTTP/1.1 connections (reqwest), each sending its next
//! request when the previous answer is in, for a bounded time and request count.
//!
//!   ashyq-loadgen --url http://127.0.0.1:8080 --scenario status --connections 32 --seconds 10
//!
//! Scenarios: `healthz` (the trivial endpoint), `status` (GET /v1/me/status), `checkin`
//! (POST /v1/visits, every scan a new visit) and `mixed`, the national peak: status lookups
//! 40 %, entry scans 25 %, exit scans 15 %, pass refreshes 15 % and diary reads 5 %, over
//! many people and venues. All but `healthz` import their own citizens with the
//! `--admin-key` (an import key), register `--venues` venues as an owner does (a registry
//! import names the first person owner, who registers premises in session) and sign in either with dev
//! identities (a server started with `--dev --demo`, whose demo venues they use too) or,
//! given `--telegram-bot-token`, with Telegram proofs (any server with that bot token:
//! `--dev` refuses PostgreSQL). Prints a Markdown row per kind of request: requests, errors, requests/s, p50,
//! p99 and p99.9 in milliseconds (`mixed` adds a row for all kinds together). SIGTERM
//! ends the load early, and still writes the report and the logs.

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
    /// Venues to register besides the demo's (scans spread over all of them).
    #[arg(long, default_value_t = 60)]
    venues: usize,
    #[arg(long, env = "ASHYQ_ADMIN_KEY", default_value = "ashyq-dev-admin-key")]
    admin_key: String,
    /// Sign in through Telegram with this bot's token instead of dev identities.
    #[arg(long, env = "ASHYQ_LOADGEN_TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    telegram_bot_token: Option<String>,
    /// Only prepare (citizens, sessions, venues) and write `tokens.txt`, `entry.txt` and
    /// `exit.txt` (one a line) into this directory, for `wrk` (scripts/wrk_ashyq.lua).
    #[arg(long)]
    fixture_out: Option<std::path::PathBuf>,
    /// Write the client_visit_id of every acknowledged (200) scan to this file, one a line
    /// (the fault harness, scripts/bench_faults.sh, checks that none is lost).
    #[arg(long)]
    ack_log: Option<std::path::PathBuf>,
    /// Write every check-in's outcome to this file, one a line: `start_ms end_ms status
    /// client_visit_id` (Unix milliseconds; status 0 when no answer came). The failover
    /// drill (scripts/drill.sh) reads when writes stopped and came back, and which 5xx came.
    #[arg(long)]
    events: Option<std::path::PathBuf>,
    /// Wait this long after a failed request before the connection's next one, as a real
    /// client backs off (0: at once).
    #[arg(long, default_value_t = 0)]
    pause_after_error_ms: u64,
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
    /// The national peak: status, entries, exits, pass refreshes and diary reads.
    Mixed,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Healthz => "healthz",
            Scenario::Status => "status",
            Scenario::Checkin => "checkin",
            Scenario::Mixed => "mixed",
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
    /// Entry and exit code of each venue's first entrance.
    codes: Vec<(String, String)>,
}

/// A valid BIN for load-test venue `n`.
fn bin(n: usize) -> String {
    (0..100)
        .find_map(|k| id::with_check_digit(&format!("180340{:03}{k:02}", n % 1000)))
        .expect("unreachable: some serial has a check digit")
}

/// The kinds of request, as reported.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Healthz,
    Status,
    Checkin,
    Exit,
    Pass,
    Diary,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Healthz => "healthz",
            Kind::Status => "status",
            Kind::Checkin => "checkin",
            Kind::Exit => "exit",
            Kind::Pass => "pass",
            Kind::Diary => "diary",
        }
    }
}

/// The mixed scenario's cycle of 20 requests: 8 status, 5 entries, 3 exits, 3 pass
/// refreshes, 1 diary read (an exit or a refresh with no open visit is an entry instead).
const MIXED: [Kind; 20] = {
    use Kind::*;
    [
        Status, Checkin, Status, Pass, Exit, Status, Checkin, Status, Pass, Diary, Status, Checkin,
        Exit, Status, Checkin, Pass, Status, Checkin, Exit, Status,
    ]
};

/// Entry and exit code of a venue's first entrance, as the API describes the venue.
fn entrance(v: &Value) -> Option<(String, String)> {
    let e = &v["entrances"][0];
    Some((
        e["entry_code"].as_str()?.to_owned(),
        e["exit_code"].as_str()?.to_owned(),
    ))
}

/// Venues of the load test's own, registered as an owner would: the business registry
/// (an import) names the first load-test person as the owner of every load-test BIN, who
/// then registers premises under them through their session (`POST /v1/venues` is gone).
async fn own_venues(
    c: &Conn,
    args: &Args,
    owner_iin: &str,
    owner: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let bins: Vec<String> = (0..args.venues.min(1000)).map(bin).collect();
    let businesses: Vec<Value> = bins
        .iter()
        .map(|bin| json!({"bin": bin, "name": "Load test", "owner_iins": [owner_iin]}))
        .collect();
    let batch =
        json!({"batch_id": format!("loadgen-businesses-{}", bins.len()), "businesses": businesses});
    c.json(
        Method::POST,
        "/v1/import",
        Some(&args.admin_key),
        Some(&batch),
    )
    .await?;
    let mut codes = Vec::with_capacity(args.venues);
    for n in 0..args.venues {
        let body = json!({"name": format!("Load venue {n}"), "address": "Astana",
            "category": "grocery", "pcr_required": false, "entrances": 1});
        let v = c
            .json(
                Method::POST,
                &format!("/v1/business/{}/premises", bins[n % bins.len()]),
                Some(owner),
                Some(&body),
            )
            .await?;
        codes.push(entrance(&v).ok_or("no entry or exit code")?);
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
    let mut codes: Vec<(String, String)> = match bot {
        Some(_) => Vec::new(),
        None => c.json(Method::GET, "/dev/api/demo", None, None).await?["venues"]
            .as_array()
            .ok_or("no demo venues: start the server with --dev --demo, or give a bot token")?
            .iter()
            .filter_map(entrance)
            .collect(),
    };
    if args.venues > 0 {
        let owner = tokens
            .first()
            .ok_or("--venues needs --people of at least 1")?;
        codes.extend(own_venues(&c, args, &iin(0), owner).await?);
    }
    if codes.is_empty() {
        return Err("no venues: --venues 0 needs a --dev --demo server".into());
    }
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
        _ if args.fixture_out.is_some() => prepare(&base, &args).await?,
        Scenario::Healthz => Fixture {
            tokens: Vec::new(),
            codes: Vec::new(),
        },
        Scenario::Status | Scenario::Checkin | Scenario::Mixed => prepare(&base, &args).await?,
    };
    if let Some(dir) = &args.fixture_out {
        let lines = |v: Vec<&str>| v.join("\n") + "\n";
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("tokens.txt"),
            lines(fixture.tokens.iter().map(String::as_str).collect()),
        )?;
        std::fs::write(
            dir.join("entry.txt"),
            lines(fixture.codes.iter().map(|c| c.0.as_str()).collect()),
        )?;
        std::fs::write(
            dir.join("exit.txt"),
            lines(fixture.codes.iter().map(|c| c.1.as_str()).collect()),
        )?;
        return Ok(());
    }
    let fixture = std::sync::Arc::new(fixture);
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    // SIGTERM: stop sending, then report as at the deadline (the drill stops its load so).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let stop_on_term = stop.clone();
    tokio::spawn(async move {
        term.recv().await;
        stop_on_term.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    // Unique across processes: the drill runs one load generator per server node.
    let run = format!("{run}-{}", std::process::id());
    let unix_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    };
    let pause = Duration::from_millis(args.pause_after_error_ms);
    let per_conn = args.max_requests.div_ceil(args.connections.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for conn_no in 0..args.connections {
        let track_acks = args.ack_log.is_some();
        let track_events = args.events.is_some();
        let (base, fixture, scenario, conns, stop, run) = (
            base.clone(),
            fixture.clone(),
            args.scenario,
            args.connections,
            stop.clone(),
            run.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<(Kind, u64)> = Vec::with_capacity(4096);
            let mut acked: Vec<String> = Vec::new();
            let mut events: Vec<String> = Vec::new();
            let mut errors: Vec<Kind> = Vec::new();
            let conn = match Conn::open(&base) {
                Ok(c) => c,
                Err(_) => return (lat, vec![Kind::Healthz], acked, events),
            };
            // Each connection is its own set of people, so no two connections scan for one
            // person at once. Per person: the open visit (id, venue) if any.
            let people: Vec<usize> = (conn_no..fixture.tokens.len()).step_by(conns).collect();
            let mut open: Vec<Option<(String, usize)>> = vec![None; people.len()];
            let mut venue_no = conn_no * 7;
            for i in 0..per_conn {
                if Instant::now() >= deadline || stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let planned = match scenario {
                    Scenario::Healthz => Kind::Healthz,
                    Scenario::Status => Kind::Status,
                    Scenario::Checkin => Kind::Checkin,
                    Scenario::Mixed => MIXED[(i + conn_no) % MIXED.len()],
                };
                let slot = if people.is_empty() {
                    0
                } else {
                    i % people.len()
                };
                let token = people.get(slot).map(|&p| fixture.tokens[p].as_str());
                let kind = match (planned, open.get(slot)) {
                    (Kind::Exit | Kind::Pass, Some(None)) => Kind::Checkin,
                    (k, _) => k,
                };
                let t0 = Instant::now();
                let result = match kind {
                    Kind::Healthz => conn.request(Method::GET, "/healthz", None, None).await,
                    Kind::Status => {
                        conn.request(Method::GET, "/v1/me/status", token, None)
                            .await
                    }
                    Kind::Diary => conn.request(Method::GET, "/v1/visits", token, None).await,
                    Kind::Checkin | Kind::Exit => {
                        let code = if kind == Kind::Exit {
                            let v = open[slot].as_ref().map_or(0, |o| o.1);
                            fixture.codes[v].1.clone()
                        } else {
                            venue_no = (venue_no + 1) % fixture.codes.len();
                            fixture.codes[venue_no].0.clone()
                        };
                        let body = json!({
                            "code": code,
                            "client_visit_id": format!("lg{run}-{conn_no}-{i}"),
                        });
                        let started_ms = unix_ms();
                        let r = conn
                            .request(Method::POST, "/v1/visits", token, Some(&body))
                            .await;
                        if matches!(r, Ok((200, _))) && track_acks {
                            acked.push(format!("lg{run}-{conn_no}-{i}"));
                        }
                        if track_events {
                            let status = r.as_ref().map_or(0, |a| a.0);
                            events.push(format!(
                                "{started_ms} {} {status} lg{run}-{conn_no}-{i}",
                                unix_ms()
                            ));
                        }
                        r
                    }
                    Kind::Pass => {
                        let id = open[slot].as_ref().map_or("", |o| o.0.as_str());
                        let path = format!("/v1/visits/{id}/pass");
                        conn.request(Method::POST, &path, token, None).await
                    }
                };
                match result {
                    Ok((200, body)) => {
                        lat.push((kind, t0.elapsed().as_micros() as u64));
                        if scenario == Scenario::Mixed {
                            match kind {
                                Kind::Checkin => {
                                    let id = serde_json::from_slice::<Value>(&body)
                                        .ok()
                                        .and_then(|v| v["visit"]["id"].as_str().map(str::to_owned));
                                    open[slot] = id.map(|id| (id, venue_no));
                                }
                                Kind::Exit => open[slot] = None,
                                _ => {}
                            }
                        }
                    }
                    Ok(_) => {
                        errors.push(kind);
                        open[slot] = None;
                        tokio::time::sleep(pause).await;
                    }
                    Err(e) => {
                        errors.push(kind);
                        tokio::time::sleep(pause).await;
                        // The server is gone: stop rather than count failures until the deadline.
                        if e.downcast_ref::<reqwest::Error>()
                            .is_some_and(reqwest::Error::is_connect)
                        {
                            break;
                        }
                    }
                }
            }
            (lat, errors, acked, events)
        }));
    }
    let mut all: Vec<(Kind, u64)> = Vec::new();
    let mut errors: Vec<Kind> = Vec::new();
    let mut acked: Vec<String> = Vec::new();
    let mut events: Vec<String> = Vec::new();
    for t in tasks {
        let (lat, e, a, ev) = t.await?;
        all.extend(lat);
        errors.extend(e);
        acked.extend(a);
        events.extend(ev);
    }
    if let Some(path) = &args.events {
        let mut text = events.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(path, text)?;
    }
    if let Some(path) = &args.ack_log {
        let mut text = acked.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(path, text)?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    if args.header {
        println!("| backend | scenario | kind | connections | requests | errors | requests/s | p50 ms | p99 ms | p99.9 ms |");
        println!("|---|---|---|---|---|---:|---:|---:|---:|---:|");
    }
    let mut kinds: Vec<Kind> = all
        .iter()
        .map(|l| l.0)
        .chain(errors.iter().copied())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut rows: Vec<(String, Vec<u64>, usize)> = kinds
        .iter()
        .map(|&k| {
            let lat = all.iter().filter(|l| l.0 == k).map(|l| l.1).collect();
            (
                k.name().to_owned(),
                lat,
                errors.iter().filter(|&&e| e == k).count(),
            )
        })
        .collect();
    if rows.len() > 1 {
        rows.push((
            "all".to_owned(),
            all.iter().map(|l| l.1).collect(),
            errors.len(),
        ));
    }
    for (name, mut lat, errs) in rows {
        lat.sort_unstable();
        let pct = |p: f64| -> f64 {
            if lat.is_empty() {
                return f64::NAN;
            }
            let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[i] as f64 / 1000.0
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            args.label,
            args.scenario.name(),
            name,
            args.connections,
            lat.len(),
            errs,
            lat.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99),
            pct(0.999)
        );
    }
    Ok(())
}
