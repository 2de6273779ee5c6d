//! A small closed-loop load generator for the Ashyq server on loopback (used by
//! `scripts/bench_server.sh`): N keep-alive HTTP/1.1 connections, each sending its next
//! request when the previous answer is in, for a bounded time and request count.
//!
//!   ashyq-loadgen --url http://127.0.0.1:8080 --scenario status --connections 32 --seconds 10
//!
//! Scenarios: `healthz` (the trivial endpoint), `status` (GET /v1/me/status) and `checkin`
//! (POST /v1/visits, every scan a new visit). `status` and `checkin` need a server started
//! with `--dev --demo` (they sign in with dev identities and import their own citizens).
//! Prints one line: scenario, requests, errors, requests/s, p50 and p99 in milliseconds.

use std::time::{Duration, Instant};

use ashyq_core::id;
use clap::Parser;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
#[command(name = "ashyq-loadgen", about = "closed-loop HTTP load on loopback")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value = "healthz")]
    scenario: String,
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
    /// Print the header line too.
    #[arg(long)]
    header: bool,
    /// A label for the first column (e.g. the database).
    #[arg(long, default_value = "")]
    label: String,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Conn {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(host: &str) -> Result<Conn, Failure> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            host: host.to_owned(),
            buf: Vec::with_capacity(8192),
        })
    }

    /// Sends one request and reads the whole response: (status, body).
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(t) = token {
            req.push_str("Authorization: Bearer ");
            req.push_str(t);
            req.push_str("\r\n");
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.stream.write_all(req.as_bytes()).await?;
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        let header_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err("connection closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&self.buf[..header_end])?.to_ascii_lowercase();
        let status: u16 = head.get(9..12).ok_or("bad status line")?.parse()?;
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse())
            .transpose()?
            .ok_or("no content-length")?;
        while self.buf.len() < header_end + len {
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err("connection closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok((status, self.buf[header_end..header_end + len].to_vec()))
    }

    async fn json(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<Value, Failure> {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let (status, bytes) = self.request(method, path, token, &text).await?;
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

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
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

async fn prepare(host: &str, args: &Args) -> Result<Fixture, Failure> {
    let mut c = Conn::open(host).await?;
    let demo = c.json("GET", "/dev/api/demo", None, &Value::Null).await?;
    let codes: Vec<String> = demo["venues"]
        .as_array()
        .ok_or("no demo venues: start the server with --dev --demo")?
        .iter()
        .filter_map(|v| v["entrances"][0]["entry_code"].as_str().map(str::to_owned))
        .collect();
    let citizens: Vec<Value> = (0..args.people)
        .map(|n| json!({"iin": iin(n), "name": "Load", "lastname": "Test", "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}))
        .collect();
    let batch =
        json!({"batch_id": format!("loadgen-citizens-{}", args.people), "citizens": citizens});
    c.json("POST", "/v1/import", Some(&args.admin_key), &batch)
        .await?;
    let mut tokens = Vec::new();
    for n in 0..args.people {
        let v = c
            .json(
                "POST",
                "/v1/session",
                None,
                &json!({"proof": {"kind": "dev", "iin": iin(n)}}),
            )
            .await?;
        tokens.push(v["token"].as_str().ok_or("no token")?.to_owned());
    }
    Ok(Fixture { tokens, codes })
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let host = args
        .url
        .strip_prefix("http://")
        .ok_or("--url must be http://host:port")?
        .trim_end_matches('/')
        .to_owned();
    let fixture = match args.scenario.as_str() {
        "healthz" => Fixture {
            tokens: Vec::new(),
            codes: Vec::new(),
        },
        "status" | "checkin" => prepare(&host, &args).await?,
        other => return Err(format!("unknown scenario {other}").into()),
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
        let (host, fixture, scenario, conns) = (
            host.clone(),
            fixture.clone(),
            args.scenario.clone(),
            args.connections,
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            let mut errors = 0usize;
            let mut conn = match Conn::open(&host).await {
                Ok(c) => c,
                Err(_) => return (lat, 1),
            };
            for i in 0..per_conn {
                if Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                let result = match scenario.as_str() {
                    "healthz" => conn.request("GET", "/healthz", None, "").await,
                    "status" => {
                        let token = &fixture.tokens[(conn_no + i * 7) % fixture.tokens.len()];
                        conn.request("GET", "/v1/me/status", Some(token), "").await
                    }
                    _ => {
                        // Each connection is its own set of people, so no two connections
                        // scan for one person at once; each scan enters another venue.
                        let people = fixture.tokens.len();
                        let person = (conn_no + (i % (people / conns).max(1)) * conns) % people;
                        let body = json!({
                            "code": fixture.codes[i % fixture.codes.len()],
                            "client_visit_id": format!("lg{run}-{conn_no}-{i}"),
                        })
                        .to_string();
                        conn.request("POST", "/v1/visits", Some(&fixture.tokens[person]), &body)
                            .await
                    }
                };
                match result {
                    Ok((200, _)) => lat.push(t0.elapsed().as_micros() as u64),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match Conn::open(&host).await {
                            Ok(c) => conn = c,
                            Err(_) => break,
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
        args.scenario,
        args.connections,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
    Ok(())
}
