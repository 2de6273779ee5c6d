//! PostgreSQL's check-in writer: scans that arrive together are written together, in one
//! transaction and one commit (one WAL flush, and one wait for the synchronous standby)
//! per batch instead of one per scan.
//!
//! Each node runs [`LANES`] writer tasks. A scan goes to the lane of its person (a hash of
//! the IIN), so one person's scans queue in one channel and are written in the order
//! they arrived, and two lanes of a node never wait on each other's person locks. A lane
//! takes whatever has queued (at most [`BATCH_MAX`]), locks the batch's people in IIN
//! order (so two batches, on this node or another, never deadlock on each other), reads
//! what every scan reads first (earlier scans, open visits, positives) in three
//! statements for the whole batch ([`Known`]), then runs each scan in its own savepoint
//! through the shared decisions
//! (`visits::check_in_tx`, `exposure::trace_stay`): a scan that fails or is refused rolls
//! back alone. Only after the batch commits is any of its scans answered; when the commit
//! fails, every scan of the batch gets the error (503 `unavailable` when the database
//! cannot be reached) and the client retries with the same client visit id.
//!
//! SQLite's writer (`sqlite_writer.rs`) does the same on its own thread; what differs here
//! is the person lock (SQLite has one writer, PostgreSQL has several nodes) and the
//! several lanes (PostgreSQL commits from many connections at once).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::Policy;
use ashyq_core::Timestamp;
use sqlx::{Executor, PgConnection, Pool, Postgres, Row};
use tokio::sync::{mpsc, oneshot};

use super::scan_conn::{earlier_of, open_of, Earlier, NearStay, Open, ScanConn};
use super::types::{Scan, ScanResult, StoreError, StoreResult};
use super::visits::{check_in_tx, SqlxConn};

/// Most scans in one transaction. Each scan that writes gets a subtransaction id (its
/// savepoint); past 64 in one transaction PostgreSQL's per-backend cache of them
/// overflows and every other session's snapshots start looking them up in pg_subtrans,
/// which slows the whole database. 64 keeps under that and already shares a commit
/// among 64 scans.
pub(super) const BATCH_MAX: usize = 64;

/// Writer tasks per node: batches in flight at once, so the database has work while one
/// batch waits on a round trip or its commit. 2, 4 and 8 measured the same on two cores
/// (docs/BENCHMARKS.md §3, the PostgreSQL writer): the cores, not the lanes, are the
/// limit there; more lanes would only hold more connections.
pub(super) const LANES: usize = 2;

/// Locks the batch's people, in IIN order, for the rest of the transaction: the same lock
/// a single scan takes (`visits::LOCK_PERSON` conflicts with it), taken in an order every
/// batch agrees on. `ORDER BY` sorts the rows before `FOR NO KEY UPDATE` locks them.
const LOCK_PEOPLE: &str =
    "SELECT iin FROM citizens WHERE iin = ANY($1) ORDER BY iin FOR NO KEY UPDATE";

/// Where a batch gets its connection: the store's current pool, asked again for every
/// batch (so a pool replaced after a failover is the one the next batch uses).
pub(super) type PoolSource = Arc<dyn Fn() -> StoreResult<Pool<Postgres>> + Send + Sync>;

struct ScanJob {
    scan: Scan,
    now: Timestamp,
    policy: Policy,
    reply: oneshot::Sender<StoreResult<ScanResult>>,
}

/// The node's check-in writer: a handle to its lanes. The tasks end when it is dropped.
pub(super) struct PgWriter {
    lanes: Vec<mpsc::Sender<ScanJob>>,
}

impl PgWriter {
    /// Starts the lanes (on the current tokio runtime).
    pub(super) fn spawn(pool: PoolSource) -> PgWriter {
        let lanes = (0..LANES)
            .map(|_| {
                let (tx, rx) = mpsc::channel(4 * BATCH_MAX);
                tokio::spawn(run(pool.clone(), rx));
                tx
            })
            .collect();
        PgWriter { lanes }
    }

    /// Records `scan` once the batch it joins has committed.
    ///
    /// Fails with [`StoreError::Unavailable`] when the database cannot be reached or the
    /// batch's commit failed (nothing of the scan was acknowledged; a retry with the same
    /// client visit id is safe).
    pub(super) async fn check_in(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        let lane = &self.lanes[lane_of(&scan.person, self.lanes.len())];
        let (reply, answer) = oneshot::channel();
        let job = ScanJob {
            scan,
            now,
            policy: policy.clone(),
            reply,
        };
        let stopped = || StoreError::Unavailable("the check-in writer has stopped".into());
        lane.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The lane of `person`'s scans. `DefaultHasher::new()` has fixed keys: the same person
/// always lands in the same lane.
fn lane_of(person: &str, lanes: usize) -> usize {
    let mut h = std::hash::DefaultHasher::new();
    person.hash(&mut h);
    (h.finish() % lanes as u64) as usize
}

/// One lane: scans that queue while a batch is being written are the next batch.
async fn run(pool: PoolSource, mut jobs: mpsc::Receiver<ScanJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        tracing::trace!(size = batch.len(), "postgresql batch");
        let written = match pool() {
            Ok(pool) => write_batch(&pool, &batch).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::warn!(size = batch.len(), error = %e, "check-in batch not committed");
                for job in batch {
                    let _ = job.reply.send(Err(same_error(&e)));
                }
            }
        }
    }
}

fn same_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(s) => StoreError::Unavailable(s.clone()),
        StoreError::Internal(s) => StoreError::Internal(s.clone()),
    }
}

/// Deadlocks with another kind of writer (an import, a dispute) that locked our rows in
/// another order: PostgreSQL aborts one side; ours is retried whole, as nothing of it was
/// answered.
const ATTEMPTS: usize = 3;

async fn write_batch(
    pool: &Pool<Postgres>,
    batch: &[ScanJob],
) -> StoreResult<Vec<StoreResult<ScanResult>>> {
    let mut attempt = 1;
    loop {
        match try_batch(pool, batch).await {
            Err(e) if attempt < ATTEMPTS && is_deadlock(&e) => {
                tracing::info!(attempt, "check-in batch retried after a deadlock");
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
            Ok(results) => return Ok(results),
        }
    }
}

fn is_deadlock(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "40P01" || c == "40001")
}

/// One transaction for the batch. Returns each scan's result, or the error that kept the
/// batch from committing (then nothing of it was acknowledged; dropping the transaction
/// rolls it back).
async fn try_batch(
    pool: &Pool<Postgres>,
    batch: &[ScanJob],
) -> Result<Vec<StoreResult<ScanResult>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut people: Vec<&str> = batch.iter().map(|j| j.scan.person.as_str()).collect();
    people.sort_unstable();
    people.dedup();
    sqlx::query(LOCK_PEOPLE)
        .bind(&people)
        .execute(&mut *tx)
        .await?;
    let mut known = Known::read(&mut tx, batch, &people).await?;
    let mut results = Vec::with_capacity(batch.len());
    for (i, job) in batch.iter().enumerate() {
        // One round trip: the previous scan's savepoint is kept (released into the
        // transaction) and this scan's is opened.
        let savepoint = if i == 0 {
            "SAVEPOINT scan"
        } else {
            "RELEASE SAVEPOINT scan; SAVEPOINT scan"
        };
        tx.execute(savepoint).await?;
        let result = check_in_tx(
            &mut Locked {
                conn: SqlxConn::<Postgres>(&mut tx),
                known: &mut known,
            },
            &job.scan,
            job.now,
            &job.policy,
        )
        .await;
        // What this scan may have written is no longer known for the scans after it.
        known.forget(&job.scan);
        if !matches!(result, Ok(ScanResult::Recorded { replay: false, .. })) {
            // Refused, a replay (nothing to keep) or failed: whatever it wrote goes, and
            // a failed statement's abort with it.
            tx.execute("ROLLBACK TO SAVEPOINT scan").await?;
        }
        results.push(result);
    }
    tx.commit().await?;
    Ok(results)
}

/// What the batch's scans read first, read for all of them at once after their people
/// are locked: earlier scans under their ids, open visits and positive tests of their
/// people. Each entry answers only the first scan that asks for it; once a scan of a
/// person (or under an id) has run, its later scans in the batch read the database.
#[derive(Default)]
struct Known {
    earlier: HashMap<String, Earlier>,
    open: HashMap<String, Open>,
    positives: HashMap<String, Vec<Timestamp>>,
    /// People, and ids, a scan of this batch has run for: not known any more.
    stale_people: HashSet<String>,
    stale_ids: HashSet<String>,
}

const EARLIER_SCANS: &str = "SELECT id, person, visit_id, direction, closed_visit_id, \
     venue_id, entrance FROM scans WHERE id = ANY($1)";
/// `visits::SELECT_OPEN` for many people.
const OPEN_VISITS: &str = "SELECT DISTINCT ON (person) id, person, venue_id, entered_at, \
     cancelled, infectious FROM visits WHERE person = ANY($1) AND exited_at IS NULL \
     ORDER BY person, entered_at DESC";
const POSITIVES: &str = "SELECT iin, taken_at FROM pcr WHERE iin = ANY($1) AND positive";

impl Known {
    async fn read(
        conn: &mut PgConnection,
        batch: &[ScanJob],
        people: &[&str],
    ) -> Result<Known, sqlx::Error> {
        let ids: Vec<&str> = batch
            .iter()
            .map(|j| j.scan.client_visit_id.as_str())
            .collect();
        let mut known = Known::default();
        let rows = sqlx::query(EARLIER_SCANS)
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            known
                .earlier
                .insert(r.try_get("id")?, earlier_of(r).map_err(decode)?);
        }
        let rows = sqlx::query(OPEN_VISITS)
            .bind(people)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let open = open_of(r).map_err(decode)?;
            known.open.insert(open.person.clone(), open);
        }
        let rows = sqlx::query(POSITIVES)
            .bind(people)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            known
                .positives
                .entry(r.try_get("iin")?)
                .or_default()
                .push(r.try_get("taken_at")?);
        }
        Ok(known)
    }

    fn forget(&mut self, scan: &Scan) {
        self.stale_people.insert(scan.person.clone());
        self.stale_ids.insert(scan.client_visit_id.clone());
    }
}

fn decode(e: StoreError) -> sqlx::Error {
    sqlx::Error::Decode(e.to_string().into())
}

/// The batch's connection, whose people are locked already (`LOCK_PEOPLE`): the shared
/// statements, but no second lock per scan, and the first reads of each scan answered
/// from [`Known`].
struct Locked<'c, 'k> {
    conn: SqlxConn<'c, Postgres>,
    known: &'k mut Known,
}

impl ScanConn for Locked<'_, '_> {
    async fn lock_person(&mut self, _person: &str) -> StoreResult<()> {
        Ok(())
    }
    async fn earlier_scan(&mut self, client_visit_id: &str) -> StoreResult<Option<Earlier>> {
        if !self.known.stale_ids.contains(client_visit_id) {
            return Ok(self.known.earlier.remove(client_visit_id));
        }
        self.conn.earlier_scan(client_visit_id).await
    }
    async fn visit(&mut self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        self.conn.visit(person, id).await
    }
    async fn open_visit(&mut self, person: &str) -> StoreResult<Option<Open>> {
        if !self.known.stale_people.contains(person) {
            return Ok(self.known.open.remove(person));
        }
        self.conn.open_visit(person).await
    }
    async fn close(&mut self, id: &str, at: Timestamp, kind: ExitKind) -> StoreResult<bool> {
        self.conn.close(id, at, kind).await
    }
    async fn insert_visit(
        &mut self,
        scan: &Scan,
        visit: &Visit,
        infectious: bool,
    ) -> StoreResult<bool> {
        self.conn.insert_visit(scan, visit, infectious).await
    }
    async fn insert_scan(
        &mut self,
        scan: &Scan,
        visit_id: &str,
        closed_visit_id: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<bool> {
        self.conn
            .insert_scan(scan, visit_id, closed_visit_id, at)
            .await
    }
    async fn positive_between(
        &mut self,
        person: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool> {
        // Scans write no tests: what was read holds for the whole batch (for its people,
        // the only ones asked about).
        let mut taken = self.known.positives.get(person).into_iter().flatten();
        Ok(taken.any(|&t| from <= t && t < to))
    }
    async fn stays_near(
        &mut self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        all: bool,
    ) -> StoreResult<Vec<NearStay>> {
        self.conn.stays_near(venue_id, from, to, all).await
    }
    async fn positives_of(&mut self, person: &str) -> StoreResult<Vec<Timestamp>> {
        self.conn.positives_of(person).await
    }
    async fn insert_contacts(&mut self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        self.conn.insert_contacts(contacts).await
    }
}
