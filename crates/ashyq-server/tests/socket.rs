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
use common::{person, setup_with, Backend, ADMIN};
use serde_json::{json, Value};

async fn serve_in_process(t: &common::T) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(t.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
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
    let (s, m) = send(
        &client,
        reqwest::Method::GET,
        format!("{base}/metrics"),
        None,
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

async fn start(dir: &std::path::Path, port: u16, extra: &[&str]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_ashyq-server"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--dev",
            "--demo",
            "--rate-limit-per-minute",
            "0",
        ])
        .arg("--data-dir")
        .arg(dir)
        .args(extra)
        .env("ASHYQ_LOG", "warn")
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
    let (_, demo) = send(
        &client,
        reqwest::Method::GET,
        format!("{base}/dev/api/demo"),
        None,
        None,
    )
    .await;
    let codes: Vec<String> = demo["venues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["entrances"][0]["entry_code"].as_str().unwrap().to_owned())
        .collect();
    let mut people = Vec::new();
    for c in demo["citizens"].as_array().unwrap() {
        let (s, v) = send(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/session"),
            None,
            Some(json!({"proof": {"kind": "dev", "iin": c["iin"]}})),
        )
        .await;
        assert_eq!(s, 200);
        people.push((
            c["iin"].as_str().unwrap().to_owned(),
            v["token"].as_str().unwrap().to_owned(),
        ));
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
    for (iin, _) in &people {
        let (_, v) = send(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/session"),
            None,
            Some(json!({"proof": {"kind": "dev", "iin": iin}})),
        )
        .await;
        let token = v["token"].as_str().unwrap().to_owned();
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

#[tokio::test]
async fn poster_qr_decodes_to_the_signed_code() {
    if !have("rsvg-convert") || !have("zbarimg") {
        assert!(
            std::env::var("CI").is_err(),
            "rsvg-convert (librsvg2-bin) and zbarimg (zbar-tools) are needed for the poster test"
        );
        common::loud("SKIP: poster test skipped: install librsvg2-bin and zbar-tools");
        return;
    }
    let t = common::setup(Backend::Sqlite).await.unwrap();
    let info = ashyq_server::demo::seed(&t.state).await.unwrap();
    for venue in &info.venues {
        for (entrance, direction, code) in [
            (1, "in", &venue.entrances[0].entry_code),
            (
                venue.entrances.len(),
                "out",
                &venue.entrances.last().unwrap().exit_code,
            ),
        ] {
            let path = format!(
                "/v1/venues/{}/poster.svg?entrance={entrance}&direction={direction}",
                venue.venue_id
            );
            let (s, svg) = t.call("GET", &path, Some(ADMIN), None).await;
            assert_eq!(s, 200);
            let svg_path = t.dir.join("poster.svg");
            let png_path = t.dir.join("poster.png");
            std::fs::write(&svg_path, svg.as_str().unwrap()).unwrap();
            let ok = Command::new("rsvg-convert")
                .args(["-w", "1240", "-o"])
                .arg(&png_path)
                .arg(&svg_path)
                .status()
                .unwrap();
            assert!(ok.success());
            let out = Command::new("zbarimg")
                .args(["-q", "--raw"])
                .arg(&png_path)
                .output()
                .unwrap();
            let decoded = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                decoded.trim_end_matches('\n'),
                code.as_str(),
                "{} entrance {entrance} {direction}",
                venue.name
            );
        }
        // The QR stays small enough to scan from A4 at arm's length.
        let version =
            ashyq_core::qr::svg_path(&venue.entrances[0].entry_code, ashyq_core::qr::EcLevel::M)
                .unwrap()
                .version;
        assert!(version <= 15, "{}: QR version {version}", venue.name);
    }
}
