//! Guard mode's proof of presence (one-time codes sent to the visitor's registered phone,
//! kept as keyed hashes) and the visitor's dispute of a guard-mode visit, which takes the
//! visit out of contact tracing and withdraws the listings its stay made.
//!
//! Withdrawing works without remembering which stay made which listing: a person is at one
//! venue at a time, so every listing of a person whose time falls inside one of their stays
//! was made by that stay. The dispute deletes the traced (not imported) listings inside the
//! disputed stay and inside every stay that overlapped it, turns the disputed visit into a
//! stay of no length, and traces the overlapping stays again: what other stays justify is
//! listed again, what only the disputed one made is gone.

use ashyq_core::api::ExitKind;
use ashyq_core::status::Policy;
use ashyq_core::visit::{self, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::exposure::trace_stay;
use super::scan_conn::ScanConn;
use super::sql::{begin_write, to_u64, to_u8, Affected, Sql};
use super::types::{AuditEntry, Challenge, Dispute, DisputeResult, Scan, ScanResult, StoreResult};
use super::visits::SqlxConn;

const PHONE_OF: &str = "SELECT phone FROM citizens WHERE iin = $1";
const ADD_CHALLENGE: &str = "INSERT INTO presence_challenges (id, venue_id, entrance, \
     staff_id, iin, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Challenges live minutes; a day later nothing can need them.
const PURGE_CHALLENGES: &str = "DELETE FROM presence_challenges WHERE created_at < $1";
const CHALLENGE: &str = "SELECT id, venue_id, entrance, staff_id, iin, code_hash, created_at, \
     expires_at, attempts, visit_id FROM presence_challenges WHERE id = $1";
const FAILED: &str = "UPDATE presence_challenges SET attempts = attempts + 1 WHERE id = $1";
const ATTEMPTS: &str = "SELECT attempts FROM presence_challenges WHERE id = $1";
const USE_CHALLENGE: &str =
    "UPDATE presence_challenges SET visit_id = $1 WHERE id = $2 AND visit_id IS NULL";

const DISPUTED_VISIT: &str = "SELECT person, venue_id, entered_at, exited_at, guard_staff, \
     disputed_at FROM visits WHERE id = $1 AND person = $2";
// A disputed visit becomes a stay of no length: it overlaps nothing, so no tracing,
// now or later (an import of a positive, a scan elsewhere), can list anyone through it.
const DISPUTE: &str = "UPDATE visits SET disputed_at = $1, infectious = $2, \
     exited_at = entered_at, exit_kind = COALESCE(exit_kind, $3) WHERE id = $4";
const WITHDRAW: &str = "DELETE FROM contacts WHERE iin = $1 AND NOT imported \
     AND listed_at > $2 AND listed_at <= $3";
const DISPUTES: &str = "SELECT id, venue_id, guard_staff, entered_at, disputed_at FROM visits \
     WHERE disputed_at IS NOT NULL ORDER BY disputed_at DESC, id LIMIT $1";

/// The challenges' purge horizon.
const CHALLENGE_KEPT: Timestamp = 24 * 3600;

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
    pub(super) async fn phone_of(read: &Pool<DB>, iin: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query(PHONE_OF).bind(iin).fetch_optional(read).await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("phone"))
            .transpose()?
            .flatten())
    }

    pub(super) async fn add_challenge(write: &Pool<DB>, c: &Challenge) -> StoreResult<()> {
        let mut tx = begin_write(write).await?;
        sqlx::query(PURGE_CHALLENGES)
            .bind(c.created_at - CHALLENGE_KEPT)
            .execute(&mut *tx)
            .await?;
        sqlx::query(ADD_CHALLENGE)
            .bind(c.id.as_str())
            .bind(c.venue_id as i64)
            .bind(i64::from(c.entrance))
            .bind(c.staff_id)
            .bind(c.iin.as_str())
            .bind(c.code_hash.as_str())
            .bind(c.created_at)
            .bind(c.expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn challenge(read: &Pool<DB>, id: &str) -> StoreResult<Option<Challenge>> {
        let row = sqlx::query(CHALLENGE).bind(id).fetch_optional(read).await?;
        row.map(|r| {
            Ok(Challenge {
                id: r.try_get("id")?,
                venue_id: to_u64(r.try_get("venue_id")?, "venue id")?,
                entrance: to_u8(r.try_get("entrance")?, "entrance")?,
                staff_id: r.try_get("staff_id")?,
                iin: r.try_get("iin")?,
                code_hash: r.try_get("code_hash")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                attempts: r.try_get("attempts")?,
                visit_id: r.try_get("visit_id")?,
            })
        })
        .transpose()
    }

    pub(super) async fn challenge_failed(write: &Pool<DB>, id: &str) -> StoreResult<i64> {
        let mut tx = begin_write(write).await?;
        sqlx::query(FAILED).bind(id).execute(&mut *tx).await?;
        let attempts = sqlx::query(ATTEMPTS)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>("attempts"))
            .transpose()?
            .unwrap_or(i64::MAX);
        tx.commit().await?;
        Ok(attempts)
    }

    pub(super) async fn check_in_with_challenge(
        write: &Pool<DB>,
        challenge_id: &str,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Option<ScanResult>> {
        let mut tx = begin_write(write).await?;
        let claimed = sqlx::query(USE_CHALLENGE)
            .bind(scan.client_visit_id.as_str())
            .bind(challenge_id)
            .execute(&mut *tx)
            .await?
            .rows();
        if claimed == 0 {
            // Used already: only a retry of the visit it recorded is answered again.
            let used: Option<String> = sqlx::query(CHALLENGE)
                .bind(challenge_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("visit_id"))
                .transpose()?
                .flatten();
            if used.as_deref() != Some(scan.client_visit_id.as_str()) {
                return Ok(None);
            }
        }
        let result =
            super::visits::check_in_tx(&mut SqlxConn::<DB>(&mut *tx), &scan, now, policy).await?;
        if matches!(result, ScanResult::Recorded { replay: false, .. }) {
            tx.commit().await?;
        }
        Ok(Some(result))
    }

    pub(super) async fn dispute_visit(
        write: &Pool<DB>,
        person: &str,
        visit_id: &str,
        now: Timestamp,
        policy: &Policy,
        audit: &AuditEntry,
    ) -> StoreResult<DisputeResult> {
        let mut tx = begin_write(write).await?;
        // Ordered with the person's scans, as a scan is.
        SqlxConn::<DB>(&mut *tx).lock_person(person).await?;
        let Some(row) = sqlx::query(DISPUTED_VISIT)
            .bind(visit_id)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(DisputeResult::NotFound);
        };
        let guard: Option<i64> = row.try_get("guard_staff")?;
        let disputed: Option<i64> = row.try_get("disputed_at")?;
        if guard.is_none() {
            return Ok(DisputeResult::NotGuard);
        }
        if disputed.is_none() {
            let start: Timestamp = row.try_get("entered_at")?;
            let exited: Option<Timestamp> = row.try_get("exited_at")?;
            let disputed_stay = Stay {
                person: person.to_owned(),
                venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
                start,
                end: visit::stay_end(start, exited, now, policy),
            };
            sqlx::query(DISPUTE)
                .bind(now)
                .bind(false)
                .bind(ExitKind::Auto.as_str())
                .bind(visit_id)
                .execute(&mut *tx)
                .await?;
            let withdrawn =
                Self::withdraw(&mut SqlxConn::<DB>(&mut *tx), &disputed_stay, now, policy).await?;
            let mut audit = audit.clone();
            audit.detail = format!("withdrew {withdrawn} contact listings");
            Self::write_audit(&mut tx, &audit).await?;
            tx.commit().await?;
            let visit = Self::visit(write, person, visit_id)
                .await?
                .ok_or_else(|| super::sql::bad_row("visit just disputed"))?;
            return Ok(DisputeResult::Disputed { visit, withdrawn });
        }
        drop(tx);
        let visit = Self::visit(write, person, visit_id)
            .await?
            .ok_or_else(|| super::sql::bad_row("disputed visit"))?;
        Ok(DisputeResult::Disputed {
            visit,
            withdrawn: 0,
        })
    }

    pub(super) async fn disputes(read: &Pool<DB>, limit: i64) -> StoreResult<Vec<Dispute>> {
        let rows = sqlx::query(DISPUTES).bind(limit).fetch_all(read).await?;
        rows.iter()
            .map(|r| {
                Ok(Dispute {
                    visit_id: r.try_get("id")?,
                    venue_id: to_u64(r.try_get("venue_id")?, "venue id")?,
                    staff_id: r.try_get::<Option<i64>, _>("guard_staff")?.unwrap_or(0),
                    entered_at: r.try_get("entered_at")?,
                    disputed_at: r.try_get::<Option<i64>, _>("disputed_at")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// Withdraws the listings the disputed stay made (see the module's comment); how many
    /// listings are gone in the end (those listed again do not count).
    async fn withdraw(
        conn: &mut SqlxConn<'_, DB>,
        disputed: &Stay,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<u64> {
        let entries = visit::entries_overlapping(&disputed.span(), policy);
        let near = conn
            .stays_near(disputed.venue_id, entries.from, entries.to, true)
            .await?;
        let mut touched: Vec<(Stay, bool)> = Vec::new();
        for row in near {
            let stay = Stay {
                person: row.person,
                venue_id: row.venue_id,
                start: row.entered_at,
                end: visit::stay_end(row.entered_at, row.exited_at, now, policy),
            };
            if stay.person != disputed.person && visit::overlaps(&stay, disputed) {
                touched.push((stay, row.infectious));
            }
        }
        let mut deleted = Self::delete_listings(conn, disputed).await?;
        for (stay, _) in &touched {
            deleted += Self::delete_listings(conn, stay).await?;
        }
        let mut relisted = 0;
        for (stay, infectious) in &touched {
            relisted += trace_stay(conn, stay, *infectious, now, policy).await?;
        }
        Ok(deleted.saturating_sub(relisted))
    }

    /// Deletes the traced listings of a stay's person that fall inside the stay.
    async fn delete_listings(conn: &mut SqlxConn<'_, DB>, stay: &Stay) -> StoreResult<u64> {
        Ok(sqlx::query(WITHDRAW)
            .bind(stay.person.as_str())
            .bind(stay.start)
            .bind(stay.end)
            .execute(&mut *conn.0)
            .await?
            .rows())
    }
}
