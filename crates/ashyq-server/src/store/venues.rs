//! The venue registry.

use ashyq_core::venue::Category;
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{bad_row, to_u64, to_u8, Sql};
use super::types::{NewVenue, StoreResult, Venue};

const INSERT: &str = "INSERT INTO venues (bin, business_name, address, category, \
     pcr_required, entrances, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
const BY_ID: &str = "SELECT id, bin, business_name, address, category, pcr_required, \
     entrances, created_at FROM venues WHERE id = $1";
pub(super) const FOR_SCAN: &str =
    "SELECT id, bin, business_name, address, category, pcr_required, \
     entrances, created_at, (SELECT valid_from FROM entrance_codes \
     WHERE venue_id = venues.id AND entrance = $2) AS valid_from FROM venues WHERE id = $1";
const ALL: &str = "SELECT id, bin, business_name, address, category, pcr_required, \
     entrances, created_at FROM venues ORDER BY id";

pub(super) fn venue_of<R>(row: &R) -> StoreResult<Venue>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let category: String = row.try_get("category")?;
    Ok(Venue {
        id: to_u64(row.try_get("id")?, "venue id")?,
        bin: row.try_get("bin")?,
        business_name: row.try_get("business_name")?,
        address: row.try_get("address")?,
        category: Category::parse(&category).ok_or_else(|| bad_row("category"))?,
        pcr_required: row.try_get("pcr_required")?,
        entrances: to_u8(row.try_get("entrances")?, "entrances")?,
        created_at: row.try_get("created_at")?,
    })
}

impl<DB> Sql<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    pub(super) async fn add_venue(
        write: &Pool<DB>,
        v: &NewVenue,
        now: Timestamp,
    ) -> StoreResult<Venue> {
        let row = sqlx::query(INSERT)
            .bind(v.bin.as_str())
            .bind(v.business_name.as_str())
            .bind(v.address.as_str())
            .bind(v.category.as_str())
            .bind(v.pcr_required)
            .bind(i64::from(v.entrances))
            .bind(now)
            .fetch_one(write)
            .await?;
        Ok(v.registered(to_u64(row.try_get("id")?, "venue id")?, now))
    }

    pub(super) async fn venue(read: &Pool<DB>, id: u64) -> StoreResult<Option<Venue>> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let row = sqlx::query(BY_ID).bind(id).fetch_optional(read).await?;
        row.as_ref().map(venue_of).transpose()
    }

    pub(super) async fn venue_for_scan(
        read: &Pool<DB>,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let row = sqlx::query(FOR_SCAN)
            .bind(id)
            .bind(i64::from(entrance))
            .fetch_optional(read)
            .await?;
        row.map(|r| Ok((venue_of(&r)?, r.try_get::<Option<i64>, _>("valid_from")?)))
            .transpose()
    }

    pub(super) async fn venues(read: &Pool<DB>) -> StoreResult<Vec<Venue>> {
        let rows = sqlx::query(ALL).fetch_all(read).await?;
        rows.iter().map(venue_of).collect()
    }
}
