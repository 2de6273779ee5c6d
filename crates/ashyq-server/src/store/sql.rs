//! The SQLite and PostgreSQL stores. Their SQL is the same text (both accept `$1`
//! placeholders, `ON CONFLICT`, `RETURNING`), so one macro writes both implementations and
//! only connection setup, migrations and locking differ.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::{HealthRecords, PcrResult, Policy, Vaccination};
use ashyq_core::venue::{Category, Direction};
use ashyq_core::visit::{self, OpenVisit, ScanDecision, Stay};
use ashyq_core::Timestamp;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Postgres, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::{
    Citizen, ImportResult, Lookup, NewVenue, Scan, ScanResult, Store, StoreError, StoreResult,
    ValidRows, Venue,
};

/// Versioned migrations, applied in order once each; never edit one that has shipped.
const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_pending_tracing.sql"),
    ),
];
const PG_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_pending_tracing.sql"),
    ),
];

/// SQLite in WAL mode with `synchronous=FULL`: a commit is on disk before it returns, so
/// an acknowledged check-in survives `kill -9` and power loss. One writer connection
/// (SQLite allows one writer at a time; queueing in the pool beats busy-waiting) and a
/// few read-only connections.
///
/// Check-ins go through a group committer: scans that arrive while a commit is on its way
/// to disk are written together in the next transaction (one fsync for all, each in its
/// own savepoint), and each is answered only after that commit.
pub struct SqliteStore {
    read: Pool<Sqlite>,
    write: Pool<Sqlite>,
    scans: mpsc::Sender<ScanJob>,
}

struct ScanJob {
    scan: Scan,
    now: Timestamp,
    policy: Policy,
    reply: oneshot::Sender<StoreResult<ScanResult>>,
}

/// Most scans written in one transaction.
const GROUP_MAX: usize = 128;

async fn group_committer(pool: Pool<Sqlite>, mut jobs: mpsc::Receiver<ScanJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < GROUP_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        tracing::trace!(size = batch.len(), "group commit");
        let results = run_group(&pool, &batch).await;
        match results {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                let text = e.to_string();
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Unavailable(text.clone())));
                }
            }
        }
    }
}

/// One transaction for a group of scans. Returns each scan's result, or the error that
/// kept the whole group from committing (then nothing of it was acknowledged).
async fn run_group(
    pool: &Pool<Sqlite>,
    batch: &[ScanJob],
) -> StoreResult<Vec<StoreResult<ScanResult>>> {
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let mut sp = sqlx::Connection::begin(&mut *tx).await?;
        let result = SqliteStore::check_in_tx(&mut sp, &job.scan, job.now, &job.policy).await;
        if matches!(result, Ok(ScanResult::Recorded { replay: false, .. })) {
            sp.commit().await?;
        } else {
            sp.rollback().await?;
        }
        results.push(result);
    }
    tx.commit().await?;
    Ok(results)
}

impl SqliteStore {
    /// Opens (creating when missing) the database file and applies migrations.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await?;
        let (scans, jobs) = mpsc::channel(4 * GROUP_MAX);
        let store_w = SqliteStore {
            read: write.clone(),
            write,
            scans,
        };
        store_w.migrate().await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        tokio::spawn(group_committer(store_w.write.clone(), jobs));
        Ok(SqliteStore {
            read,
            write: store_w.write,
            scans: store_w.scans,
        })
    }
    async fn check_in_durable(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        let (reply, answer) = oneshot::channel();
        let job = ScanJob {
            scan,
            now,
            policy: policy.clone(),
            reply,
        };
        let gone = || StoreError::Unavailable("the check-in writer has stopped".into());
        self.scans.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
    fn r(&self) -> &Pool<Sqlite> {
        &self.read
    }
    fn w(&self) -> &Pool<Sqlite> {
        &self.write
    }
    const MIGRATIONS: &'static [(i64, &'static str)] = SQLITE_MIGRATIONS;
    // SQLite serializes writers itself; nothing to take.
    const MIGRATION_LOCK: &'static str = "SELECT 1";
}

/// PostgreSQL: one pool shared by reads and writes; several API nodes may share the
/// database (migrations take an advisory lock).
pub struct PgStore {
    pool: Pool<Postgres>,
}

impl PgStore {
    /// Connects and applies migrations. With `schema`, every connection uses that schema
    /// (created when missing): the tests give each test its own.
    pub async fn connect(
        url: &str,
        schema: Option<&str>,
        max_connections: u32,
    ) -> StoreResult<PgStore> {
        let mut opts =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Internal("schema names are [A-Za-z0-9_]".into()));
            }
            let setup = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&setup)
                .await?;
            setup.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }
    async fn check_in_durable(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        let mut tx = self.pool.begin().await?;
        let result = Self::check_in_tx(&mut tx, &scan, now, policy).await?;
        if matches!(result, ScanResult::Recorded { replay: false, .. }) {
            tx.commit().await?;
        }
        Ok(result)
    }
    fn r(&self) -> &Pool<Postgres> {
        &self.pool
    }
    fn w(&self) -> &Pool<Postgres> {
        &self.pool
    }
    const MIGRATIONS: &'static [(i64, &'static str)] = PG_MIGRATIONS;
    const MIGRATION_LOCK: &'static str = "SELECT pg_advisory_xact_lock(4837301)";
}

fn bad_row(what: &str) -> StoreError {
    StoreError::Internal(format!("unreadable {what} in the database"))
}

fn to_u8(v: i64, what: &str) -> StoreResult<u8> {
    u8::try_from(v).map_err(|_| bad_row(what))
}

macro_rules! visit_cols {
    () => {
        "id, venue_id, venue_name, address, category, entrance, entered_at, exited_at, exit_kind, cancelled"
    };
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $row:ty, $conn:ty) => {
        impl $store {
            async fn migrate(&self) -> StoreResult<()> {
                let mut tx = self.w().begin().await?;
                sqlx::query(Self::MIGRATION_LOCK).execute(&mut *tx).await?;
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                )
                .execute(&mut *tx)
                .await?;
                let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("version"))
                    .collect::<Result<_, _>>()?;
                for (version, sql) in Self::MIGRATIONS {
                    if done.contains(version) {
                        continue;
                    }
                    tracing::info!(version, "applying migration");
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                        .bind(*version)
                        .bind(crate::clock::system_now())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            /// The scan's reads and writes inside the caller's transaction. Anything but a
            /// fresh `Recorded` must be rolled back by the caller (nothing useful was written).
            async fn check_in_tx(tx: &mut $conn, scan: &Scan, now: Timestamp, policy: &Policy) -> StoreResult<ScanResult> {
                // Written first so the transaction holds SQLite's write lock, or the person's row
                // lock in PostgreSQL, from the start: one person's scans run one after another.
                sqlx::query("UPDATE citizens SET updated_at = updated_at WHERE iin = $1")
                    .bind(&scan.person)
                    .execute(&mut *tx)
                    .await?;
                let earlier = sqlx::query("SELECT person, visit_id, direction, closed_visit_id FROM scans WHERE id = $1")
                    .bind(&scan.client_visit_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(row) = earlier {
                    let person: String = row.try_get("person")?;
                    if person != scan.person {
                        return Ok(ScanResult::IdTaken);
                    }
                    let visit_id: String = row.try_get("visit_id")?;
                    let direction: String = row.try_get("direction")?;
                    let direction = Direction::parse(&direction).ok_or_else(|| bad_row("direction"))?;
                    let closed_visit_id: Option<String> = row.try_get("closed_visit_id")?;
                    let Some(visit) = Self::visit_in(tx, &scan.person, &visit_id).await? else {
                        return Ok(ScanResult::Gone);
                    };
                    return Ok(ScanResult::Recorded { visit, direction, closed_visit_id, replay: true });
                }
                let mut open = Self::open_visit(tx, &scan.person).await?;
                if let Some(o) = &open {
                    if let Some(at) = visit::due_auto_close(o, now, policy) {
                        Self::close(tx, &o.id, at, ExitKind::Auto).await?;
                        open = None;
                    }
                }
                let decision = visit::on_scan(open.as_ref(), scan.venue.id, scan.direction, now, policy);
                let (visit_id, closed_visit_id) = match decision {
                    ScanDecision::Open { close_previous } => {
                        if let Some(prev) = &close_previous {
                            Self::close(tx, prev, now, ExitKind::NewEntry).await?;
                        }
                        if !Self::insert_visit(tx, scan, now, None).await? {
                            return Ok(ScanResult::IdTaken);
                        }
                        (scan.client_visit_id.to_owned(), close_previous)
                    }
                    ScanDecision::AlreadyInside { visit_id } => (visit_id, None),
                    ScanDecision::Close { visit_id } => {
                        Self::close(tx, &visit_id, now, ExitKind::Scan).await?;
                        (visit_id, None)
                    }
                    ScanDecision::ExitOnly { close_previous } => {
                        if let Some(prev) = &close_previous {
                            Self::close(tx, prev, now, ExitKind::NewEntry).await?;
                        }
                        // An exit with no entry here: a zero-length stay, so the diary shows it.
                        if !Self::insert_visit(tx, scan, now, Some(now)).await? {
                            return Ok(ScanResult::IdTaken);
                        }
                        (scan.client_visit_id.to_owned(), close_previous)
                    }
                };
                let stored = sqlx::query(
                    "INSERT INTO scans (id, person, visit_id, direction, closed_visit_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&scan.client_visit_id)
                .bind(&scan.person)
                .bind(&visit_id)
                .bind(scan.direction.as_str())
                .bind(&closed_visit_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if stored.rows_affected() != 1 {
                    return Ok(ScanResult::IdTaken);
                }
                let visit = Self::visit_in(tx, &scan.person, &visit_id)
                    .await?
                    .ok_or_else(|| bad_row("visit just written"))?;
                Ok(ScanResult::Recorded { visit, direction: scan.direction, closed_visit_id, replay: false })
            }

            fn visit_of(row: &$row) -> StoreResult<Visit> {
                let category: String = row.try_get("category")?;
                let exit_kind: Option<String> = row.try_get("exit_kind")?;
                Ok(Visit {
                    id: row.try_get("id")?,
                    venue_id: row.try_get::<i64, _>("venue_id")? as u64,
                    venue_name: row.try_get("venue_name")?,
                    address: row.try_get("address")?,
                    category: Category::parse(&category).ok_or_else(|| bad_row("category"))?,
                    entrance: to_u8(row.try_get("entrance")?, "entrance")?,
                    entered_at: row.try_get("entered_at")?,
                    exited_at: row.try_get("exited_at")?,
                    exit_kind: match exit_kind {
                        None => None,
                        Some(k) => Some(ExitKind::parse(&k).ok_or_else(|| bad_row("exit kind"))?),
                    },
                    cancelled: row.try_get("cancelled")?,
                })
            }

            fn venue_of(row: &$row) -> StoreResult<Venue> {
                let category: String = row.try_get("category")?;
                Ok(Venue {
                    id: row.try_get::<i64, _>("id")? as u64,
                    bin: row.try_get("bin")?,
                    business_name: row.try_get("business_name")?,
                    address: row.try_get("address")?,
                    category: Category::parse(&category).ok_or_else(|| bad_row("category"))?,
                    pcr_required: row.try_get("pcr_required")?,
                    entrances: to_u8(row.try_get("entrances")?, "entrances")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn stay_of(row: &$row, now: Timestamp, policy: &Policy) -> StoreResult<Stay> {
                let start: i64 = row.try_get("entered_at")?;
                let exited: Option<i64> = row.try_get("exited_at")?;
                Ok(Stay {
                    person: row.try_get("person")?,
                    venue_id: row.try_get::<i64, _>("venue_id")? as u64,
                    start,
                    end: visit::stay_end(start, exited, now, policy),
                })
            }

            async fn open_visit(conn: &mut $conn, person: &str) -> StoreResult<Option<OpenVisit>> {
                let row = sqlx::query(
                    "SELECT id, venue_id, entered_at FROM visits \
                     WHERE person = $1 AND exited_at IS NULL AND NOT cancelled \
                     ORDER BY entered_at DESC LIMIT 1",
                )
                .bind(person)
                .fetch_optional(&mut *conn)
                .await?;
                row.map(|r| {
                    Ok(OpenVisit {
                        id: r.try_get("id")?,
                        venue_id: r.try_get::<i64, _>("venue_id")? as u64,
                        entered_at: r.try_get("entered_at")?,
                    })
                })
                .transpose()
            }

            async fn close(conn: &mut $conn, id: &str, at: Timestamp, kind: ExitKind) -> StoreResult<()> {
                sqlx::query("UPDATE visits SET exited_at = $1, exit_kind = $2 WHERE id = $3 AND exited_at IS NULL")
                    .bind(at)
                    .bind(kind.as_str())
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }

            async fn visit_in(conn: &mut $conn, person: &str, id: &str) -> StoreResult<Option<Visit>> {
                let row = sqlx::query(concat!("SELECT ", visit_cols!(), " FROM visits WHERE id = $1 AND person = $2"))
                    .bind(id)
                    .bind(person)
                    .fetch_optional(&mut *conn)
                    .await?;
                row.as_ref().map(Self::visit_of).transpose()
            }

            /// Inserts a visit; false when the id is taken.
            async fn insert_visit(conn: &mut $conn, scan: &Scan, entered: Timestamp, exited: Option<Timestamp>) -> StoreResult<bool> {
                let v = &scan.venue;
                let done = sqlx::query(
                    "INSERT INTO visits (id, person, venue_id, venue_name, address, category, entrance, \
                     entered_at, exited_at, exit_kind, cancelled) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&scan.client_visit_id)
                .bind(&scan.person)
                .bind(v.id as i64)
                .bind(&v.business_name)
                .bind(&v.address)
                .bind(v.category.as_str())
                .bind(i64::from(scan.entrance))
                .bind(entered)
                .bind(exited)
                .bind(exited.map(|_| ExitKind::Scan.as_str()))
                .bind(false)
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl Store for $store {
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.r()).await?;
                Ok(())
            }

            async fn find_citizen(&self, by: &Lookup) -> StoreResult<Option<Citizen>> {
                let q = match by {
                    Lookup::Id(id) => sqlx::query(concat!("SELECT id, iin, name, lastname FROM citizens WHERE ", "id = $1")).bind(*id),
                    Lookup::Iin(iin) => sqlx::query(concat!("SELECT id, iin, name, lastname FROM citizens WHERE ", "iin = $1")).bind(iin.clone()),
                    Lookup::Phone(p) => sqlx::query(concat!("SELECT id, iin, name, lastname FROM citizens WHERE ", "phone = $1 ORDER BY id LIMIT 1")).bind(p.clone()),
                    Lookup::Telegram(t) => sqlx::query(concat!("SELECT id, iin, name, lastname FROM citizens WHERE ", "telegram_id = $1 ORDER BY id LIMIT 1")).bind(*t),
                    Lookup::Vk(v) => sqlx::query(concat!("SELECT id, iin, name, lastname FROM citizens WHERE ", "vk_id = $1 ORDER BY id LIMIT 1")).bind(*v),
                };
                let row = q.fetch_optional(self.r()).await?;
                row.map(|r| {
                    Ok(Citizen {
                        id: r.try_get("id")?,
                        iin: r.try_get("iin")?,
                        name: r.try_get("name")?,
                        lastname: r.try_get("lastname")?,
                    })
                })
                .transpose()
            }

            async fn health_records(&self, iin: &str) -> StoreResult<HealthRecords> {
                let rows = sqlx::query(
                    "SELECT 'p' AS kind, taken_at AS at, CAST(CASE WHEN positive THEN 1 ELSE 0 END AS BIGINT) AS flag \
                     FROM pcr WHERE iin = $1 \
                     UNION ALL SELECT 'c', listed_at, CAST(0 AS BIGINT) FROM contacts WHERE iin = $1 \
                     UNION ALL SELECT 'v', at, CAST(CASE WHEN course_complete THEN 1 ELSE 0 END AS BIGINT) \
                     FROM vaccinations WHERE iin = $1 \
                     UNION ALL SELECT 'r', at, CAST(0 AS BIGINT) FROM recoveries WHERE iin = $1",
                )
                .bind(iin)
                .fetch_all(self.r())
                .await?;
                let mut rec = HealthRecords::default();
                for r in rows {
                    let kind: String = r.try_get("kind")?;
                    let at: i64 = r.try_get("at")?;
                    let flag = r.try_get::<i64, _>("flag")? != 0;
                    match kind.as_str() {
                        "p" => rec.pcr.push(PcrResult { taken_at: at, positive: flag }),
                        "c" => rec.contacts.push(at),
                        "v" => rec.vaccinations.push(Vaccination { at, course_complete: flag }),
                        _ => rec.recoveries.push(at),
                    }
                }
                Ok(rec)
            }

            async fn add_venue(&self, v: &NewVenue, now: Timestamp) -> StoreResult<Venue> {
                let row = sqlx::query(
                    "INSERT INTO venues (bin, business_name, address, category, pcr_required, entrances, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&v.bin)
                .bind(&v.business_name)
                .bind(&v.address)
                .bind(v.category.as_str())
                .bind(v.pcr_required)
                .bind(i64::from(v.entrances))
                .bind(now)
                .fetch_one(self.w())
                .await?;
                Ok(v.registered(row.try_get::<i64, _>("id")? as u64, now))
            }

            async fn venue(&self, id: u64) -> StoreResult<Option<Venue>> {
                let Ok(id) = i64::try_from(id) else { return Ok(None) };
                let row = sqlx::query(
                    "SELECT id, bin, business_name, address, category, pcr_required, entrances, created_at \
                     FROM venues WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(self.r())
                .await?;
                row.as_ref().map(Self::venue_of).transpose()
            }

            async fn venues(&self) -> StoreResult<Vec<Venue>> {
                let rows = sqlx::query(
                    "SELECT id, bin, business_name, address, category, pcr_required, entrances, created_at \
                     FROM venues ORDER BY id",
                )
                .fetch_all(self.r())
                .await?;
                rows.iter().map(Self::venue_of).collect()
            }

            async fn check_in(&self, scan: Scan, now: Timestamp, policy: &Policy) -> StoreResult<ScanResult> {
                self.check_in_durable(scan, now, policy).await
            }

            async fn visits(&self, person: &str, now: Timestamp, policy: &Policy, limit: i64) -> StoreResult<Vec<Visit>> {
                let mut conn = self.r().acquire().await?;
                let open = Self::open_visit(&mut conn, person).await?;
                drop(conn);
                if let Some(o) = open {
                    if let Some(at) = visit::due_auto_close(&o, now, policy) {
                        let mut conn = self.w().acquire().await?;
                        Self::close(&mut conn, &o.id, at, ExitKind::Auto).await?;
                    }
                }
                let rows = sqlx::query(concat!(
                    "SELECT ", visit_cols!(), " FROM visits WHERE person = $1 ORDER BY entered_at DESC, id DESC LIMIT $2"
                ))
                .bind(person)
                .bind(limit)
                .fetch_all(self.r())
                .await?;
                rows.iter().map(Self::visit_of).collect()
            }

            async fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
                let mut conn = self.r().acquire().await?;
                Self::visit_in(&mut conn, person, id).await
            }

            async fn set_cancelled(&self, person: &str, id: &str) -> StoreResult<()> {
                sqlx::query("UPDATE visits SET cancelled = $1 WHERE id = $2 AND person = $3")
                    .bind(true)
                    .bind(id)
                    .bind(person)
                    .execute(self.w())
                    .await?;
                Ok(())
            }

            async fn auto_close_due(&self, now: Timestamp, policy: &Policy) -> StoreResult<u64> {
                let rows = sqlx::query("SELECT id, venue_id, entered_at FROM visits WHERE exited_at IS NULL AND NOT cancelled")
                    .fetch_all(self.r())
                    .await?;
                let mut closed = 0;
                let mut conn = self.w().acquire().await?;
                for r in rows {
                    let open = OpenVisit {
                        id: r.try_get("id")?,
                        venue_id: r.try_get::<i64, _>("venue_id")? as u64,
                        entered_at: r.try_get("entered_at")?,
                    };
                    if let Some(at) = visit::due_auto_close(&open, now, policy) {
                        Self::close(&mut conn, &open.id, at, ExitKind::Auto).await?;
                        closed += 1;
                    }
                }
                Ok(closed)
            }

            async fn import(&self, batch_id: &str, rows: &ValidRows, rejected: usize, now: Timestamp) -> StoreResult<ImportResult> {
                let mut tx = self.w().begin().await?;
                let fresh = sqlx::query(
                    "INSERT INTO import_batches (batch_id, imported_at, accepted, rejected) VALUES ($1, $2, 0, 0) \
                     ON CONFLICT (batch_id) DO NOTHING",
                )
                .bind(batch_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if fresh.rows_affected() == 0 {
                    let row = sqlx::query("SELECT accepted, rejected FROM import_batches WHERE batch_id = $1")
                        .bind(batch_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    return Ok(ImportResult::Duplicate {
                        accepted: row.try_get::<i64, _>("accepted")? as usize,
                        rejected: row.try_get::<i64, _>("rejected")? as usize,
                    });
                }
                let mut clashes = Vec::new();
                for (i, c) in &rows.citizens {
                    let phone = c.phone.as_deref().and_then(super::normalize_phone);
                    let clash = sqlx::query(
                        "SELECT iin FROM citizens WHERE iin <> $1 AND (phone = $2 OR aitu_id = $3 \
                         OR telegram_id = $4 OR vk_id = $5) LIMIT 1",
                    )
                    .bind(&c.iin)
                    .bind(&phone)
                    .bind(&c.aitu_id)
                    .bind(c.telegram_id)
                    .bind(c.vk_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if clash.is_some() {
                        clashes.push(*i);
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO citizens (iin, name, lastname, phone, aitu_id, telegram_id, vk_id, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (iin) DO UPDATE SET \
                         name = excluded.name, lastname = excluded.lastname, phone = excluded.phone, \
                         aitu_id = excluded.aitu_id, telegram_id = excluded.telegram_id, vk_id = excluded.vk_id, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&c.iin)
                    .bind(&c.name)
                    .bind(&c.lastname)
                    .bind(&phone)
                    .bind(&c.aitu_id)
                    .bind(c.telegram_id)
                    .bind(c.vk_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                for (_, p) in &rows.pcr {
                    sqlx::query("INSERT INTO pcr (iin, taken_at, positive) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(&p.iin)
                        .bind(p.taken_at)
                        .bind(p.positive)
                        .execute(&mut *tx)
                        .await?;
                    if p.positive {
                        // Committed with the result itself: tracing cannot be lost to a crash.
                        sqlx::query(
                            "INSERT INTO pending_tracing (iin, taken_at, queued_at) VALUES ($1, $2, $3) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(&p.iin)
                        .bind(p.taken_at)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                for (_, c) in &rows.contacts {
                    sqlx::query("INSERT INTO contacts (iin, listed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(&c.iin)
                        .bind(c.listed_at)
                        .execute(&mut *tx)
                        .await?;
                }
                for (_, v) in &rows.vaccinations {
                    sqlx::query(
                        "INSERT INTO vaccinations (iin, at, course_complete) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(&v.iin)
                    .bind(v.at)
                    .bind(v.course_complete)
                    .execute(&mut *tx)
                    .await?;
                }
                for (_, r) in &rows.recoveries {
                    sqlx::query("INSERT INTO recoveries (iin, at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(&r.iin)
                        .bind(r.at)
                        .execute(&mut *tx)
                        .await?;
                }
                let total = rows.citizens.len() + rows.pcr.len() + rows.contacts.len()
                    + rows.vaccinations.len() + rows.recoveries.len();
                sqlx::query("UPDATE import_batches SET accepted = $1, rejected = $2 WHERE batch_id = $3")
                    .bind((total - clashes.len()) as i64)
                    .bind((rejected + clashes.len()) as i64)
                    .bind(batch_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(ImportResult::Imported { clashes })
            }

            async fn stays_of(&self, person: &str, from: Timestamp, now: Timestamp, policy: &Policy) -> StoreResult<Vec<Stay>> {
                let rows = sqlx::query(
                    "SELECT person, venue_id, entered_at, exited_at FROM visits \
                     WHERE person = $1 AND NOT cancelled AND entered_at >= $2",
                )
                .bind(person)
                .bind(from)
                .fetch_all(self.r())
                .await?;
                rows.iter().map(|r| Self::stay_of(r, now, policy)).collect()
            }

            async fn stays_at(&self, venue_id: u64, from: Timestamp, to: Timestamp, now: Timestamp, policy: &Policy) -> StoreResult<Vec<Stay>> {
                let rows = sqlx::query(
                    "SELECT person, venue_id, entered_at, exited_at FROM visits \
                     WHERE venue_id = $1 AND NOT cancelled AND entered_at >= $2 AND entered_at < $3",
                )
                .bind(venue_id as i64)
                .bind(from)
                .bind(to)
                .fetch_all(self.r())
                .await?;
                rows.iter().map(|r| Self::stay_of(r, now, policy)).collect()
            }

            async fn add_contacts(&self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
                let mut tx = self.w().begin().await?;
                let mut added = 0;
                for (iin, at) in contacts {
                    added += sqlx::query("INSERT INTO contacts (iin, listed_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(iin)
                        .bind(*at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn pending_tracing(&self) -> StoreResult<Vec<(String, Timestamp)>> {
                let rows = sqlx::query("SELECT iin, taken_at FROM pending_tracing ORDER BY queued_at, iin, taken_at")
                    .fetch_all(self.r())
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("iin")?, r.try_get("taken_at")?)))
                    .collect()
            }

            async fn done_tracing(&self, done: &[(String, Timestamp)]) -> StoreResult<()> {
                let mut tx = self.w().begin().await?;
                for (iin, taken_at) in done {
                    sqlx::query("DELETE FROM pending_tracing WHERE iin = $1 AND taken_at = $2")
                        .bind(iin)
                        .bind(*taken_at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn purge_visits(&self, cutoff: Timestamp) -> StoreResult<u64> {
                let mut tx = self.w().begin().await?;
                let gone = sqlx::query("DELETE FROM visits WHERE entered_at < $1")
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query("DELETE FROM scans WHERE at < $1").bind(cutoff).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(gone)
            }
        }
    };
}

sql_store!(
    SqliteStore,
    Sqlite,
    sqlx::sqlite::SqliteRow,
    sqlx::SqliteConnection
);
sql_store!(PgStore, Postgres, sqlx::postgres::PgRow, sqlx::PgConnection);
