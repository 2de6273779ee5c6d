//! The business side: the business registry (who may act for a BIN), door staff,
//! re-issued entrance codes, the children the citizen registry links to a parent, and
//! the audit log.

use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{begin_write, to_u64, to_u8, Affected, Sql};
use super::types::{
    AuditEntry, AuditRecord, BusinessRecord, Citizen, StaffRecord, StoreResult, Venue,
};
use super::venues::venue_of;

const BUSINESSES_OF: &str = "SELECT b.bin, b.name FROM businesses b \
     JOIN business_owners o ON o.bin = b.bin WHERE o.iin = $1 ORDER BY b.bin";
const VENUES_OF: &str = "SELECT id, bin, business_name, address, category, pcr_required, \
     entrances, created_at FROM venues WHERE bin = $1 ORDER BY id";
// Staff powers hold only while the owner who made the appointment still owns the
// premises' business in the registry: an owner who loses the business (or a business that
// leaves the registry) takes its appointments' powers with it, at the next request.
const STAFF_POWERS: &str = "SELECT s.id FROM staff s JOIN venues v ON v.id = s.venue_id \
     JOIN citizens o ON o.id = s.appointed_by \
     JOIN business_owners bo ON bo.bin = v.bin AND bo.iin = o.iin \
     WHERE s.venue_id = $1 AND s.iin = $2";
const STAFF_POSTS: &str = "SELECT DISTINCT v.id, v.bin, v.business_name, v.address, v.category, \
     v.pcr_required, v.entrances, v.created_at FROM staff s \
     JOIN venues v ON v.id = s.venue_id \
     JOIN citizens o ON o.id = s.appointed_by \
     JOIN business_owners bo ON bo.bin = v.bin AND bo.iin = o.iin \
     WHERE s.iin = $1 ORDER BY v.id";
const STAFF_OF: &str = "SELECT s.id, s.venue_id, s.iin, s.appointed_at \
     FROM staff s WHERE s.venue_id = $1 ORDER BY s.id";
const STAFF_ONE: &str = "SELECT s.id, s.venue_id, s.iin, s.appointed_at \
     FROM staff s WHERE s.venue_id = $1 AND s.iin = $2";
const APPOINT: &str = "INSERT INTO staff (venue_id, iin, appointed_at, appointed_by) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (venue_id, iin) DO UPDATE \
     SET appointed_by = excluded.appointed_by, appointed_at = excluded.appointed_at \
     WHERE staff.appointed_by IS NULL OR staff.appointed_by <> excluded.appointed_by";
const REMOVE: &str = "DELETE FROM staff WHERE venue_id = $1 AND id = $2";
const VALID_FROM: &str =
    "SELECT entrance, valid_from FROM entrance_codes WHERE venue_id = $1 ORDER BY entrance";
const VALID_FROM_ONE: &str =
    "SELECT valid_from FROM entrance_codes WHERE venue_id = $1 AND entrance = $2";
const REISSUE: &str = "INSERT INTO entrance_codes (venue_id, entrance, valid_from) \
     VALUES ($1, $2, $3) ON CONFLICT (venue_id, entrance) DO UPDATE SET valid_from = excluded.valid_from";
const CHILDREN: &str =
    "SELECT id, iin, name, lastname, session_epoch FROM citizens WHERE parent_iin = $1 ORDER BY id";
const AUDIT: &str = "INSERT INTO audit_log (at, actor_kind, actor_id, action, venue_id, \
     subject, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const AUDIT_READ: &str = "SELECT at, actor_kind, actor_id, action, venue_id, subject, \
     detail FROM audit_log ORDER BY id DESC LIMIT $1";

fn staff_of_row<R>(row: &R) -> StoreResult<StaffRecord>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(StaffRecord {
        id: row.try_get("id")?,
        venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
        iin: row.try_get("iin")?,
        appointed_at: row.try_get("appointed_at")?,
    })
}

fn business_of_row<R>(row: &R) -> StoreResult<BusinessRecord>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(BusinessRecord {
        bin: row.try_get("bin")?,
        name: row.try_get("name")?,
    })
}

/// Writing the audit log inside another concern's transaction (imports, staff, codes).
impl<DB> Sql<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
{
    pub(super) async fn write_audit(conn: &mut DB::Connection, e: &AuditEntry) -> StoreResult<()> {
        sqlx::query(AUDIT)
            .bind(e.at)
            .bind(e.actor.kind)
            .bind(e.actor.id.as_str())
            .bind(e.action)
            .bind(e.venue_id.map(|v| v as i64))
            .bind(e.subject.as_deref())
            .bind(e.detail.as_str())
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The audit row of something done inside the caller's transaction.
    pub(super) async fn audit_in(conn: &mut DB::Connection, e: &AuditEntry) -> StoreResult<()> {
        Self::write_audit(conn, e).await
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
    pub(super) async fn businesses_of(
        read: &Pool<DB>,
        iin: &str,
    ) -> StoreResult<Vec<BusinessRecord>> {
        let rows = sqlx::query(BUSINESSES_OF).bind(iin).fetch_all(read).await?;
        rows.iter().map(business_of_row).collect()
    }

    pub(super) async fn venues_of(read: &Pool<DB>, bin: &str) -> StoreResult<Vec<Venue>> {
        let rows = sqlx::query(VENUES_OF).bind(bin).fetch_all(read).await?;
        rows.iter().map(venue_of).collect()
    }

    pub(super) async fn staff_posts(read: &Pool<DB>, iin: &str) -> StoreResult<Vec<Venue>> {
        let rows = sqlx::query(STAFF_POSTS).bind(iin).fetch_all(read).await?;
        rows.iter().map(venue_of).collect()
    }

    pub(super) async fn staff_of(read: &Pool<DB>, venue_id: u64) -> StoreResult<Vec<StaffRecord>> {
        let rows = sqlx::query(STAFF_OF)
            .bind(venue_id as i64)
            .fetch_all(read)
            .await?;
        rows.iter().map(staff_of_row).collect()
    }

    pub(super) async fn staff_powers(
        read: &Pool<DB>,
        venue_id: u64,
        iin: &str,
    ) -> StoreResult<Option<i64>> {
        let row = sqlx::query(STAFF_POWERS)
            .bind(venue_id as i64)
            .bind(iin)
            .fetch_optional(read)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>("id")).transpose()?)
    }

    pub(super) async fn appoint_staff(
        write: &Pool<DB>,
        venue_id: u64,
        iin: &str,
        appointed_by: i64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<StaffRecord> {
        let mut tx = begin_write(write).await?;
        let fresh = sqlx::query(APPOINT)
            .bind(venue_id as i64)
            .bind(iin)
            .bind(now)
            .bind(appointed_by)
            .execute(&mut *tx)
            .await?;
        if fresh.rows() > 0 {
            Self::write_audit(&mut tx, audit).await?;
        }
        let row = sqlx::query(STAFF_ONE)
            .bind(venue_id as i64)
            .bind(iin)
            .fetch_one(&mut *tx)
            .await?;
        let staff = staff_of_row(&row)?;
        tx.commit().await?;
        Ok(staff)
    }

    pub(super) async fn remove_staff(
        write: &Pool<DB>,
        venue_id: u64,
        staff_id: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let mut tx = begin_write(write).await?;
        let gone = sqlx::query(REMOVE)
            .bind(venue_id as i64)
            .bind(staff_id)
            .execute(&mut *tx)
            .await?
            .rows();
        if gone > 0 {
            Self::write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(gone > 0)
    }

    pub(super) async fn entrance_valid_from(
        read: &Pool<DB>,
        venue_id: u64,
    ) -> StoreResult<Vec<(u8, Timestamp)>> {
        let rows = sqlx::query(VALID_FROM)
            .bind(venue_id as i64)
            .fetch_all(read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    to_u8(r.try_get("entrance")?, "entrance")?,
                    r.try_get("valid_from")?,
                ))
            })
            .collect()
    }

    pub(super) async fn reissue_entrance(
        write: &Pool<DB>,
        venue_id: u64,
        entrance: u8,
        previous: Timestamp,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<Timestamp> {
        let mut tx = begin_write(write).await?;
        let current: Option<i64> = sqlx::query(VALID_FROM_ONE)
            .bind(venue_id as i64)
            .bind(i64::from(entrance))
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("valid_from"))
            .transpose()?;
        // Strictly later than every code issued so far, even two re-issues in one second:
        // a code's issued-at is what tells the old posters from the new.
        let valid_from = now.max(previous + 1).max(current.map_or(0, |c| c + 1));
        sqlx::query(REISSUE)
            .bind(venue_id as i64)
            .bind(i64::from(entrance))
            .bind(valid_from)
            .execute(&mut *tx)
            .await?;
        Self::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(valid_from)
    }

    pub(super) async fn children_of(
        read: &Pool<DB>,
        parent_iin: &str,
    ) -> StoreResult<Vec<Citizen>> {
        let rows = sqlx::query(CHILDREN)
            .bind(parent_iin)
            .fetch_all(read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Citizen {
                    id: r.try_get("id")?,
                    iin: r.try_get("iin")?,
                    name: r.try_get("name")?,
                    lastname: r.try_get("lastname")?,
                    session_epoch: r.try_get("session_epoch")?,
                })
            })
            .collect()
    }

    pub(super) async fn audit(write: &Pool<DB>, e: &AuditEntry) -> StoreResult<()> {
        let mut conn = write.acquire().await?;
        Self::write_audit(&mut conn, e).await
    }

    pub(super) async fn audit_log(read: &Pool<DB>, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(AUDIT_READ).bind(limit).fetch_all(read).await?;
        rows.iter()
            .map(|r| {
                let venue: Option<i64> = r.try_get("venue_id")?;
                Ok(AuditRecord {
                    at: r.try_get("at")?,
                    actor_kind: r.try_get("actor_kind")?,
                    actor_id: r.try_get("actor_id")?,
                    action: r.try_get("action")?,
                    venue_id: venue.map(|v| to_u64(v, "venue id")).transpose()?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
