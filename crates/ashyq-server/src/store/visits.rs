//! Visits: recording a scan (closing a due or replaced visit first), the diary,
//! cancelling, and closing visits whose default stay is over.

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::Policy;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::visit::{self, OpenVisit, ScanDecision, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{bad_row, to_u64, to_u8, Affected, Sql};
use super::types::{Scan, ScanResult, StoreResult};

const SELECT_VISIT: &str = "SELECT id, venue_id, venue_name, address, category, entrance, \
     entered_at, exited_at, exit_kind, cancelled FROM visits WHERE id = $1 AND person = $2";

const SELECT_DIARY: &str = "SELECT id, venue_id, venue_name, address, category, entrance, \
     entered_at, exited_at, exit_kind, cancelled FROM visits WHERE person = $1 \
     ORDER BY entered_at DESC, id DESC LIMIT $2";

// A cancelled visit is still a stay: open until a scan or the auto-close ends it.
const SELECT_OPEN: &str = "SELECT id, person, venue_id, entered_at, cancelled, infectious \
     FROM visits WHERE person = $1 AND exited_at IS NULL ORDER BY entered_at DESC LIMIT 1";

const SELECT_ALL_OPEN: &str = "SELECT id, person, venue_id, entered_at, cancelled, \
     infectious FROM visits WHERE exited_at IS NULL";

const CLOSE: &str =
    "UPDATE visits SET exited_at = $1, exit_kind = $2 WHERE id = $3 AND exited_at IS NULL";

const INSERT_VISIT: &str = "INSERT INTO visits (id, person, venue_id, venue_name, address, \
     category, entrance, entered_at, exited_at, exit_kind, cancelled, infectious) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING";

// Written first in a scan's transaction so it holds SQLite's write lock, or the person's
// row lock in PostgreSQL, from the start: one person's scans run one after another.
const LOCK_PERSON: &str = "UPDATE citizens SET updated_at = updated_at WHERE iin = $1";

const SELECT_SCAN: &str = "SELECT person, visit_id, direction, closed_visit_id, venue_id, \
     entrance FROM scans WHERE id = $1";

const INSERT_SCAN: &str = "INSERT INTO scans (id, person, visit_id, direction, \
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
    })
}

/// An open visit, with its person and whether it is marked infectious (for tracing).
struct Open {
    visit: OpenVisit,
    person: String,
    infectious: bool,
}

impl Open {
    /// The stay it becomes when closed at `at`.
    fn stay(&self, at: Timestamp, now: Timestamp, policy: &Policy) -> Stay {
        let start = self.visit.entered_at;
        Stay {
            person: self.person.clone(),
            venue_id: self.visit.venue_id,
            start,
            end: visit::stay_end(start, Some(at), now, policy),
        }
    }
}

fn open_of<R>(row: &R) -> StoreResult<Open>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Open {
        visit: OpenVisit {
            id: row.try_get("id")?,
            venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
            entered_at: row.try_get("entered_at")?,
            cancelled: row.try_get("cancelled")?,
        },
        person: row.try_get("person")?,
        infectious: row.try_get("infectious")?,
    })
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
    /// The scan's reads and writes inside the caller's transaction. Anything but a fresh
    /// `Recorded` must be rolled back by the caller (nothing useful was written).
    pub(super) async fn check_in_tx(
        conn: &mut DB::Connection,
        scan: &Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        sqlx::query(LOCK_PERSON)
            .bind(scan.person.as_str())
            .execute(&mut *conn)
            .await?;
        let earlier = sqlx::query(SELECT_SCAN)
            .bind(scan.client_visit_id.as_str())
            .fetch_optional(&mut *conn)
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
            let code: (Option<i64>, Option<i64>) =
                (row.try_get("venue_id")?, row.try_get("entrance")?);
            let visit = Self::visit_in(conn, &scan.person, &visit_id).await?;
            // The same id is a retry only with the same code. Scans recorded before the
            // code was kept are compared by the venue of their visit.
            let same_code = direction == scan.direction
                && match code {
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
                closed_visit_id,
                replay: true,
                listed: 0,
            });
        }
        // The stays this scan ends, traced once everything is written.
        let mut ended: Vec<(Stay, bool)> = Vec::new();
        let mut open = Self::open_visit(conn, &scan.person).await?;
        if let Some(o) = &open {
            if let Some(at) = visit::due_auto_close(&o.visit, now, policy) {
                Self::close(conn, &o.visit.id, at, ExitKind::Auto).await?;
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
        let (visit_id, closed_visit_id) = match decision {
            ScanDecision::Open { close_previous } => {
                if let Some(prev) = &close_previous {
                    Self::close(conn, prev, now, ExitKind::NewEntry).await?;
                    end_open(&mut ended);
                }
                if !Self::insert_visit(conn, scan, now, None, policy).await? {
                    return Ok(ScanResult::IdTaken);
                }
                (scan.client_visit_id.to_owned(), close_previous)
            }
            ScanDecision::AlreadyInside { visit_id } => (visit_id, None),
            ScanDecision::Close { visit_id } => {
                Self::close(conn, &visit_id, now, ExitKind::Scan).await?;
                end_open(&mut ended);
                (visit_id, None)
            }
            ScanDecision::ExitOnly { close_previous } => {
                if let Some(prev) = &close_previous {
                    Self::close(conn, prev, now, ExitKind::NewEntry).await?;
                    end_open(&mut ended);
                }
                // An exit with no entry here: a zero-length stay, so the diary shows it.
                if !Self::insert_visit(conn, scan, now, Some(now), policy).await? {
                    return Ok(ScanResult::IdTaken);
                }
                (scan.client_visit_id.to_owned(), close_previous)
            }
        };
        let stored = sqlx::query(INSERT_SCAN)
            .bind(scan.client_visit_id.as_str())
            .bind(scan.person.as_str())
            .bind(visit_id.as_str())
            .bind(scan.direction.as_str())
            .bind(closed_visit_id.as_deref())
            .bind(now)
            .bind(scan.venue.id as i64)
            .bind(i64::from(scan.entrance))
            .execute(&mut *conn)
            .await?;
        if stored.rows() != 1 {
            return Ok(ScanResult::IdTaken);
        }
        let mut listed = 0;
        for (stay, infectious) in &ended {
            listed += Self::trace_stay(conn, stay, *infectious, now, policy).await?;
        }
        let visit = Self::visit_in(conn, &scan.person, &visit_id)
            .await?
            .ok_or_else(|| bad_row("visit just written"))?;
        Ok(ScanResult::Recorded {
            visit,
            direction: scan.direction,
            closed_visit_id,
            replay: false,
            listed,
        })
    }

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
        let mut tx = write.begin().await?;
        if !Self::close(&mut tx, &open.visit.id, at, ExitKind::Auto).await? {
            return Ok(false);
        }
        Self::trace_stay(
            &mut tx,
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

    /// Inserts a visit (marked infectious when its person may be); false when the id is
    /// taken.
    async fn insert_visit(
        conn: &mut DB::Connection,
        scan: &Scan,
        entered: Timestamp,
        exited: Option<Timestamp>,
        policy: &Policy,
    ) -> StoreResult<bool> {
        let infectious = Self::infectious_from(conn, &scan.person, entered, policy).await?;
        let v = &scan.venue;
        let done = sqlx::query(INSERT_VISIT)
            .bind(scan.client_visit_id.as_str())
            .bind(scan.person.as_str())
            .bind(v.id as i64)
            .bind(v.business_name.as_str())
            .bind(v.address.as_str())
            .bind(v.category.as_str())
            .bind(i64::from(scan.entrance))
            .bind(entered)
            .bind(exited)
            .bind(exited.map(|_| ExitKind::Scan.as_str()))
            .bind(false)
            .bind(infectious)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows() == 1)
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
