//! SQLite's check-in writer: one thread with its own connection that records scans in
//! groups, one transaction and one fsync per group.
//!
//! sqlx runs every SQLite statement on a worker thread of its connection and hands it
//! there and back through channels: a scan's seven or so statements cost as many thread
//! hand-offs, and under load the server spent more time in the scheduler than in SQLite
//! (docs/BENCHMARKS.md §3). Here a whole group of scans runs on one thread with direct
//! calls (rusqlite, on the same `libsqlite3-sys` as sqlx): one hand-off to the thread per
//! scan and one answer back. The decisions are the shared ones (`visits::check_in_tx`,
//! `exposure::trace_stay`); only the statements' execution is this file's.

use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::Policy;
use ashyq_core::visit::OpenVisit;
use ashyq_core::Timestamp;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OpenFlags, OptionalExtension};
use tokio::sync::{mpsc, oneshot};

use super::exposure::{
    insert_contacts_sql, CONTACTS_PER_INSERT, INFECTIOUS_NEAR, POSITIVES_OF, POSITIVE_BETWEEN,
    STAYS_NEAR,
};
use super::scan_conn::{Earlier, NearStay, Open, ScanConn};
use super::sql::to_u64;
use super::sqlite_read;
use super::types::{Scan, ScanResult, StoreError, StoreResult};
use super::visits::{check_in_tx, CLOSE, INSERT_SCAN, INSERT_VISIT, SELECT_OPEN, SELECT_SCAN};

/// Most scans written in one transaction.
pub(super) const GROUP_MAX: usize = 128;

pub(super) struct ScanJob {
    pub(super) scan: Scan,
    pub(super) now: Timestamp,
    pub(super) policy: Policy,
    pub(super) reply: oneshot::Sender<StoreResult<ScanResult>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match &e {
            // SQLite primary result codes (extended codes keep them in the low byte):
            // BUSY 5, LOCKED 6, NOMEM 7, IOERR 10, FULL 13, CANTOPEN 14 say the database
            // cannot serve now and may again later.
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(f.extended_code & 0xff, 5 | 6 | 7 | 10 | 13 | 14) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

/// Opens the writer's connection to the (migrated) database at `path` and starts its
/// thread, which ends when every sender of `jobs` is gone.
pub(super) fn spawn(path: &Path, jobs: mpsc::Receiver<ScanJob>) -> StoreResult<()> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The same settings as the sqlx connections (sqlite.rs): a commit is on disk before
    // it returns (WAL, synchronous=FULL), deleted records are overwritten.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(32);
    // The pages a group writes over are read again by the next: keep them at hand.
    conn.pragma_update(None, "cache_size", -32_768)?;
    std::thread::Builder::new()
        .name("ashyq-scan-writer".into())
        .spawn(move || run(conn, jobs))
        .map_err(|e| StoreError::Internal(format!("cannot start the check-in writer: {e}")))?;
    Ok(())
}

/// Scans that arrive while a group is on its way to disk are written together in the
/// next transaction (each in its own savepoint), and each is answered only after that
/// commit: an acknowledged check-in is on disk.
fn run(mut conn: Connection, mut jobs: mpsc::Receiver<ScanJob>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        tracing::trace!(size = batch.len(), "group commit");
        match run_group(&mut conn, &batch) {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing of the group was acknowledged; whatever is left of its
                // transaction goes (an error here means there was none left).
                let _ = conn.execute_batch("ROLLBACK");
                let text = e.to_string();
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Unavailable(text.clone())));
                }
            }
        }
    }
}

fn exec(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// One transaction for a group of scans. Returns each scan's result, or the error that
/// kept the whole group from committing (then nothing of it was acknowledged).
fn run_group(
    conn: &mut Connection,
    batch: &[ScanJob],
) -> StoreResult<Vec<StoreResult<ScanResult>>> {
    // IMMEDIATE: the write lock from the start, so the scans read what they write over
    // (other writers, such as imports, wait on the busy timeout meanwhile).
    exec(conn, "BEGIN IMMEDIATE")?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        exec(conn, "SAVEPOINT scan")?;
        let result = ready(check_in_tx(
            &mut Lite(conn),
            &job.scan,
            job.now,
            &job.policy,
        ));
        if !matches!(result, Ok(ScanResult::Recorded { replay: false, .. })) {
            exec(conn, "ROLLBACK TO scan")?;
        }
        exec(conn, "RELEASE scan")?;
        results.push(result);
    }
    exec(conn, "COMMIT")?;
    Ok(results)
}

/// The result of a future that never waits: [`Lite`]'s methods are synchronous calls
/// into SQLite, written as `async fn` only to share the scan's logic with sqlx.
fn ready<T>(fut: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(StoreError::Internal(
            "the check-in writer met a statement that waits".into(),
        )),
    }
}

/// The writer's connection as a [`ScanConn`].
struct Lite<'c>(&'c Connection);

impl ScanConn for Lite<'_> {
    async fn lock_person(&mut self, _person: &str) -> StoreResult<()> {
        // The group's transaction holds SQLite's write lock from BEGIN IMMEDIATE, and
        // this one thread runs every scan: one person's scans are already in order.
        Ok(())
    }

    async fn earlier_scan(&mut self, client_visit_id: &str) -> StoreResult<Option<Earlier>> {
        Ok(self
            .0
            .prepare_cached(SELECT_SCAN)?
            .query_row(params![client_visit_id], |r| {
                Ok(Earlier {
                    person: r.get("person")?,
                    visit_id: r.get("visit_id")?,
                    direction: r.get("direction")?,
                    closed_visit_id: r.get("closed_visit_id")?,
                    code: (r.get("venue_id")?, r.get("entrance")?),
                })
            })
            .optional()?)
    }

    async fn visit(&mut self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        sqlite_read::visit(self.0, person, id)
    }

    async fn open_visit(&mut self, person: &str) -> StoreResult<Option<Open>> {
        let row = self
            .0
            .prepare_cached(SELECT_OPEN)?
            .query_row(params![person], |r| {
                Ok((
                    r.get::<_, String>("id")?,
                    r.get::<_, String>("person")?,
                    r.get::<_, i64>("venue_id")?,
                    r.get::<_, i64>("entered_at")?,
                    r.get::<_, bool>("cancelled")?,
                    r.get::<_, bool>("infectious")?,
                ))
            })
            .optional()?;
        row.map(
            |(id, person, venue_id, entered_at, cancelled, infectious)| {
                Ok(Open {
                    visit: OpenVisit {
                        id,
                        venue_id: to_u64(venue_id, "venue id")?,
                        entered_at,
                        cancelled,
                    },
                    person,
                    infectious,
                })
            },
        )
        .transpose()
    }

    async fn close(&mut self, id: &str, at: Timestamp, kind: ExitKind) -> StoreResult<bool> {
        let n = self
            .0
            .prepare_cached(CLOSE)?
            .execute(params![at, kind.as_str(), id])?;
        Ok(n == 1)
    }

    async fn insert_visit(
        &mut self,
        scan: &Scan,
        visit: &Visit,
        infectious: bool,
    ) -> StoreResult<bool> {
        let n = self.0.prepare_cached(INSERT_VISIT)?.execute(params![
            visit.id,
            scan.person,
            visit.venue_id as i64,
            visit.venue_name,
            visit.address,
            visit.category.as_str(),
            i64::from(visit.entrance),
            visit.entered_at,
            visit.exited_at,
            visit.exit_kind.map(|k| k.as_str()),
            visit.cancelled,
            infectious,
            scan.guard_staff,
        ])?;
        Ok(n == 1)
    }

    async fn insert_scan(
        &mut self,
        scan: &Scan,
        visit_id: &str,
        closed_visit_id: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let n = self.0.prepare_cached(INSERT_SCAN)?.execute(params![
            scan.client_visit_id,
            scan.person,
            visit_id,
            scan.direction.as_str(),
            closed_visit_id,
            at,
            scan.venue.id as i64,
            i64::from(scan.entrance),
        ])?;
        Ok(n == 1)
    }

    async fn positive_between(
        &mut self,
        person: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool> {
        Ok(self
            .0
            .prepare_cached(POSITIVE_BETWEEN)?
            .exists(params![person, from, to])?)
    }

    async fn stays_near(
        &mut self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        all: bool,
    ) -> StoreResult<Vec<NearStay>> {
        let mut stmt = self
            .0
            .prepare_cached(if all { STAYS_NEAR } else { INFECTIOUS_NEAR })?;
        let rows = stmt.query_map(params![venue_id as i64, from, to], |r| {
            Ok((
                r.get::<_, String>("person")?,
                r.get::<_, i64>("venue_id")?,
                r.get::<_, i64>("entered_at")?,
                r.get::<_, Option<i64>>("exited_at")?,
                r.get::<_, bool>("infectious")?,
            ))
        })?;
        let mut near = Vec::new();
        for row in rows {
            let (person, venue_id, entered_at, exited_at, infectious) = row?;
            near.push(NearStay {
                person,
                venue_id: to_u64(venue_id, "venue id")?,
                entered_at,
                exited_at,
                infectious,
            });
        }
        Ok(near)
    }

    async fn positives_of(&mut self, person: &str) -> StoreResult<Vec<Timestamp>> {
        let mut stmt = self.0.prepare_cached(POSITIVES_OF)?;
        let rows = stmt.query_map(params![person], |r| r.get::<_, i64>("taken_at"))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    async fn insert_contacts(&mut self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        let mut added = 0;
        for chunk in contacts.chunks(CONTACTS_PER_INSERT) {
            let values = chunk
                .iter()
                .flat_map(|(iin, at)| [Value::Text(iin.clone()), Value::Integer(*at)]);
            let n = self
                .0
                .prepare(&insert_contacts_sql(chunk.len()))?
                .execute(params_from_iter(values))?;
            added += n as u64;
        }
        Ok(added)
    }
}
