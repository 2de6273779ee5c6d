//! What the SQLite and PostgreSQL stores share. Their SQL is the same text (both accept
//! `$1` placeholders, `ON CONFLICT`, `RETURNING`), so the queries live once, in
//! [`Sql`]'s methods, generic over the sqlx driver; each concern has its own module
//! (`visits`, `citizens`, `venues`, `imports`, `housekeeping`, `migrations`). Only
//! connection setup, locking and the SQLite group committer are per dialect
//! (`sqlite.rs`, `postgres.rs`).
//!
//! Every generic block states the driver capabilities it uses: executing on a connection
//! or pool, and encoding or decoding the column types of our schema (`i64`, `bool`,
//! text). Rust does not carry such bounds over from a trait, so each block repeats the
//! part it needs.

use std::marker::PhantomData;

use sqlx::{Database, Pool, Transaction};

use super::types::{StoreError, StoreResult};

/// The shared queries of both dialects, as associated functions generic over the driver:
/// `Sql::venue(pool, id)` works with a `Pool<Sqlite>` as with a `Pool<Postgres>`.
pub(super) struct Sql<DB>(PhantomData<DB>);

/// How many rows a statement changed. sqlx gives each driver's result its own inherent
/// `rows_affected`; this trait lets the shared code ask either.
pub(super) trait Affected {
    fn rows(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

pub(super) fn bad_row(what: &str) -> StoreError {
    StoreError::Internal(format!("unreadable {what} in the database"))
}

pub(super) fn to_u8(v: i64, what: &str) -> StoreResult<u8> {
    u8::try_from(v).map_err(|_| bad_row(what))
}

/// Ids are `i64` in the schema and never negative (the database assigns them).
pub(super) fn to_u64(v: i64, what: &str) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| bad_row(what))
}

/// A write transaction. SQLite's takes the write lock at BEGIN (IMMEDIATE): besides this
/// pool's connection the check-in writer writes too, and a transaction that has read
/// before the other committed could not write after it (SQLITE_BUSY_SNAPSHOT, which no
/// busy timeout waits out).
pub(super) async fn begin_write<DB: Database>(
    write: &Pool<DB>,
) -> StoreResult<Transaction<'static, DB>> {
    Ok(if DB::NAME == "SQLite" {
        write.begin_with("BEGIN IMMEDIATE").await?
    } else {
        write.begin().await?
    })
}
