//! Through a real socket: the in-process server with reqwest, the real binary killed
//! with SIGKILL mid-load (every acknowledged check-in must survive), and posters decoded
//! by an independent QR decoder (zbarimg, after rsvg-convert from librsvg2-bin).
//!   cargo test -p ashyq-server --test socket
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ashyq_server::app;
use ashyq_server::poster::{self, Lang, Size};
use ashyq_server::serve::ConnLimits;
use common::{person, setup_with, telegram_init_now, Backend, ADMIN};
use serde_json::{json, Value};

async fn serve_in_process(t: &common::T) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    serve_with(t, listener, ConnLimits::default()).await;
    addr
}

/// The server's own accept loop (`serve.rs`), with its connection limits.
async fn serve_with(t: &common::T, listener: tokio::net::TcpListener, limits: ConnLimits) {
    let router = app(t.state.clone());
    tokio::spawn(async move {
        ashyq_server::serve::serve(listener, router, limits, std::future::pending())
            .await
            .unwrap();
    });
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client.request(method, url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn over_a_socket(backend: Backend) {
    let mut config = common::config();
    config.rate_per_minute = 60;
    config.rate_burst = 30;
    let Some(t) = setup_with(backend, config).await else {
        return;
    };
    t.citizens(&[1]).await;
    let (_, entry, _) = t.venue("pharmacy", "190440012").await;
    let addr = serve_in_process(&t).await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let (s, v) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/v1/session"),
        None,
        Some(json!({"proof": {"kind": "dev", "iin": person(1).iin}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    let (s, v) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/v1/visits"),
        Some(&token),
        Some(json!({"code": entry, "client_visit_id": "socket-visit-000001"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["visit"]["id"], "socket-visit-000001");
    let (s, v) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/v1/visits"),
        Some(&token),
        Some(json!({"code": "x", "client_visit_id": "socket-visit-000002"})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (422, Some("bad_prefix")));
    // The limit is per client address: exhaust it from 127.0.0.1, then 127.0.0.2 still passes.
    let mut last = 0;
    for _ in 0..40 {
        last = send(
            &client,
            reqwest::Method::GET,
            format!("{base}/v1/keys"),
            None,
            None,
        )
        .await
        .0;
    }
    assert_eq!(last, 429);
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        send(
            &other,
            reqwest::Method::GET,
            format!("{base}/v1/keys"),
            None,
            None
        )
        .await
        .0,
        200
    );
    // /metrics is behind the same limit: read it from the address that still has tokens.
    let (s, m) = send(
        &other,
        reqwest::Method::GET,
        format!("{base}/metrics"),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(m
        .as_str()
        .unwrap()
        .contains("ashyq_checkins_total{direction=\"in\"} 1"));
}

#[tokio::test]
async fn over_a_socket_sqlite() {
    over_a_socket(Backend::Sqlite).await;
}

#[tokio::test]
async fn over_a_socket_postgres() {
    over_a_socket(Backend::Postgres).await;
}

// ---------------------------------------------------------------- crash test

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the crash test's server is started with: not `--dev` (which refuses PostgreSQL),
/// so people sign in with Telegram proofs and venues and citizens come through the
/// import key.
const CRASH_BOT: &str = "424242:crash-test-bot-token";
const CRASH_KEY: &str = "509e2f507684a7a5737af1aa46f562881a0addb8f70b0396861b7007d3e5f030";
/// Seals the signing keys in the database (PostgreSQL needs one).
const CRASH_KEK: &str = "63726173682074657374206b65792d656e6372797074696f6e206b6579212121";

async fn start(dir: &std::path::Path, port: u16, extra: &[&str]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_ashyq-server"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit-per-minute",
            "0",
            "--person-rate-limit-per-minute",
            "0",
            "--telegram-bot-token",
            CRASH_BOT,
            "--import-api-keys",
            &format!("crash:{CRASH_KEY}"),
        ])
        .arg("--data-dir")
        .arg(dir)
        .args(extra)
        .env("ASHYQ_LOG", "warn")
        .env("ASHYQ_KEY_ENCRYPTION_KEY", CRASH_KEK)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let server = Server(child);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status() == 200 {
                return server;
            }
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn crash_test(backend: Backend) {
    let dir = common::temp_dir("crash");
    let mut extra: Vec<String> = Vec::new();
    if backend == Backend::Postgres {
        let Some(url) = common::pg_url() else { return };
        // A fresh database schema for this run: the URL's search_path option.
        let schema = format!("crash_{}_{}", std::process::id(), free_port());
        let sep = if url.contains('?') { '&' } else { '?' };
        extra = vec![
            "--database-url".into(),
            format!("{url}{sep}options=-c%20search_path%3D{schema}"),
        ];
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let port = free_port();
    let server = start(&dir, port, &extra).await;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut codes = Vec::new();
    for (n, (bin, category)) in [
        ("180340021", "grocery"),
        ("190440012", "pharmacy"),
        ("170540033", "restaurant"),
        ("050940044", "transport_hub"),
    ]
    .into_iter()
    .enumerate()
    {
        // No API key registers premises: the operator's command does, on the same database.
        let out = Command::new(env!("CARGO_BIN_EXE_ashyq-server"))
            .args(["venue", "add", "--bin"])
            .arg(ashyq_server::demo::complete_id(bin))
            .args(["--name", &format!("Crash {n}"), "--address", "Алматы"])
            .args([
                "--category",
                category,
                "--pcr-required",
                "false",
                "--entrances",
                "1",
            ])
            .arg("--data-dir")
            .arg(&dir)
            .args(&extra)
            .env_remove("ASHYQ_DATABASE_URL")
            .env("ASHYQ_KEY_ENCRYPTION_KEY", CRASH_KEK)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        codes.push(v["entrances"][0]["entry_code"].as_str().unwrap().to_owned());
    }
    let ns = [1u32, 2, 3, 4];
    let citizens: Vec<Value> = ns
        .iter()
        .map(|&n| {
            json!({"iin": person(n).iin, "name": "Crash", "lastname": "Test", "phone": null,
            "aitu_id": null, "telegram_id": person(n).telegram_id, "vk_id": null})
        })
        .collect();
    let (s, v) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/v1/import"),
        Some(CRASH_KEY),
        Some(json!({"batch_id": "crash-citizens", "citizens": citizens})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let mut people = Vec::new();
    for &n in &ns {
        let token = telegram_session(&client, &base, n).await;
        people.push((person(n).iin, token));
    }
    // One client per person, each entering the four venues in turn (every entry opens a
    // new visit), until the server dies.
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for (p, (iin, token)) in people.iter().enumerate() {
        let (client, base, codes, acked, iin, token) = (
            client.clone(),
            base.clone(),
            codes.clone(),
            acked.clone(),
            iin.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..150 {
                let id = format!("crash-{p}-{i:06}-xxxxxxxx");
                let body =
                    json!({"code": codes[i % codes.len()], "client_visit_id": id}).to_string();
                let sent = client
                    .post(format!("{base}/v1/visits"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push((iin.clone(), id)),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 120 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(server); // SIGKILL, mid-stream
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 120,
        "only {} check-ins before the kill",
        acked.len()
    );

    let _server = start(&dir, port, &extra).await;
    let mut found = std::collections::HashSet::new();
    for (n, (iin, _)) in ns.iter().zip(&people) {
        let token = telegram_session(&client, &base, *n).await;
        let (s, list) = send(
            &client,
            reqwest::Method::GET,
            format!("{base}/v1/visits"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(s, 200);
        for v in list["visits"].as_array().unwrap() {
            found.insert((iin.clone(), v["id"].as_str().unwrap().to_owned()));
        }
    }
    let lost: Vec<_> = acked.iter().filter(|a| !found.contains(*a)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged check-ins lost: {lost:?}",
        lost.len(),
        acked.len()
    );
    eprintln!(
        "crash test ({backend:?}): {} acknowledged check-ins, all present after SIGKILL",
        acked.len()
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A session for test person `n`, signed in through Telegram with fresh init data.
async fn telegram_session(client: &reqwest::Client, base: &str, n: u32) -> String {
    let init = telegram_init_now(n, CRASH_BOT);
    let (s, v) = send(
        client,
        reqwest::Method::POST,
        format!("{base}/v1/session"),
        None,
        Some(json!({"proof": {"kind": "telegram", "init_data": init}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn acknowledged_check_ins_survive_sigkill_sqlite() {
    crash_test(Backend::Sqlite).await;
}

#[tokio::test]
async fn acknowledged_check_ins_survive_sigkill_postgres() {
    crash_test(Backend::Postgres).await;
}

// ---------------------------------------------------------------- posters

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Renders an SVG poster with rsvg-convert and decodes its QR with zbarimg.
fn decode_poster(dir: &std::path::Path, svg: &str) -> String {
    let svg_path = dir.join("poster.svg");
    let png_path = dir.join("poster.png");
    std::fs::write(&svg_path, svg).unwrap();
    let ok = Command::new("rsvg-convert")
        .args(["-w", "1240", "-o"])
        .arg(&png_path)
        .arg(&svg_path)
        .status()
        .unwrap();
    assert!(ok.success());
    // Only QR codes: zbarimg's linear decoders now and then read a stray symbol in the
    // poster (an extra "D02D" line once made this test fail).
    let out = Command::new("zbarimg")
        .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&png_path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

/// Whether the rendered poster (`dir/poster.png`, as `decode_poster` left it) is white in
/// a strip 2 % of its width wide at its left and right edges, below the coloured header:
/// text that ran off the page would show there. None without a PNG → PPM converter
/// (`convert`).
fn edges_are_blank(dir: &std::path::Path) -> Option<bool> {
    let out = Command::new("convert")
        .arg(dir.join("poster.png"))
        .arg("ppm:-")
        .output()
        .ok()?;
    let ppm = out.stdout;
    // P6 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 && i < ppm.len() {
        while i < ppm.len() && ppm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < ppm.len() && !ppm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&ppm[start..i]).into_owned());
    }
    if fields.first().map(String::as_str) != Some("P6") {
        return None;
    }
    let (w, h): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    let pixels = &ppm[i + 1..];
    assert_eq!(pixels.len(), w * h * 3);
    let strip = w / 50;
    let blank = (h / 10..h).all(|y| {
        (0..strip).chain(w - strip..w).all(|x| {
            let p = &pixels[(y * w + x) * 3..][..3];
            p.iter().all(|&c| c >= 250)
        })
    });
    Some(blank)
}

fn poster_tools() -> bool {
    if !have("rsvg-convert") || !have("zbarimg") {
        assert!(
            std::env::var("CI").is_err(),
            "rsvg-convert (librsvg2-bin) and zbarimg (zbar-tools) are needed for the poster test"
        );
        common::loud("SKIP: poster test skipped: install librsvg2-bin and zbar-tools");
        return false;
    }
    true
}

/// Every demo venue's first entry and last exit poster, fetched by the owner, decodes to
/// the code the owner's premises list gives; in each language and size.
#[tokio::test]
async fn poster_qr_decodes_to_the_signed_code() {
    if !poster_tools() {
        return;
    }
    let t = common::setup(Backend::Sqlite).await.unwrap();
    let info = ashyq_server::demo::seed(&t.state).await.unwrap();
    let owner = t.login_iin(&info.businesses[0].owner_iin).await;
    for (i, venue) in info.venues.iter().enumerate() {
        for (entrance, direction, code) in [
            (1, "in", &venue.entrances[0].entry_code),
            (
                venue.entrances.len(),
                "out",
                &venue.entrances.last().unwrap().exit_code,
            ),
        ] {
            // Every language and size on the first venue; one each on the others.
            let combos: Vec<(&str, &str)> = if i == 0 {
                ["kk", "ru", "en"]
                    .into_iter()
                    .flat_map(|l| ["a4", "card"].map(|s| (l, s)))
                    .collect()
            } else {
                vec![(["kk", "ru", "en"][i % 3], ["a4", "card"][i % 2])]
            };
            for (lang, size) in combos {
                let path = format!(
                    "/v1/premises/{}/poster.svg?entrance={entrance}&direction={direction}&lang={lang}&size={size}",
                    venue.venue_id
                );
                let (s, svg) = t.call("GET", &path, Some(&owner), None).await;
                assert_eq!(s, 200, "{svg}");
                assert_eq!(
                    decode_poster(&t.dir, svg.as_str().unwrap()),
                    code.as_str(),
                    "{} entrance {entrance} {direction} {lang} {size}",
                    venue.name
                );
            }
        }
        // The QR stays small enough to scan from A4 at arm's length.
        let version =
            ashyq_core::qr::svg_path(&venue.entrances[0].entry_code, ashyq_core::qr::EcLevel::M)
                .unwrap()
                .version;
        assert!(version <= 15, "{}: QR version {version}", venue.name);
    }
}

// ---------------------------------------------------------------- connection limits

/// Issue 13: a client that sends nothing (or stops halfway through its headers, or stays
/// idle on a kept-alive connection) is cut off after the header deadline, and no more
/// than the cap of connections is served at once.
#[tokio::test]
async fn slow_clients_are_cut_off_and_connections_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = common::setup(Backend::Sqlite).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ConnLimits {
        max_connections: 2,
        header_timeout: Duration::from_millis(700),
        ..ConnLimits::default()
    };
    serve_with(&t, listener, limits).await;

    // Closed by the server: read returns 0 (or an error) well before the test's own limit.
    async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> bool {
        let mut buf = [0u8; 4096];
        let started = Instant::now();
        loop {
            match tokio::time::timeout(
                limit.saturating_sub(started.elapsed()),
                stream.read(&mut buf),
            )
            .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }

    // Half a request line, then silence.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Idle after one complete exchange on a kept-alive connection.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    // Both slots are taken: a third client is not served until the deadline frees one.
    let started = Instant::now();
    let third = tokio::spawn(async move {
        let client = reqwest::Client::new();
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)).await,
        "a slow client kept its socket"
    );
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "an idle client kept its socket"
    );
    assert_eq!(third.await.unwrap().unwrap(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "the third client was served past the cap"
    );
}

// ---------------------------------------------------------------- dev mode

/// Issue 13: `--dev` refuses to start where it could reach production, and says why.
#[test]
fn dev_mode_refuses_to_start_where_it_could_reach_production() {
    let dir = common::temp_dir("devrefuse");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ashyq-server"));
        cmd.args(["serve", "--dev", "--demo"])
            .arg("--data-dir")
            .arg(&dir)
            .args(args);
        for var in [
            "ASHYQ_AITU_API_KEY",
            "ASHYQ_TELEGRAM_BOT_TOKEN",
            "ASHYQ_VK_APP_SECRET",
            "ASHYQ_IMPORT_API_KEYS",
            "ASHYQ_OPS_API_KEYS",
            "ASHYQ_ADMIN_API_KEYS",
            "ASHYQ_DATABASE_URL",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = run(&["--listen", "0.0.0.0:0"], &[]);
    assert!(!ok && err.contains("loopback"), "{err}");
    let (ok, err) = run(
        &[
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://ashyq@127.0.0.1:1/ashyq",
        ],
        &[],
    );
    assert!(!ok && err.contains("PostgreSQL"), "{err}");
    let (ok, err) = run(
        &["--listen", "127.0.0.1:0"],
        &[("ASHYQ_TELEGRAM_BOT_TOKEN", "987654:real-token")],
    );
    assert!(!ok && err.contains("ASHYQ_TELEGRAM_BOT_TOKEN"), "{err}");
    assert!(
        !err.contains("real-token"),
        "the message must not repeat the secret: {err}"
    );
    let (ok, err) = run(
        &[
            "--listen",
            "127.0.0.1:0",
            "--ops-api-keys",
            "oncall:ops-secret-000001",
        ],
        &[],
    );
    assert!(!ok && err.contains("ASHYQ_OPS_API_KEYS"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------- keys on the command line

/// Issue 13: `keys revoke KID` refuses a current key, revokes an older one once, and
/// `keys rotate` says which pass keys it retired.
#[test]
fn keys_revoke_and_rotate_on_the_command_line() {
    let dir = common::temp_dir("keyscli");
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ashyq-server"))
            .args(args)
            .arg("--data-dir")
            .arg(&dir)
            .env_remove("ASHYQ_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let first = ashyq_server::keystore::load_or_create(&dir).unwrap();
    let old_venue = first.venue_signer().key_id().to_string();
    let (ok, out) = cli(&["keys", "revoke", &old_venue]);
    assert!(!ok && out.contains("key_current"), "{out}");
    let (ok, out) = cli(&["keys", "rotate"]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&["keys", "revoke", &old_venue]);
    assert!(
        ok && out.contains(&format!("revoked venue key {old_venue}")),
        "{out}"
    );
    let (ok, out) = cli(&["keys", "revoke", &old_venue]);
    assert!(ok && out.contains("already revoked"), "{out}");
    let (ok, out) = cli(&["keys", "revoke", "zz"]);
    assert!(!ok && out.contains("8 hex digits"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Premises with a 120-character Cyrillic name and address: the poster's lines stay
/// within the page in every language and size, and its QR still decodes.
#[tokio::test]
async fn long_names_stay_on_the_page_and_the_qr_decodes() {
    if !poster_tools() {
        return;
    }
    let t = common::setup(Backend::Sqlite).await.unwrap();
    t.citizens(&[1]).await;
    let owner = t.login(1).await;
    let bin = t.business("180340021", &[1]).await;
    let name = "Торгово-развлекательный центр «Керуен Сити Астана» имени выдающихся деятелей Казахстана, филиал номер сорок два".to_owned();
    let name: String = name.chars().cycle().take(120).collect();
    let address: String = "Қазақстан Республикасы, Астана қаласы, Есіл ауданы, Қабанбай батыр даңғылы, 53-үй, 2-кіреберіс, "
        .chars()
        .cycle()
        .take(120)
        .collect();
    let (s, p) = t
        .call(
            "POST",
            &format!("/v1/business/{bin}/premises"),
            Some(&owner),
            Some(json!({"name": name, "address": address, "category": "mall", "pcr_required": true, "entrances": 1})),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        p["name"],
        name.as_str(),
        "the registry keeps the whole name"
    );
    let vid = p["venue_id"].as_u64().unwrap();
    let code = p["entrances"][0]["entry_code"].as_str().unwrap().to_owned();
    let v = t.state.store.venue(vid).await.unwrap().unwrap();
    for size in Size::ALL {
        let (name_laid, address_laid, width) = poster::layout(&v, size);
        for laid in [&name_laid, &address_laid] {
            assert!(laid.lines.len() <= 3, "{size:?}: {:?}", laid.lines);
            for l in &laid.lines {
                let bold = std::ptr::eq(laid, &name_laid);
                let w = poster::text_width(l, laid.font_size, bold);
                assert!(w <= width, "{size:?}: {w} mm > {width} mm: {l}");
            }
        }
        // Shrunk to fit, not cut: every word of the name is on the poster.
        let printed = name_laid.lines.join(" ");
        assert_eq!(
            printed.split_whitespace().count(),
            name.split_whitespace().count(),
            "{size:?}"
        );
        for lang in Lang::ALL {
            let path = format!(
                "/v1/premises/{vid}/poster.svg?lang={}&size={}",
                lang.code(),
                size.as_str()
            );
            let (s, svg) = t.call("GET", &path, Some(&owner), None).await;
            assert_eq!(s, 200);
            let svg = svg.as_str().unwrap();
            for l in &name_laid.lines {
                assert!(svg.contains(&poster::escape(l)), "{size:?} {lang:?}: {l}");
            }
            assert_eq!(decode_poster(&t.dir, svg), code, "{size:?} {lang:?}");
            match edges_are_blank(&t.dir) {
                Some(blank) => assert!(blank, "{size:?} {lang:?}: ink at the page's edge"),
                None => common::loud("SKIP: poster edge check needs convert (PNG to PPM)"),
            }
        }
    }
}
