//! Following the PostgreSQL primary across failovers, for [`PgStore`](super::PgStore).
//!
//! sqlx 0.8 connects to one host and knows no `target_session_attrs`, while an HA cluster
//! (pg_auto_failover, Patroni) hands out a libpq-style URL naming every node:
//!
//! ```text
//! postgres://ashyq:…@db1:5432,db2:5432/ashyq?target_session_attrs=read-write&connect_timeout=2
//! ```
//!
//! [`Primary`] reads such a URL, finds the host whose `pg_is_in_recovery()` is false (and
//! that is not fenced read-only, as a standby being promoted is for a few seconds) and
//! keeps one pool to it. When a call on that pool fails as an outage (no connection, the
//! server shutting down, a write refused as read-only: whatever maps to
//! [`StoreError::Unavailable`]), a background task looks for the primary again, at most
//! every [`RETRY`], and swaps the pool. While no host is primary, [`Primary::pool`] answers
//! `Unavailable` at once, so a request gets its 503 without waiting for a connect timeout.
//!
//! Every store call takes the pool once, at its start, and does all its work on it: a
//! transaction never spans two pools, and a swap only affects calls that start after it.
//! A pool never holds a connection to a standby: its `after_connect` refuses one, so a
//! node that was demoted and came back as standby serves no stale reads.
//!
//! A URL with one host and no `target_session_attrs` is used as it is, as before: one
//! pool, never swapped, no check of the host's role.

use std::str::FromStr;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Pool, Postgres};
use tokio::sync::Notify;

use super::types::{StoreError, StoreResult};

/// The shortest time between two searches for the primary.
pub(super) const RETRY: Duration = Duration::from_millis(250);
/// How often an idle store checks that its host is still the primary. Calls notice an
/// outage by themselves; this covers a node with no traffic, whose first call would
/// otherwise wait out the pool's acquire timeout on a dead host.
const CHECK: Duration = Duration::from_secs(1);
/// How long one host may take to connect and answer during a search, unless the URL says
/// otherwise (`connect_timeout`, seconds, as libpq reads it).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a call waits for a pooled connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A parsed database URL: the connect options of each host, in the URL's order.
#[derive(Debug, Clone)]
pub(super) struct Targets {
    pub hosts: Vec<PgConnectOptions>,
    /// Whether to look for the read-write host (a multi-host URL, or
    /// `target_session_attrs=read-write`), or use the one host as it is.
    pub follow: bool,
    pub probe_timeout: Duration,
}

impl Targets {
    /// Reads a `postgres://` URL with one host or a comma-separated list
    /// (`h1:p1,h2:p2`, `[::1]:5432`). `target_session_attrs` may be absent, `any`,
    /// `read-write` or `primary`: a store writes, so with several hosts it always wants
    /// the primary.
    ///
    /// Fails when the URL does not parse or asks for a standby.
    pub fn parse(url: &str) -> StoreResult<Targets> {
        let bad = |why: &str| StoreError::Internal(format!("database URL: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected postgres://"))?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hostlist) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let mut follow = false;
        let mut probe_timeout = PROBE_TIMEOUT;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "target_session_attrs" => match value {
                    "read-write" | "primary" => follow = true,
                    "any" => {}
                    _ => return Err(bad(
                        "the store writes: target_session_attrs must be read-write, primary or any",
                    )),
                },
                // libpq's: whole seconds, per host. sqlx has no such option.
                "connect_timeout" => {
                    let secs: u64 = value
                        .parse()
                        .map_err(|_| bad("connect_timeout must be whole seconds"))?;
                    probe_timeout = Duration::from_secs(secs.max(1));
                }
                _ => kept.push(pair),
            }
        }
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        let names: Vec<&str> = hostlist.split(',').collect();
        if names.iter().any(|h| h.is_empty()) && names.len() > 1 {
            return Err(bad("an empty host in the host list"));
        }
        follow |= names.len() > 1;
        let hosts = names
            .iter()
            .map(|host| {
                PgConnectOptions::from_str(&format!("{scheme}://{userinfo}{host}{path}{query}"))
                    .map_err(|e| StoreError::Unavailable(e.to_string()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Targets {
            hosts,
            follow,
            probe_timeout,
        })
    }
}

/// The pool of the current primary, or none while no host takes writes. Clones share it.
#[derive(Clone)]
pub(super) struct Primary {
    shared: Arc<Shared>,
}

struct Shared {
    targets: Targets,
    max_connections: u32,
    /// The host (index into `targets.hosts`) and its pool.
    current: RwLock<Option<(usize, Pool<Postgres>)>>,
    /// Wakes the search task; a permit is kept when it is busy, so no outage goes unseen.
    wake: Notify,
}

impl Primary {
    /// Finds the primary and opens a pool to it, with `setup` applied to each host's
    /// options (the tests' `search_path`). With several hosts, starts the task that
    /// follows the primary from then on.
    ///
    /// Fails with `Unavailable` when no host is reachable and primary, `Internal` when the
    /// URL is wrong.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        setup: impl Fn(PgConnectOptions) -> PgConnectOptions,
    ) -> StoreResult<Primary> {
        let mut targets = Targets::parse(url)?;
        targets.hosts = targets.hosts.into_iter().map(setup).collect();
        let shared = Arc::new(Shared {
            targets,
            max_connections,
            current: RwLock::new(None),
            wake: Notify::new(),
        });
        if !shared.targets.follow {
            // One host, as before: its pool reconnects by itself when it is back.
            let pool = shared
                .pool_options()
                .connect_with(shared.targets.hosts[0].clone())
                .await?;
            shared.set(Some((0, pool)));
            return Ok(Primary { shared });
        }
        shared.search().await?;
        tokio::spawn(follow(Arc::downgrade(&shared)));
        Ok(Primary { shared })
    }

    /// The current primary's pool (a cheap handle: clone it once per call and do the whole
    /// call on it). `Unavailable` at once while there is none.
    pub fn pool(&self) -> StoreResult<Pool<Postgres>> {
        let current = self
            .shared
            .current
            .read()
            .expect("no writer panics holding the lock");
        match current.as_ref() {
            Some((_, pool)) => Ok(pool.clone()),
            None => {
                self.shared.wake.notify_one();
                Err(StoreError::Unavailable(
                    "no PostgreSQL primary right now".into(),
                ))
            }
        }
    }

    /// Passes a call's result through; an outage makes the task look for the primary again.
    pub fn watch<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if self.shared.targets.follow && matches!(result, Err(StoreError::Unavailable(_))) {
            self.shared.wake.notify_one();
        }
        result
    }
}

impl Drop for Primary {
    fn drop(&mut self) {
        // The task holds only a weak reference: woken, it finds the store gone and ends.
        self.shared.wake.notify_one();
    }
}

/// The search task: waits for an outage (or checks the current host every [`CHECK`]),
/// then searches; while there is no primary, searches every [`RETRY`].
async fn follow(shared: Weak<Shared>) {
    loop {
        let Some(s) = shared.upgrade() else { return };
        let have_primary = s
            .current
            .read()
            .expect("no writer panics holding the lock")
            .is_some();
        if have_primary {
            // Waiting holds the Arc: Drop's notify wakes this wait, and the next turn ends.
            tokio::select! {
                _ = s.wake.notified() => {
                    if Arc::strong_count(&s) == 1 {
                        return;
                    }
                }
                _ = tokio::time::sleep(CHECK) => {
                    if s.current_is_primary().await {
                        continue;
                    }
                }
            }
        }
        let started = tokio::time::Instant::now();
        if let Err(e) = s.search().await {
            tracing::warn!(error = %e, "looking for the PostgreSQL primary");
        }
        drop(s);
        tokio::time::sleep_until(started + RETRY).await;
    }
}

impl Shared {
    fn pool_options(&self) -> PgPoolOptions {
        // A database that is down answers in seconds with a typed 503, not after half a
        // minute; the pool reconnects by itself when it is back. No ping before each use of
        // a pooled connection: it was a second round trip in front of every one-statement
        // read (status lookups +65 % without it, docs/BENCHMARKS.md §3). sqlx still tests a
        // connection when it comes back to the pool; one that died while idle fails its
        // next statement, answered 503, and that outage starts the search for the primary.
        let options = PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false);
        if !self.targets.follow {
            return options;
        }
        // A host that became a standby since it was found keeps no connection of ours.
        options.after_connect(|conn, _| {
            Box::pin(async move {
                if !writable(conn).await? {
                    return Err(sqlx::Error::Io(std::io::Error::other(
                        "this PostgreSQL host takes no writes now",
                    )));
                }
                Ok(())
            })
        })
    }

    fn set(&self, new: Option<(usize, Pool<Postgres>)>) -> Option<(usize, Pool<Postgres>)> {
        let mut current = self
            .current
            .write()
            .expect("no writer panics holding the lock");
        std::mem::replace(&mut current, new)
    }

    fn take(&self) -> Option<(usize, Pool<Postgres>)> {
        self.set(None)
    }

    /// Whether the current pool still reaches a primary.
    async fn current_is_primary(&self) -> bool {
        let Some((_, pool)) = self
            .current
            .read()
            .expect("no writer panics holding the lock")
            .clone()
        else {
            return false;
        };
        let ask = async {
            let mut conn = pool.acquire().await?;
            writable(&mut conn).await
        };
        matches!(
            tokio::time::timeout(self.targets.probe_timeout, ask).await,
            Ok(Ok(true))
        )
    }

    fn current_host(&self) -> Option<usize> {
        let current = self
            .current
            .read()
            .expect("no writer panics holding the lock");
        current.as_ref().map(|c| c.0)
    }

    /// Asks every host at once whether it is the primary; keeps the current pool when its
    /// host still is, else swaps in a pool to the first primary in the URL's order, or
    /// none. Fails (`Unavailable`) when no host is primary.
    async fn search(&self) -> StoreResult<()> {
        let probes: Vec<_> = self
            .targets
            .hosts
            .iter()
            .map(|opts| tokio::spawn(probe(opts.clone(), self.targets.probe_timeout)))
            .collect();
        let mut answers = Vec::with_capacity(probes.len());
        for p in probes {
            answers.push(p.await.unwrap_or_else(|e| Err(e.to_string())));
        }
        let current = self.current_host();
        if let Some(i) = current {
            if answers[i] == Ok(true) {
                return Ok(());
            }
        }
        for (i, answer) in answers.iter().enumerate() {
            if *answer != Ok(true) {
                continue;
            }
            let pool = match tokio::time::timeout(
                self.targets.probe_timeout,
                self.pool_options()
                    .connect_with(self.targets.hosts[i].clone()),
            )
            .await
            {
                Ok(Ok(pool)) => pool,
                Ok(Err(e)) => {
                    tracing::warn!(host = %self.host_name(i), error = %e, "the primary refused a pool");
                    continue;
                }
                Err(_) => continue,
            };
            tracing::warn!(host = %self.host_name(i), "following the PostgreSQL primary");
            if let Some((_, old)) = self.set(Some((i, pool))) {
                // Calls still holding the old pool fail fast instead of waiting on a dead host.
                tokio::spawn(async move { old.close().await });
            }
            return Ok(());
        }
        if let Some((i, old)) = self.take() {
            tracing::warn!(host = %self.host_name(i), "lost the PostgreSQL primary");
            tokio::spawn(async move { old.close().await });
        }
        let seen: Vec<String> = answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let what = match a {
                    Ok(true) => "primary, but no pool".to_owned(),
                    Ok(false) => "standby or read-only".to_owned(),
                    Err(e) => e.clone(),
                };
                format!("{}: {what}", self.host_name(i))
            })
            .collect();
        Err(StoreError::Unavailable(format!(
            "no PostgreSQL primary ({})",
            seen.join("; ")
        )))
    }

    fn host_name(&self, i: usize) -> String {
        let o = &self.targets.hosts[i];
        format!("{}:{}", o.get_host(), o.get_port())
    }
}

/// Whether a host is the primary and takes writes: `Ok(true)`; a standby or a fenced
/// primary: `Ok(false)`; or why not known.
async fn probe(opts: PgConnectOptions, timeout: Duration) -> Result<bool, String> {
    let ask = async {
        let mut conn = opts.connect().await?;
        let primary = writable(&mut conn).await?;
        let _ = conn.close().await;
        Ok::<bool, sqlx::Error>(primary)
    };
    match tokio::time::timeout(timeout, ask).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer in {timeout:?}")),
    }
}

/// Whether a connection's host takes writes: not a standby, and not a promoted standby still
/// fenced read-only (pg_auto_failover keeps a new primary read-only until the old one must
/// have stopped; libpq's `read-write` checks `transaction_read_only` for the same reason).
async fn writable(conn: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
    )
    .fetch_one(conn)
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    fn hosts(t: &Targets) -> Vec<(String, u16)> {
        t.hosts
            .iter()
            .map(|o| (o.get_host().to_owned(), o.get_port()))
            .collect()
    }

    #[test]
    fn one_host_is_used_as_it_is() {
        let t = Targets::parse("postgres://ashyq:pw@127.0.0.1:5432/ashyq_test").unwrap();
        assert!(!t.follow);
        assert_eq!(hosts(&t), [("127.0.0.1".to_owned(), 5432)]);
        assert_eq!(t.hosts[0].get_database(), Some("ashyq_test"));
        assert_eq!(t.hosts[0].get_username(), "ashyq");
    }

    #[test]
    fn the_cluster_url_names_both_nodes_and_follows() {
        let t = Targets::parse(
            "postgres://ashyq:ashyq@127.0.0.1:55431,127.0.0.1:55432/ashyq?target_session_attrs=read-write&sslmode=prefer&connect_timeout=5",
        )
        .unwrap();
        assert!(t.follow);
        assert_eq!(
            hosts(&t),
            [
                ("127.0.0.1".to_owned(), 55431),
                ("127.0.0.1".to_owned(), 55432)
            ]
        );
        assert!(t.hosts.iter().all(|h| h.get_database() == Some("ashyq")));
        assert_eq!(t.probe_timeout, Duration::from_secs(5));
    }

    #[test]
    fn several_hosts_follow_without_being_told() {
        let t = Targets::parse("postgresql://u@db1,db2:5433/x").unwrap();
        assert!(t.follow);
        assert_eq!(
            hosts(&t),
            [("db1".to_owned(), 5432), ("db2".to_owned(), 5433)]
        );
    }

    #[test]
    fn one_host_with_read_write_follows_it() {
        assert!(
            Targets::parse("postgres://u@h/x?target_session_attrs=read-write")
                .unwrap()
                .follow
        );
    }

    #[test]
    fn a_standby_or_a_broken_list_is_refused() {
        assert!(matches!(
            Targets::parse("postgres://u@h1,h2/x?target_session_attrs=standby"),
            Err(StoreError::Internal(_))
        ));
        assert!(Targets::parse("postgres://u@h1,,h2/x").is_err());
        assert!(Targets::parse("h1,h2/x").is_err());
    }
}
