//! The PostgreSQL store follows the primary of a multi-host URL, without a cluster: the
//! "nodes" are local ports, each either closed or a switchable TCP relay to the one
//! PostgreSQL of ASHYQ_TEST_POSTGRES_URL. A relay switched off drops its connections and
//! refuses new ones, as a killed node does.
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test pg_follow
//! (skipped loudly without the URL; ASHYQ_REQUIRE_POSTGRES=1 makes it fail instead). The
//! real failover, with pg_auto_failover and two server processes: `./build.sh drill`.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ashyq_server::store::{PgStore, Store, StoreError};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The host:port of the test database, and the URL with `{hosts}` where it stood.
fn split_url(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    (host, format!("{scheme}://{userinfo}{{hosts}}{tail}"))
}

/// A port nothing listens on.
async fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// A TCP relay on a fixed local port to the real database, which can be switched off
/// (listener and every relayed connection gone) and on again.
struct Relay {
    addr: SocketAddr,
    to: String,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn new(to: &str) -> Relay {
        let addr = closed_port().await;
        Relay {
            addr,
            to: to.to_owned(),
            task: None,
        }
    }

    async fn on(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        let to = self.to.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut a, _)) = listener.accept().await else {
                    return;
                };
                let to = to.clone();
                conns.spawn(async move {
                    if let Ok(mut b) = TcpStream::connect(&to).await {
                        let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                    }
                });
            }
            // Aborting this task drops the JoinSet, which aborts every relayed connection.
        }));
    }

    async fn off(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }
}

fn schema() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("t_follow_{}_{nanos}", std::process::id())
}

#[tokio::test]
async fn the_first_host_down_the_second_primary_works() {
    let Some(url) = common::pg_url() else { return };
    let (db, template) = split_url(&url);
    let down = closed_port().await;
    let multi = template.replace("{hosts}", &format!("{down},{db}"))
        + if template.contains('?') { "&" } else { "?" }
        + "target_session_attrs=read-write";
    let store = PgStore::connect(&multi, Some(&schema()), 2).await.unwrap();
    store.ping().await.unwrap();
    assert!(store.venues().await.unwrap().is_empty());
}

#[tokio::test]
async fn no_host_reachable_is_unavailable_at_once() {
    let Some(url) = common::pg_url() else { return };
    let (_, template) = split_url(&url);
    let hosts = format!("{},{}", closed_port().await, closed_port().await);
    let started = Instant::now();
    let r = PgStore::connect(&template.replace("{hosts}", &hosts), None, 2).await;
    assert!(
        matches!(r, Err(StoreError::Unavailable(_))),
        "{:?}",
        r.err()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// The primary goes away: calls are answered `Unavailable` within moments, not after a
/// connect timeout each; another host becomes primary: the same store uses it by itself.
#[tokio::test]
async fn the_store_follows_the_primary_to_another_host() {
    let Some(url) = common::pg_url() else { return };
    let (db, template) = split_url(&url);
    let mut a = Relay::new(&db).await;
    let mut b = Relay::new(&db).await;
    a.on().await;
    let multi = template.replace("{hosts}", &format!("{},{}", a.addr, b.addr));
    let store = Arc::new(PgStore::connect(&multi, Some(&schema()), 2).await.unwrap());
    store.ping().await.unwrap();

    // The primary dies. The first calls may see the broken connection; within a second
    // the store knows there is no primary and answers at once.
    a.off().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let t = Instant::now();
        let r = store.venues().await;
        assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
        if t.elapsed() < Duration::from_millis(50) {
            break;
        }
        assert!(Instant::now() < deadline, "calls still wait after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Another host takes over: no restart, no operator.
    b.on().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.venues().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the new primary was not found in 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.ping().await.unwrap();
}

/// A write refused as read-only (SQLSTATE 25006, which is all digits) is an outage, a 503
/// the client retries, not a 500; and a host fenced read-only, as pg_auto_failover fences a
/// standby it is promoting, is not taken for the primary.
#[tokio::test]
async fn a_read_only_host_is_unavailable_not_an_error() {
    let Some(url) = common::pg_url() else { return };
    let (db, template) = split_url(&url);
    let sep = if template.contains('?') { "&" } else { "?" };
    let fenced = format!("{sep}options=-c%20default_transaction_read_only%3Don");
    // One host, used as it is: the migration's first write is refused.
    let one = template.replace("{hosts}", &db) + &fenced;
    let r = PgStore::connect(&one, None, 2).await;
    assert!(
        matches!(r, Err(StoreError::Unavailable(_))),
        "{:?}",
        r.err()
    );
    // Followed: no host takes writes, so there is no primary.
    let two = template.replace("{hosts}", &format!("{},{db}", closed_port().await)) + &fenced;
    match PgStore::connect(&two, None, 2).await {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("read-only"), "{why}"),
        r => panic!("{:?}", r.err()),
    }
}
