//! The HTTP/1 accept loop, with the limits `axum::serve` does not offer: a cap on open
//! connections, a smaller cap per client address, a deadline for a request's headers
//! (which is also how long an idle keep-alive connection may wait for its next request:
//! hyper starts the same timer, from the moment the connection is accepted), and a
//! deadline for the whole request, body included. Slow or silent clients then cannot hold
//! the server's sockets: each gives its connections up within the header deadline, and no
//! one address can hold more than its share meanwhile.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::net::{client_key, TrustedProxies};

#[derive(Debug, Clone, PartialEq)]
pub struct ConnLimits {
    /// Connections open at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Connections open at once from one peer address (an IPv6 peer by its /64); one more
    /// is answered 503 and closed at once. 0: no such cap.
    pub max_per_ip: usize,
    /// Peers the per-address cap does not apply to: the trusted proxies, whose one address
    /// carries every client behind them (the proxy caps those clients itself).
    pub uncapped: TrustedProxies,
    /// From the moment a connection is accepted (or from the last response on a kept-alive
    /// connection) to the end of a request's headers.
    pub header_timeout: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: 4096,
            max_per_ip: 64,
            uncapped: TrustedProxies::default(),
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Open connections per peer key.
struct PerIp {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; gives its place back when dropped.
struct Slot {
    table: Arc<PerIp>,
    key: IpAddr,
}

impl PerIp {
    /// A place for one more connection from `key`, or None when it has `max` open.
    fn take(self: &Arc<Self>, key: IpAddr) -> Option<Slot> {
        // A poisoned lock only means another connection's task panicked mid-update; the
        // counts are still counts.
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            table: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// What a connection over its address's cap is told before it is closed. Written without
/// waiting (the socket's buffer is empty), so a client that reads nothing costs nothing.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
    content-type: text/plain; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\n\
    content-length: 36\r\n\r\ntoo many connections from one client";

/// Serves `router` on `listener` until `shutdown` resolves, then waits up to 10 s for
/// requests in flight. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = Arc::new(PerIp {
        max: limits.max_per_ip,
        open: Mutex::new(HashMap::new()),
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let peer_ip = peer.ip().to_canonical();
        let slot = if per_ip.max == 0 || limits.uncapped.contains(peer_ip) {
            None
        } else {
            match per_ip.take(client_key(peer_ip)) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(peer = %peer_ip, "connection over the per-address cap");
                    let _ = stream.try_write(TOO_MANY_CONNECTIONS);
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out, malformed): nothing to report.
            let _ = conn.await;
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still running 10 s after shutdown began; stopping anyway");
        }
    }
    Ok(())
}
