//! Issue 25, items 3 and 5, through a real socket and the server's own accept loop: the
//! client address comes only from what the trusted proxy appended to the configured header,
//! IPv6 clients share a bucket per /64, `/metrics` is rate-limited, a weak API secret stops
//! the server at start, and one address cannot hold every connection.
//!   cargo test -p ashyq-server --test net_trust
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test net_trust
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ashyq_server::net::{ClientIpHeader, TrustedProxies};
use ashyq_server::serve::ConnLimits;
use ashyq_server::{app, Config};
use common::{setup_with, Backend, ADMIN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The test client connects from 127.0.0.1: that is "the proxy".
const PROXY: &str = "127.0.0.1";

/// Dev config with two requests of burst and a slow refill (one a minute), behind `PROXY`.
fn limited(header: ClientIpHeader) -> Config {
    let mut c = common::config();
    c.rate_per_minute = 1;
    c.rate_burst = 2;
    c.trusted_proxies = TrustedProxies::parse(PROXY).unwrap();
    c.client_ip_header = header;
    c
}

/// The app behind its own accept loop on a fresh port; None when the backend is skipped.
async fn serve(
    backend: Backend,
    config: Config,
    limits: ConnLimits,
) -> Option<(common::T, SocketAddr)> {
    let t = setup_with(backend, config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(t.state.clone());
    tokio::spawn(async move {
        ashyq_server::serve::serve(listener, router, limits, std::future::pending())
            .await
            .unwrap();
    });
    Some((t, addr))
}

/// The status of `GET path` sent with `headers`.
async fn status(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut req = reqwest::Client::new().get(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap().status().as_u16()
}

// ---------------------------------------------------------------- client address

/// A client that writes its own `Forwarded` (a different address each time) through an
/// nginx-style proxy is still counted under the address the proxy appended to
/// X-Forwarded-For; its neighbour behind the same proxy is not.
async fn a_clients_own_forwarded_header_does_not_pick_its_bucket(backend: Backend) {
    let Some((_t, addr)) = serve(
        backend,
        limited(ClientIpHeader::XForwardedFor),
        ConnLimits::default(),
    )
    .await
    else {
        return;
    };
    let mut got = Vec::new();
    for n in 1..=3 {
        let own = format!("for=198.18.0.{n}");
        got.push(
            status(
                addr,
                "/v1/keys",
                &[("forwarded", &own), ("x-forwarded-for", "203.0.113.1")],
            )
            .await,
        );
    }
    assert_eq!(got, [200, 200, 429], "the client escaped its bucket");
    assert_eq!(
        status(addr, "/v1/keys", &[("x-forwarded-for", "203.0.113.2")]).await,
        200,
        "another client behind the same proxy has its own bucket"
    );
}

#[tokio::test]
async fn a_clients_own_forwarded_header_does_not_pick_its_bucket_sqlite() {
    a_clients_own_forwarded_header_does_not_pick_its_bucket(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_clients_own_forwarded_header_does_not_pick_its_bucket_postgres() {
    a_clients_own_forwarded_header_does_not_pick_its_bucket(Backend::Postgres).await;
}

/// A client that starts X-Forwarded-For itself (a new address each time) is counted under
/// the entry the proxy appended, the right-most; with `--client-ip-header forwarded` the
/// same holds for `Forwarded`, and X-Forwarded-For names nobody.
async fn a_spoofed_leftmost_entry_does_not_change_the_bucket(backend: Backend) {
    let Some((_t, addr)) = serve(
        backend,
        limited(ClientIpHeader::XForwardedFor),
        ConnLimits::default(),
    )
    .await
    else {
        return;
    };
    let mut got = Vec::new();
    for n in 1..=3 {
        let chain = format!("198.18.0.{n}, 203.0.113.1");
        got.push(status(addr, "/v1/keys", &[("x-forwarded-for", &chain)]).await);
    }
    assert_eq!(got, [200, 200, 429]);

    let Some((_t, addr)) = serve(
        backend,
        limited(ClientIpHeader::Forwarded),
        ConnLimits::default(),
    )
    .await
    else {
        return;
    };
    let mut got = Vec::new();
    for n in 1..=3 {
        let chain = format!("for=198.18.0.{n}, for=\"[2001:db8::7]:4711\";proto=https");
        let xff = format!("198.18.1.{n}");
        got.push(
            status(
                addr,
                "/v1/keys",
                &[("forwarded", &chain), ("x-forwarded-for", &xff)],
            )
            .await,
        );
    }
    assert_eq!(got, [200, 200, 429]);
    assert_eq!(
        status(addr, "/v1/keys", &[("forwarded", "for=203.0.113.5")]).await,
        200,
        "another client behind the proxy"
    );
}

#[tokio::test]
async fn a_spoofed_leftmost_entry_does_not_change_the_bucket_sqlite() {
    a_spoofed_leftmost_entry_does_not_change_the_bucket(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_spoofed_leftmost_entry_does_not_change_the_bucket_postgres() {
    a_spoofed_leftmost_entry_does_not_change_the_bucket(Backend::Postgres).await;
}

/// Two addresses in one IPv6 /64 are one client; the next /64 is another.
async fn two_ipv6_addresses_in_one_64_share_a_bucket(backend: Backend) {
    let Some((_t, addr)) = serve(
        backend,
        limited(ClientIpHeader::XForwardedFor),
        ConnLimits::default(),
    )
    .await
    else {
        return;
    };
    let mut got = Vec::new();
    for ip in [
        "2001:db8:1:2::1",
        "2001:db8:1:2:ffff:1:2:3",
        "2001:db8:1:2::9",
    ] {
        got.push(status(addr, "/v1/keys", &[("x-forwarded-for", ip)]).await);
    }
    assert_eq!(got, [200, 200, 429]);
    assert_eq!(
        status(addr, "/v1/keys", &[("x-forwarded-for", "2001:db8:1:3::1")]).await,
        200,
        "the next /64 is another client"
    );
    // An IPv4-mapped IPv6 address is its IPv4 client.
    let mut got = Vec::new();
    for ip in ["192.0.2.44", "::ffff:192.0.2.44", "192.0.2.44"] {
        got.push(status(addr, "/v1/keys", &[("x-forwarded-for", ip)]).await);
    }
    assert_eq!(got, [200, 200, 429]);
}

#[tokio::test]
async fn two_ipv6_addresses_in_one_64_share_a_bucket_sqlite() {
    two_ipv6_addresses_in_one_64_share_a_bucket(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_ipv6_addresses_in_one_64_share_a_bucket_postgres() {
    two_ipv6_addresses_in_one_64_share_a_bucket(Backend::Postgres).await;
}

/// `/metrics` (an ops-key check each time) is counted like the API; `/healthz` is not.
async fn metrics_answers_429_once_the_limit_is_hit(backend: Backend) {
    let mut config = limited(ClientIpHeader::XForwardedFor);
    config.trusted_proxies = TrustedProxies::default();
    let Some((_t, addr)) = serve(backend, config, ConnLimits::default()).await else {
        return;
    };
    let bearer = format!("Bearer {ADMIN}");
    let wrong = "Bearer 0000000000000000000000000000000000000000";
    let got = [
        status(addr, "/metrics", &[("authorization", &bearer)]).await,
        status(addr, "/metrics", &[("authorization", wrong)]).await,
        status(addr, "/metrics", &[("authorization", &bearer)]).await,
    ];
    assert_eq!(got, [200, 401, 429], "guesses at the ops key are not free");
    assert_eq!(status(addr, "/healthz", &[]).await, 200);
}

#[tokio::test]
async fn metrics_answers_429_once_the_limit_is_hit_sqlite() {
    metrics_answers_429_once_the_limit_is_hit(Backend::Sqlite).await;
}

#[tokio::test]
async fn metrics_answers_429_once_the_limit_is_hit_postgres() {
    metrics_answers_429_once_the_limit_is_hit(Backend::Postgres).await;
}

// ---------------------------------------------------------------- API secrets at start

/// `serve` with `args` and no key from the environment; (exited with success, stderr).
/// A server that does start is killed after a second and counts as started.
fn start(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ashyq-server"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir)
        .args(args);
    for var in [
        "ASHYQ_IMPORT_API_KEYS",
        "ASHYQ_OPS_API_KEYS",
        "ASHYQ_ADMIN_API_KEYS",
        "ASHYQ_DATABASE_URL",
        "ASHYQ_KEY_ENCRYPTION_KEY",
        "ASHYQ_KEY_ENCRYPTION_KEY_COMMAND",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let running = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if started.elapsed() > Duration::from_secs(5) {
            break true;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if running {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    (
        running || out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A weak import or ops secret stops the server at start, naming the key and never the
/// secret; a random one starts.
#[test]
fn a_weak_api_secret_refuses_to_start_with_a_clear_message() {
    let dir = common::temp_dir("weakkey");
    let repetitive = "a".repeat(40);
    let counting = "0123456789".repeat(4);
    for (flag, keys, id, secret) in [
        (
            "--import-api-keys",
            format!("lab-7:{repetitive}"),
            "lab-7",
            repetitive.as_str(),
        ),
        (
            "--ops-api-keys",
            format!("oncall:{counting}"),
            "oncall",
            counting.as_str(),
        ),
        (
            "--ops-api-keys",
            "pager:Xk3d9Qm2Lp8Zr4".to_string(),
            "pager",
            "Xk3d9Qm2Lp8Zr4",
        ),
    ] {
        let (ok, err) = start(&dir, &[flag, &keys]);
        assert!(!ok, "started with a weak {id} secret");
        assert!(err.contains(id), "the message names the key: {err}");
        assert!(
            !err.contains(secret),
            "the message repeats the secret: {err}"
        );
    }
    let (_, err) = start(&dir, &["--ops-api-keys", &format!("oncall:{counting}")]);
    assert!(err.contains("too easy to guess"), "{err}");
    let strong = "a7cbfdf4463184bd90fb3439a1daf97a77f7dc906d4d9e82c12c14d0d49a6338";
    let (ok, err) = start(&dir, &["--import-api-keys", &format!("lab-7:{strong}")]);
    assert!(ok, "a random secret is refused: {err}");
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------- connections per address

/// A TCP connection from `from` (any 127/8 address is this machine).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    socket.connect(to).await.unwrap()
}

/// Sends `GET /healthz` from `from` and returns the status line, or None when the
/// connection is closed without one.
async fn healthz_from(from: &str, to: SocketAddr) -> Option<String> {
    let mut s = connect_from(from, to).await;
    // A refused connection may already be closed: a failed write is an answer too.
    let _ = s
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.lines()
        .next()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

/// One address holding its cap of silent connections cannot keep another client from
/// being served; its own extra connections are refused at once (503, closed) instead of
/// waiting for the header deadline; a connection it closes frees a place; and the trusted
/// proxy, whose address carries all its clients, is not capped.
#[tokio::test]
async fn a_client_holding_its_maximum_of_idle_connections_cannot_stop_another() {
    let mut config = common::config();
    config.trusted_proxies = TrustedProxies::parse("127.0.0.4").unwrap();
    let limits = ConnLimits {
        max_connections: 64,
        max_per_ip: 4,
        uncapped: config.trusted_proxies.clone(),
        // Longer than the test: the idle connections stay open throughout.
        header_timeout: Duration::from_secs(30),
    };
    let (_t, addr) = serve(Backend::Sqlite, config, limits).await.unwrap();

    // Three connections that send nothing, and one that stops halfway through its headers.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect_from("127.0.0.2", addr).await);
    }
    idle[3]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let refused = healthz_from("127.0.0.2", addr).await;
    assert!(
        refused
            .as_deref()
            .is_none_or(|l| l.starts_with("HTTP/1.1 503")),
        "an extra connection was served: {refused:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the extra connection was not refused at once"
    );
    assert_eq!(
        healthz_from("127.0.0.3", addr).await.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "another client was not served"
    );
    // Closing one idle connection makes room for a request.
    drop(idle.pop());
    let mut served = None;
    for _ in 0..50 {
        served = healthz_from("127.0.0.2", addr).await;
        if served.as_deref() == Some("HTTP/1.1 200 OK") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(served.as_deref(), Some("HTTP/1.1 200 OK"));
    // The proxy may hold more than the cap: its clients are many.
    let mut through_proxy = Vec::new();
    for _ in 0..6 {
        through_proxy.push(connect_from("127.0.0.4", addr).await);
    }
    assert_eq!(
        healthz_from("127.0.0.4", addr).await.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "the trusted proxy was capped"
    );
    drop(idle);
}
