//! Health-data imports (idempotent batches, each in one transaction) and what contact
//! tracing reads and writes: stays, contact listings and the queue of positives to trace.

use ashyq_core::status::Policy;
use ashyq_core::visit::{self, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{begin_write, to_u64, Affected, Sql};
use super::types::{subject, Actor, AuditEntry, ImportResult, StoreResult, ValidRows};

// A batch id is its importer's (`key:<id>`, `operator:cli`): integrators cannot collide.
const NEW_BATCH: &str = "INSERT INTO import_batches (importer, batch_id, imported_at, accepted, \
     rejected, digest) VALUES ($1, $2, $3, 0, 0, $4) ON CONFLICT (importer, batch_id) DO NOTHING";
const BATCH_COUNTS: &str = "SELECT accepted, rejected, digest FROM import_batches \
     WHERE importer = $1 AND batch_id = $2";
// Taken before a positive is written, as a scan takes it first: a person's scans and the
// import of their positive run one after the other, so a stay begun meanwhile is either
// marked by the import or sees the positive itself.
const LOCK_PERSON: &str = "UPDATE citizens SET updated_at = updated_at WHERE iin = $1";
const SET_BATCH_COUNTS: &str = "UPDATE import_batches SET accepted = $1, rejected = $2 \
     WHERE importer = $3 AND batch_id = $4";

/// A citizen's row and every row that holds one of the given host identities.
const IDENTITIES: &str =
    "SELECT iin, phone, aitu_id, telegram_id, vk_id, parent_iin FROM citizens \
     WHERE iin = $1 OR phone = $2 OR aitu_id = $3 OR telegram_id = $4 OR vk_id = $5";
/// An upsert that never unlinks: an identity or parent left out of a row stays as it was
/// (a change goes through `relink` or `change_parent`, checked before this runs).
const UPSERT_CITIZEN: &str = "INSERT INTO citizens (iin, name, lastname, phone, aitu_id, \
     telegram_id, vk_id, parent_iin, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (iin) DO UPDATE SET name = excluded.name, lastname = excluded.lastname, \
     phone = COALESCE(excluded.phone, citizens.phone), \
     aitu_id = COALESCE(excluded.aitu_id, citizens.aitu_id), \
     telegram_id = COALESCE(excluded.telegram_id, citizens.telegram_id), \
     vk_id = COALESCE(excluded.vk_id, citizens.vk_id), \
     parent_iin = COALESCE(excluded.parent_iin, citizens.parent_iin), \
     updated_at = excluded.updated_at";

const UPSERT_BUSINESS: &str = "INSERT INTO businesses (bin, name, updated_at) VALUES ($1, $2, $3) \
     ON CONFLICT (bin) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at";
const CLEAR_OWNERS: &str = "DELETE FROM business_owners WHERE bin = $1";
const ADD_OWNER: &str =
    "INSERT INTO business_owners (bin, iin) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// One host identity of an import row: its column and value.
#[derive(Debug, Clone, PartialEq)]
enum Identity {
    Text(&'static str, String),
    Number(&'static str, i64),
}

impl Identity {
    fn column(&self) -> &'static str {
        match self {
            Identity::Text(c, _) | Identity::Number(c, _) => c,
        }
    }
}

/// A citizen's row as the identity check reads it.
struct Linked {
    iin: String,
    ids: [Option<Identity>; 4],
    parent_iin: Option<String>,
}

const INSERT_PCR: &str =
    "INSERT INTO pcr (iin, taken_at, positive) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const QUEUE_TRACING: &str = "INSERT INTO pending_tracing (iin, taken_at, queued_at) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
// Imported listings are marked: a visitor's dispute withdraws traced listings only.
const INSERT_CONTACT: &str = "INSERT INTO contacts (iin, listed_at, imported) \
     VALUES ($1, $2, TRUE) ON CONFLICT DO NOTHING";
const INSERT_VACCINATION: &str = "INSERT INTO vaccinations (iin, at, course_complete) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const INSERT_RECOVERY: &str =
    "INSERT INTO recoveries (iin, at) VALUES ($1, $2) ON CONFLICT DO NOTHING";

// Cancelled visits included: cancelling leaves the diary, not tracing.
const STAYS_OF: &str = "SELECT person, venue_id, entered_at, exited_at FROM visits \
     WHERE person = $1 AND entered_at >= $2";
const STAYS_AT: &str = "SELECT person, venue_id, entered_at, exited_at FROM visits \
     WHERE venue_id = $1 AND entered_at >= $2 AND entered_at < $3";

const CITIZEN_ID: &str = "SELECT id FROM citizens WHERE iin = $1";

const PENDING: &str = "SELECT iin, taken_at FROM pending_tracing ORDER BY queued_at, iin, taken_at";
const DONE: &str = "DELETE FROM pending_tracing WHERE iin = $1 AND taken_at = $2";

/// A citizen's row id, for the audit log.
async fn citizen_id<DB>(conn: &mut DB::Connection, iin: &str) -> StoreResult<Option<i64>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    Ok(sqlx::query(CITIZEN_ID)
        .bind(iin)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("id"))
        .transpose()?)
}

fn stay_of<R>(row: &R, now: Timestamp, policy: &Policy) -> StoreResult<Stay>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let start: i64 = row.try_get("entered_at")?;
    let exited: Option<i64> = row.try_get("exited_at")?;
    Ok(Stay {
        person: row.try_get("person")?,
        venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
        start,
        end: visit::stay_end(start, exited, now, policy),
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
    for<'q> Option<String>: Decode<'q, DB> + Type<DB>,
{
    // As `Store::import`, whose arguments these are.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn import(
        write: &Pool<DB>,
        batch_id: &str,
        digest: &str,
        rows: &ValidRows,
        rejected: usize,
        now: Timestamp,
        policy: &Policy,
        actor: &Actor,
    ) -> StoreResult<ImportResult> {
        let importer = format!("{}:{}", actor.kind, actor.id);
        let mut tx = begin_write(write).await?;
        let fresh = sqlx::query(NEW_BATCH)
            .bind(importer.as_str())
            .bind(batch_id)
            .bind(now)
            .bind(digest)
            .execute(&mut *tx)
            .await?;
        if fresh.rows() == 0 {
            let row = sqlx::query(BATCH_COUNTS)
                .bind(importer.as_str())
                .bind(batch_id)
                .fetch_one(&mut *tx)
                .await?;
            // Batches imported before digests were kept have none: taken as the same.
            let stored: Option<String> = row.try_get("digest")?;
            if stored.is_some_and(|d| d != digest) {
                return Ok(ImportResult::Conflict);
            }
            return Ok(ImportResult::Duplicate {
                accepted: row.try_get::<i64, _>("accepted")? as usize,
                rejected: row.try_get::<i64, _>("rejected")? as usize,
            });
        }
        let mut clashes = Vec::new();
        for (i, c) in &rows.citizens {
            let phone = c.phone.as_deref().and_then(ashyq_core::id::phone_e164);
            let mut ids = Vec::new();
            if let Some(p) = &phone {
                ids.push(Identity::Text("phone", p.clone()));
            }
            if let Some(a) = &c.aitu_id {
                ids.push(Identity::Text("aitu_id", a.clone()));
            }
            if let Some(t) = c.telegram_id {
                ids.push(Identity::Number("telegram_id", t));
            }
            if let Some(v) = c.vk_id {
                ids.push(Identity::Number("vk_id", v));
            }
            // This IIN's row and every row holding one of the identities, in one query.
            let rows = sqlx::query(IDENTITIES)
                .bind(c.iin.as_str())
                .bind(phone.as_deref())
                .bind(c.aitu_id.as_deref())
                .bind(c.telegram_id)
                .bind(c.vk_id)
                .fetch_all(&mut *tx)
                .await?;
            let mut linked = Vec::with_capacity(rows.len());
            for r in &rows {
                linked.push(Linked {
                    iin: r.try_get("iin")?,
                    ids: [
                        r.try_get::<Option<String>, _>("phone")?
                            .map(|v| Identity::Text("phone", v)),
                        r.try_get::<Option<String>, _>("aitu_id")?
                            .map(|v| Identity::Text("aitu_id", v)),
                        r.try_get::<Option<i64>, _>("telegram_id")?
                            .map(|v| Identity::Number("telegram_id", v)),
                        r.try_get::<Option<i64>, _>("vk_id")?
                            .map(|v| Identity::Number("vk_id", v)),
                    ],
                    parent_iin: r.try_get("parent_iin")?,
                });
            }
            // Every identity that moves: from the other IINs holding it, and/or replacing a
            // different one this IIN has for the same host.
            let mut moves: Vec<(Identity, Vec<String>)> = Vec::new();
            for id in ids {
                let col = id.column();
                let held = |l: &Linked| l.ids.iter().flatten().find(|h| h.column() == col).cloned();
                let holders: Vec<String> = linked
                    .iter()
                    .filter(|l| l.iin != c.iin && held(l).as_ref() == Some(&id))
                    .map(|l| l.iin.clone())
                    .collect();
                let replaces_own = linked
                    .iter()
                    .filter(|l| l.iin == c.iin)
                    .filter_map(held)
                    .any(|old| old != id);
                if !holders.is_empty() || replaces_own {
                    moves.push((id, holders));
                }
            }
            if !moves.is_empty() && !c.relink {
                let code = if moves.iter().any(|(_, h)| !h.is_empty()) {
                    "identity_taken"
                } else {
                    "identity_linked"
                };
                clashes.push((*i, code));
                continue;
            }
            // A child's parent decides who may check the child in and see them as a
            // dependant: replacing one takes the row's explicit say-so, and is audited.
            let old_parent = linked
                .iter()
                .find(|l| l.iin == c.iin)
                .and_then(|l| l.parent_iin.clone());
            let new_parent = match (&old_parent, &c.parent_iin) {
                (Some(old), Some(new)) if old != new => Some((old.clone(), new.clone())),
                _ => None,
            };
            if new_parent.is_some() && !c.change_parent {
                clashes.push((*i, "parent_linked"));
                continue;
            }
            if let Some((old, new)) = &new_parent {
                let name = |id: Option<i64>| {
                    id.map_or_else(|| "a citizen not in the registry".to_owned(), subject)
                };
                let detail = format!(
                    "parent {} replaced by {}",
                    name(citizen_id::<DB>(&mut tx, old).await?),
                    name(citizen_id::<DB>(&mut tx, new).await?)
                );
                let entry = AuditEntry {
                    at: now,
                    actor: actor.clone(),
                    action: "change_parent",
                    venue_id: None,
                    subject: citizen_id::<DB>(&mut tx, &c.iin).await?.map(subject),
                    detail,
                };
                Self::audit_in(&mut tx, &entry).await?;
            }
            let mut relinks = Vec::new();
            for (id, holders) in &moves {
                let col = id.column();
                let mut details = Vec::new();
                for other in holders {
                    let unlink = format!("UPDATE citizens SET {col} = NULL WHERE iin = $1");
                    sqlx::query(&unlink)
                        .bind(other.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let from = citizen_id::<DB>(&mut tx, other)
                        .await?
                        .map_or_else(|| "another citizen".to_owned(), subject);
                    details.push(format!("{col} moved from {from}"));
                }
                if details.is_empty() {
                    details.push(format!("{col} replaced"));
                }
                relinks.extend(details);
            }
            sqlx::query(UPSERT_CITIZEN)
                .bind(c.iin.as_str())
                .bind(c.name.as_str())
                .bind(c.lastname.as_str())
                .bind(phone.as_deref())
                .bind(c.aitu_id.as_deref())
                .bind(c.telegram_id)
                .bind(c.vk_id)
                .bind(c.parent_iin.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            // Audited once the row exists, so the subject is its row id.
            let subject = citizen_id::<DB>(&mut tx, &c.iin).await?.map(subject);
            for detail in relinks {
                let entry = AuditEntry {
                    at: now,
                    actor: actor.clone(),
                    action: "relink",
                    venue_id: None,
                    subject: subject.clone(),
                    detail,
                };
                Self::audit_in(&mut tx, &entry).await?;
            }
        }
        for (_, b) in &rows.businesses {
            sqlx::query(UPSERT_BUSINESS)
                .bind(b.bin.as_str())
                .bind(b.name.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            // The row's list replaces the previous one: an owner left out loses the BIN.
            sqlx::query(CLEAR_OWNERS)
                .bind(b.bin.as_str())
                .execute(&mut *tx)
                .await?;
            for iin in &b.owner_iins {
                sqlx::query(ADD_OWNER)
                    .bind(b.bin.as_str())
                    .bind(iin.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (_, p) in &rows.pcr {
            if p.positive {
                sqlx::query(LOCK_PERSON)
                    .bind(p.iin.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(INSERT_PCR)
                .bind(p.iin.as_str())
                .bind(p.taken_at)
                .bind(p.positive)
                .execute(&mut *tx)
                .await?;
            if p.positive {
                // Committed with the result itself: tracing cannot be lost to a crash.
                sqlx::query(QUEUE_TRACING)
                    .bind(p.iin.as_str())
                    .bind(p.taken_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                Self::mark_infectious(&mut tx, &p.iin, p.taken_at, policy).await?;
            }
        }
        for (_, c) in &rows.contacts {
            sqlx::query(INSERT_CONTACT)
                .bind(c.iin.as_str())
                .bind(c.listed_at)
                .execute(&mut *tx)
                .await?;
        }
        for (_, v) in &rows.vaccinations {
            sqlx::query(INSERT_VACCINATION)
                .bind(v.iin.as_str())
                .bind(v.at)
                .bind(v.course_complete)
                .execute(&mut *tx)
                .await?;
        }
        for (_, r) in &rows.recoveries {
            sqlx::query(INSERT_RECOVERY)
                .bind(r.iin.as_str())
                .bind(r.at)
                .execute(&mut *tx)
                .await?;
        }
        let total = rows.len();
        sqlx::query(SET_BATCH_COUNTS)
            .bind((total - clashes.len()) as i64)
            .bind((rejected + clashes.len()) as i64)
            .bind(importer.as_str())
            .bind(batch_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ImportResult::Imported { clashes })
    }

    pub(super) async fn stays_of(
        read: &Pool<DB>,
        person: &str,
        from: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        let rows = sqlx::query(STAYS_OF)
            .bind(person)
            .bind(from)
            .fetch_all(read)
            .await?;
        rows.iter().map(|r| stay_of(r, now, policy)).collect()
    }

    pub(super) async fn stays_at(
        read: &Pool<DB>,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        let rows = sqlx::query(STAYS_AT)
            .bind(venue_id as i64)
            .bind(from)
            .bind(to)
            .fetch_all(read)
            .await?;
        rows.iter().map(|r| stay_of(r, now, policy)).collect()
    }

    pub(super) async fn add_contacts(
        write: &Pool<DB>,
        contacts: &[(String, Timestamp)],
    ) -> StoreResult<u64> {
        let mut tx = begin_write(write).await?;
        let added = Self::insert_contacts(&mut tx, contacts).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub(super) async fn pending_tracing(read: &Pool<DB>) -> StoreResult<Vec<(String, Timestamp)>> {
        let rows = sqlx::query(PENDING).fetch_all(read).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("iin")?, r.try_get("taken_at")?)))
            .collect()
    }

    pub(super) async fn done_tracing(
        write: &Pool<DB>,
        done: &[(String, Timestamp)],
    ) -> StoreResult<()> {
        let mut tx = begin_write(write).await?;
        for (iin, taken_at) in done {
            sqlx::query(DONE)
                .bind(iin.as_str())
                .bind(*taken_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
