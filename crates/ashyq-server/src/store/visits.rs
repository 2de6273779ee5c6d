//! Visits: recording a scan (closing a due or replaced visit first), the diary,
//! cancelling, and closing visits whose default stay is over.

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::Policy;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::visit::{self, ScanDecision, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::exposure::{trace_stay, INFECTIOUS_NEAR, POSITIVES_OF, POSITIVE_BETWEEN, STAYS_NEAR};
use super::sql::{bad_row, begin_write, to_u64, to_u8, Affected, Sql};
use super::types::{Scan, ScanResult, StoreResult};
// The scan connection and the rows it reads live apart (`scan_conn.rs`), so that tracing
// (`exposure.rs`) and recording (here) both build on it without needing each other.
use super::scan_conn::{earlier_of, open_of, Earlier, NearStay, Open, ScanConn};

pub(super) const SELECT_VISIT: &str =
    "SELECT id, venue_id, venue_name, address, category, entrance, entered_at, exited_at, \
     exit_kind, cancelled, guard_staff, disputed_at FROM visits WHERE id = $1 AND person = $2";

pub(super) const SELECT_DIARY: &str = "SELECT id, venue_id, venue_name, address, category, \
     entrance, entered_at, exited_at, exit_kind, cancelled, guard_staff, disputed_at \
     FROM visits WHERE person = $1 \
     ORDER BY entered_at DESC, id DESC LIMIT $2";

// A cancelled visit is still a stay: open until a scan or the auto-close ends it.
pub(super) const SELECT_OPEN: &str =
    "SELECT id, person, venue_id, entered_at, cancelled, infectious \
     FROM visits WHERE person = $1 AND exited_at IS NULL ORDER BY entered_at DESC LIMIT 1";

const SELECT_ALL_OPEN: &str = "SELECT id, person, venue_id, entered_at, cancelled, \
     infectious FROM visits WHERE exited_at IS NULL";

pub(super) const CLOSE: &str =
    "UPDATE visits SET exited_at = $1, exit_kind = $2 WHERE id = $3 AND exited_at IS NULL";

pub(super) const INSERT_VISIT: &str =
    "INSERT INTO visits (id, person, venue_id, venue_name, address, \
     category, entrance, entered_at, exited_at, exit_kind, cancelled, infectious, guard_staff) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING";

// Written first in a scan's transaction so it holds SQLite's write lock, or the person's
// row lock in PostgreSQL, from the start: one person's scans run one after another.
const LOCK_PERSON: &str = "UPDATE citizens SET updated_at = updated_at WHERE iin = $1";

pub(super) const SELECT_SCAN: &str =
    "SELECT person, visit_id, direction, closed_visit_id, venue_id, \
     entrance FROM scans WHERE id = $1";

pub(super) const INSERT_SCAN: &str = "INSERT INTO scans (id, person, visit_id, direction, \
     closed_visit_id, at, venue_id, entrance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (id) DO NOTHING";

const CANCEL: &str = "UPDATE visits SET cancelled = $1 WHERE id = $2 AND person = $3";

/// A `visits` row as the API shows it.
pub(super) fn visit_of<R>(row: &R) -> StoreResult<Visit>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let category: String = row.try_get("category")?;
    let exit_kind: Option<String> = row.try_get("exit_kind")?;
    Ok(Visit {
        id: row.try_get("id")?,
        venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
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
        by_staff: row.try_get::<Option<i64>, _>("guard_staff")?.is_some(),
        disputed: row.try_get::<Option<i64>, _>("disputed_at")?.is_some(),
    })
}

/// The visit a scan writes, as the API shows it (so it need not be read back).
fn new_visit(scan: &Scan, entered: Timestamp, exited: Option<Timestamp>) -> Visit {
    let v = &scan.venue;
    Visit {
        id: scan.client_visit_id.clone(),
        venue_id: v.id,
        venue_name: v.business_name.clone(),
        address: v.address.clone(),
        category: v.category,
        entrance: scan.entrance,
        entered_at: entered,
        exited_at: exited,
        exit_kind: exited.map(|_| ExitKind::Scan),
        cancelled: false,
        by_staff: scan.guard_staff.is_some(),
        disputed: false,
    }
}

/// Inserts the visit a scan opens (marked infectious when its person may be); the visit,
/// or none when the id is taken.
async fn insert_new_visit<C: ScanConn>(
    conn: &mut C,
    scan: &Scan,
    entered: Timestamp,
    exited: Option<Timestamp>,
    policy: &Policy,
) -> StoreResult<Option<Visit>> {
    let reaching = visit::positives_reaching(entered, policy);
    let infectious = conn
        .positive_between(&scan.person, reaching.from, reaching.to)
        .await?;
    let visit = new_visit(scan, entered, exited);
    Ok(conn
        .insert_visit(scan, &visit, infectious)
        .await?
        .then_some(visit))
}

/// The scan's reads and writes inside the caller's transaction. Anything but a fresh
/// `Recorded` must be rolled back by the caller (nothing useful was written).
pub(super) async fn check_in_tx<C: ScanConn>(
    conn: &mut C,
    scan: &Scan,
    now: Timestamp,
    policy: &Policy,
) -> StoreResult<ScanResult> {
    conn.lock_person(&scan.person).await?;
    if let Some(earlier) = conn.earlier_scan(&scan.client_visit_id).await? {
        if earlier.person != scan.person {
            return Ok(ScanResult::IdTaken);
        }
        let direction = Direction::parse(&earlier.direction).ok_or_else(|| bad_row("direction"))?;
        let visit = conn.visit(&scan.person, &earlier.visit_id).await?;
        // The same id is a retry only with the same code. Scans recorded before the
        // code was kept are compared by the venue of their visit.
        let same_code = direction == scan.direction
            && match earlier.code {
                (Some(venue), Some(entrance)) => {
                    venue == scan.venue.id as i64 && entrance == i64::from(scan.entrance)
                }
                _ => visit.as_ref().is_none_or(|v| v.venue_id == scan.venue.id),
            };
        if !same_code {
            return Ok(ScanResult::IdConflict);
        }
        let Some(visit) = visit else {
            return Ok(ScanResult::Gone);
        };
        return Ok(ScanResult::Recorded {
            visit,
            direction,
            closed_visit_id: earlier.closed_visit_id,
            replay: true,
            listed: 0,
        });
    }
    // The stays this scan ends, traced once everything is written.
    let mut ended: Vec<(Stay, bool)> = Vec::new();
    let mut open = conn.open_visit(&scan.person).await?;
    if let Some(o) = &open {
        if let Some(at) = visit::due_auto_close(&o.visit, now, policy) {
            conn.close(&o.visit.id, at, ExitKind::Auto).await?;
            ended.push((o.stay(at, now, policy), o.infectious));
            open = None;
        }
    }
    let open_visit = open.as_ref().map(|o| &o.visit);
    let decision = visit::on_scan(open_visit, scan.venue.id, scan.direction, now, policy);
    let end_open = |ended: &mut Vec<(Stay, bool)>| {
        if let Some(o) = &open {
            ended.push((o.stay(now, now, policy), o.infectious));
        }
    };
    // The visit as it is once this scan is written: new ones are known without reading
    // them back.
    let (visit_id, closed_visit_id, written) = match decision {
        ScanDecision::Open { close_previous } => {
            if let Some(prev) = &close_previous {
                conn.close(prev, now, ExitKind::NewEntry).await?;
                end_open(&mut ended);
            }
            let Some(v) = insert_new_visit(conn, scan, now, None, policy).await? else {
                return Ok(ScanResult::IdTaken);
            };
            (scan.client_visit_id.to_owned(), close_previous, Some(v))
        }
        ScanDecision::AlreadyInside { visit_id } => (visit_id, None, None),
        ScanDecision::Close { visit_id } => {
            conn.close(&visit_id, now, ExitKind::Scan).await?;
            end_open(&mut ended);
            (visit_id, None, None)
        }
        ScanDecision::ExitOnly { close_previous } => {
            if let Some(prev) = &close_previous {
                conn.close(prev, now, ExitKind::NewEntry).await?;
                end_open(&mut ended);
            }
            // An exit with no entry here: a zero-length stay, so the diary shows it.
            let Some(v) = insert_new_visit(conn, scan, now, Some(now), policy).await? else {
                return Ok(ScanResult::IdTaken);
            };
            (scan.client_visit_id.to_owned(), close_previous, Some(v))
        }
    };
    if !conn
        .insert_scan(scan, &visit_id, closed_visit_id.as_deref(), now)
        .await?
    {
        return Ok(ScanResult::IdTaken);
    }
    let mut listed = 0;
    for (stay, infectious) in &ended {
        listed += trace_stay(conn, stay, *infectious, now, policy).await?;
    }
    let visit = match written {
        Some(v) => v,
        None => conn
            .visit(&scan.person, &visit_id)
            .await?
            .ok_or_else(|| bad_row("visit just written"))?,
    };
    Ok(ScanResult::Recorded {
        visit,
        direction: scan.direction,
        closed_visit_id,
        replay: false,
        listed,
    })
}

/// A sqlx connection (in a transaction) as a [`ScanConn`].
pub(super) struct SqlxConn<'c, DB: Database>(pub(super) &'c mut DB::Connection);

impl<DB> ScanConn for SqlxConn<'_, DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    async fn lock_person(&mut self, person: &str) -> StoreResult<()> {
        sqlx::query(LOCK_PERSON)
            .bind(person)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn earlier_scan(&mut self, client_visit_id: &str) -> StoreResult<Option<Earlier>> {
        let row = sqlx::query(SELECT_SCAN)
            .bind(client_visit_id)
            .fetch_optional(&mut *self.0)
            .await?;
        row.as_ref().map(earlier_of).transpose()
    }

    async fn visit(&mut self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        Sql::<DB>::visit_in(self.0, person, id).await
    }

    async fn open_visit(&mut self, person: &str) -> StoreResult<Option<Open>> {
        Sql::<DB>::open_visit(self.0, person).await
    }

    async fn close(&mut self, id: &str, at: Timestamp, kind: ExitKind) -> StoreResult<bool> {
        Sql::<DB>::close(self.0, id, at, kind).await
    }

    async fn insert_visit(
        &mut self,
        scan: &Scan,
        visit: &Visit,
        infectious: bool,
    ) -> StoreResult<bool> {
        let done = sqlx::query(INSERT_VISIT)
            .bind(visit.id.as_str())
            .bind(scan.person.as_str())
            .bind(visit.venue_id as i64)
            .bind(visit.venue_name.as_str())
            .bind(visit.address.as_str())
            .bind(visit.category.as_str())
            .bind(i64::from(visit.entrance))
            .bind(visit.entered_at)
            .bind(visit.exited_at)
            .bind(visit.exit_kind.map(|k| k.as_str()))
            .bind(visit.cancelled)
            .bind(infectious)
            .bind(scan.guard_staff)
            .execute(&mut *self.0)
            .await?;
        Ok(done.rows() == 1)
    }

    async fn insert_scan(
        &mut self,
        scan: &Scan,
        visit_id: &str,
        closed_visit_id: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let stored = sqlx::query(INSERT_SCAN)
            .bind(scan.client_visit_id.as_str())
            .bind(scan.person.as_str())
            .bind(visit_id)
            .bind(scan.direction.as_str())
            .bind(closed_visit_id)
            .bind(at)
            .bind(scan.venue.id as i64)
            .bind(i64::from(scan.entrance))
            .execute(&mut *self.0)
            .await?;
        Ok(stored.rows() == 1)
    }

    async fn positive_between(
        &mut self,
        person: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool> {
        let row = sqlx::query(POSITIVE_BETWEEN)
            .bind(person)
            .bind(from)
            .bind(to)
            .fetch_optional(&mut *self.0)
            .await?;
        Ok(row.is_some())
    }

    async fn stays_near(
        &mut self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        all: bool,
    ) -> StoreResult<Vec<NearStay>> {
        let rows = sqlx::query(if all { STAYS_NEAR } else { INFECTIOUS_NEAR })
            .bind(venue_id as i64)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.0)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(NearStay {
                    person: row.try_get("person")?,
                    venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
                    entered_at: row.try_get("entered_at")?,
                    exited_at: row.try_get("exited_at")?,
                    infectious: row.try_get("infectious")?,
                })
            })
            .collect()
    }

    async fn positives_of(&mut self, person: &str) -> StoreResult<Vec<Timestamp>> {
        let rows = sqlx::query(POSITIVES_OF)
            .bind(person)
            .fetch_all(&mut *self.0)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("taken_at")?)).collect()
    }

    async fn insert_contacts(&mut self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        Sql::<DB>::insert_contacts(self.0, contacts).await
    }
}

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    async fn open_visit(conn: &mut DB::Connection, person: &str) -> StoreResult<Option<Open>> {
        let row = sqlx::query(SELECT_OPEN)
            .bind(person)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(open_of).transpose()
    }

    /// Closes a visit still open; false when something else closed it first.
    async fn close(
        conn: &mut DB::Connection,
        id: &str,
        at: Timestamp,
        kind: ExitKind,
    ) -> StoreResult<bool> {
        let done = sqlx::query(CLOSE)
            .bind(at)
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows() == 1)
    }

    /// Auto-closes `open` at `at` and traces the stay it ends, in one transaction.
    async fn auto_close(
        write: &Pool<DB>,
        open: &Open,
        at: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<bool> {
        let mut tx = begin_write(write).await?;
        if !Self::close(&mut tx, &open.visit.id, at, ExitKind::Auto).await? {
            return Ok(false);
        }
        trace_stay(
            &mut SqlxConn::<DB>(&mut tx),
            &open.stay(at, now, policy),
            open.infectious,
            now,
            policy,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn visit_in(
        conn: &mut DB::Connection,
        person: &str,
        id: &str,
    ) -> StoreResult<Option<Visit>> {
        let row = sqlx::query(SELECT_VISIT)
            .bind(id)
            .bind(person)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(visit_of).transpose()
    }

    /// The diary, newest first, after closing a due open visit (on the write pool).
    pub(super) async fn visits(
        read: &Pool<DB>,
        write: &Pool<DB>,
        person: &str,
        now: Timestamp,
        policy: &Policy,
        limit: i64,
    ) -> StoreResult<Vec<Visit>> {
        let mut conn = read.acquire().await?;
        let open = Self::open_visit(&mut conn, person).await?;
        drop(conn);
        if let Some(o) = open {
            if let Some(at) = visit::due_auto_close(&o.visit, now, policy) {
                Self::auto_close(write, &o, at, now, policy).await?;
            }
        }
        let rows = sqlx::query(SELECT_DIARY)
            .bind(person)
            .bind(limit)
            .fetch_all(read)
            .await?;
        rows.iter().map(visit_of).collect()
    }

    pub(super) async fn visit(
        read: &Pool<DB>,
        person: &str,
        id: &str,
    ) -> StoreResult<Option<Visit>> {
        let mut conn = read.acquire().await?;
        Self::visit_in(&mut conn, person, id).await
    }

    pub(super) async fn set_cancelled(write: &Pool<DB>, person: &str, id: &str) -> StoreResult<()> {
        sqlx::query(CANCEL)
            .bind(true)
            .bind(id)
            .bind(person)
            .execute(write)
            .await?;
        Ok(())
    }

    pub(super) async fn auto_close_due(
        read: &Pool<DB>,
        write: &Pool<DB>,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<u64> {
        let rows = sqlx::query(SELECT_ALL_OPEN).fetch_all(read).await?;
        let mut closed = 0;
        for r in rows {
            let open = open_of(&r)?;
            if let Some(at) = visit::due_auto_close(&open.visit, now, policy) {
                if Self::auto_close(write, &open, at, now, policy).await? {
                    closed += 1;
                }
            }
        }
        Ok(closed)
    }
}
