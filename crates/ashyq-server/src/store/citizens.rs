//! Citizens and their identities (how a host identity finds a person), and the health
//! records their status is computed from.

use ashyq_core::status::{HealthRecords, PcrResult, Vaccination};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::Sql;
use super::types::{Citizen, Lookup, StoreResult};

pub(super) const BY_ID: &str =
    "SELECT id, iin, name, lastname, session_epoch FROM citizens WHERE id = $1";
const BY_IIN: &str = "SELECT id, iin, name, lastname, session_epoch FROM citizens WHERE iin = $1";
const BY_PHONE: &str = "SELECT id, iin, name, lastname, session_epoch FROM citizens \
     WHERE phone = $1 ORDER BY id LIMIT 1";
const BY_AITU: &str = "SELECT id, iin, name, lastname, session_epoch FROM citizens \
     WHERE aitu_id = $1 AND phone = $2 ORDER BY id LIMIT 1";
const BY_TELEGRAM: &str = "SELECT id, iin, name, lastname, session_epoch FROM citizens \
     WHERE telegram_id = $1 ORDER BY id LIMIT 1";
const BY_VK: &str = "SELECT id, iin, name, lastname, session_epoch FROM citizens \
     WHERE vk_id = $1 ORDER BY id LIMIT 1";

/// Every record of one person in one round trip: kind, time and a flag (positive, course
/// complete), the flag cast so both dialects return the same integer type.
pub(super) const HEALTH_RECORDS: &str = "SELECT 'p' AS kind, taken_at AS at, \
     CAST(CASE WHEN positive THEN 1 ELSE 0 END AS BIGINT) AS flag FROM pcr WHERE iin = $1 \
     UNION ALL SELECT 'c', listed_at, CAST(0 AS BIGINT) FROM contacts WHERE iin = $1 \
     UNION ALL SELECT 'v', at, CAST(CASE WHEN course_complete THEN 1 ELSE 0 END AS BIGINT) \
     FROM vaccinations WHERE iin = $1 \
     UNION ALL SELECT 'r', at, CAST(0 AS BIGINT) FROM recoveries WHERE iin = $1";

/// [`HEALTH_RECORDS`] joined to the citizen's row: one row per record, or one with no
/// `kind` when there is none. PostgreSQL runs the union as one index lookup per table
/// (a parameterized append), so this costs what the two reads did, in one round trip.
const CITIZEN_STATUS: &str = "SELECT c.id, c.iin, c.name, c.lastname, c.session_epoch, \
     r.kind, r.at, r.flag FROM citizens c LEFT JOIN (\
     SELECT iin, 'p' AS kind, taken_at AS at, \
     CAST(CASE WHEN positive THEN 1 ELSE 0 END AS BIGINT) AS flag FROM pcr \
     UNION ALL SELECT iin, 'c', listed_at, CAST(0 AS BIGINT) FROM contacts \
     UNION ALL SELECT iin, 'v', at, CAST(CASE WHEN course_complete THEN 1 ELSE 0 END AS BIGINT) \
     FROM vaccinations \
     UNION ALL SELECT iin, 'r', at, CAST(0 AS BIGINT) FROM recoveries) r ON r.iin = c.iin \
     WHERE c.id = $1";

/// Adds one row of [`HEALTH_RECORDS`] (or [`CITIZEN_STATUS`]) of `kind` to `rec`.
fn add_record<R>(rec: &mut HealthRecords, kind: &str, r: &R) -> StoreResult<()>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let at: i64 = r.try_get("at")?;
    let flag = r.try_get::<i64, _>("flag")? != 0;
    match kind {
        "p" => rec.pcr.push(PcrResult {
            taken_at: at,
            positive: flag,
        }),
        "c" => rec.contacts.push(at),
        "v" => rec.vaccinations.push(Vaccination {
            at,
            course_complete: flag,
        }),
        _ => rec.recoveries.push(at),
    }
    Ok(())
}

impl<DB> Sql<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    pub(super) async fn find_citizen(read: &Pool<DB>, by: &Lookup) -> StoreResult<Option<Citizen>> {
        let q = match by {
            Lookup::Id(id) => sqlx::query(BY_ID).bind(*id),
            Lookup::Iin(iin) => sqlx::query(BY_IIN).bind(iin.as_str()),
            Lookup::Phone(p) => sqlx::query(BY_PHONE).bind(p.as_str()),
            Lookup::Aitu { id, phone } => {
                sqlx::query(BY_AITU).bind(id.as_str()).bind(phone.as_str())
            }
            Lookup::Telegram(t) => sqlx::query(BY_TELEGRAM).bind(*t),
            Lookup::Vk(v) => sqlx::query(BY_VK).bind(*v),
        };
        let row = q.fetch_optional(read).await?;
        row.map(|r| {
            Ok(Citizen {
                id: r.try_get("id")?,
                iin: r.try_get("iin")?,
                name: r.try_get("name")?,
                lastname: r.try_get("lastname")?,
                session_epoch: r.try_get("session_epoch")?,
            })
        })
        .transpose()
    }

    pub(super) async fn health_records(read: &Pool<DB>, iin: &str) -> StoreResult<HealthRecords> {
        let rows = sqlx::query(HEALTH_RECORDS)
            .bind(iin)
            .fetch_all(read)
            .await?;
        let mut rec = HealthRecords::default();
        for r in rows {
            add_record(&mut rec, &r.try_get::<String, _>("kind")?, &r)?;
        }
        Ok(rec)
    }

    /// The citizen with registry id `id` and their health records, in one statement
    /// (what a session's status lookup needs); none when there is no such citizen.
    pub(super) async fn citizen_status(
        read: &Pool<DB>,
        id: i64,
    ) -> StoreResult<Option<(Citizen, HealthRecords)>> {
        let rows = sqlx::query(CITIZEN_STATUS).bind(id).fetch_all(read).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let citizen = Citizen {
            id: first.try_get("id")?,
            iin: first.try_get("iin")?,
            name: first.try_get("name")?,
            lastname: first.try_get("lastname")?,
            session_epoch: first.try_get("session_epoch")?,
        };
        let mut rec = HealthRecords::default();
        for r in &rows {
            // A citizen with no records is one row with no kind (the outer join).
            if let Some(kind) = r.try_get::<Option<String>, _>("kind")? {
                add_record(&mut rec, &kind, r)?;
            }
        }
        Ok(Some((citizen, rec)))
    }
}
