//! Schema migrations: `migrations/sqlite` and `migrations/postgres`, embedded by
//! `sqlx::migrate!` and recorded in sqlx's `_sqlx_migrations` table. Never edit one that
//! has shipped (sqlx refuses a database whose applied migration's checksum changed).
//!
//! Until schema v2 a hand-written runner recorded applied versions in `schema_migrations`.
//! A database it left behind is adopted on open: its versions are marked applied in
//! sqlx's table (with sqlx's checksums) in one transaction, then sqlx applies the rest.
//! `schema_migrations` itself stays, untouched.

use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::Sql;
use super::types::{StoreError, StoreResult};

pub(super) static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(super) static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The statements that differ per dialect.
pub(super) struct Dialect {
    /// Taken first in the adoption transaction, so that of several nodes starting at once
    /// one adopts and the others then see sqlx's table.
    pub lock: &'static str,
    /// `COUNT(*) AS n` of the tables named `$1` in the schema in use.
    pub table_count: &'static str,
}

const LEGACY_TABLE: &str = "schema_migrations";
const SQLX_TABLE: &str = "_sqlx_migrations";

impl From<MigrateError> for StoreError {
    fn from(e: MigrateError) -> StoreError {
        match e {
            MigrateError::Execute(e) => e.into(),
            other => StoreError::Internal(format!("migration: {other}")),
        }
    }
}

impl<DB> Sql<DB>
where
    DB: Database,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    /// Adopts a database of the hand-written runner when there is one, then applies the
    /// migrations not yet applied.
    pub(super) async fn migrate(
        pool: &Pool<DB>,
        migrator: &Migrator,
        dialect: &Dialect,
    ) -> StoreResult<()> {
        let mut tx = pool.begin().await?;
        sqlx::query(dialect.lock).execute(&mut *tx).await?;
        let legacy = Self::has_table(&mut tx, dialect, LEGACY_TABLE).await?;
        let adopted = Self::has_table(&mut tx, dialect, SQLX_TABLE).await?;
        if legacy && !adopted {
            let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("version"))
                .collect::<Result<_, _>>()?;
            tx.ensure_migrations_table().await?;
            for m in migrator.iter().filter(|m| applied.contains(&m.version)) {
                sqlx::query(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES ($1, $2, $3, $4, 0)",
                )
                .bind(m.version)
                .bind(&*m.description)
                .bind(true)
                .bind(&*m.checksum)
                .execute(&mut *tx)
                .await?;
            }
            tracing::info!(?applied, "adopted the migrations of schema_migrations");
        }
        tx.commit().await?;
        migrator.run(pool).await?;
        Ok(())
    }

    async fn has_table(
        conn: &mut DB::Connection,
        dialect: &Dialect,
        table: &str,
    ) -> StoreResult<bool> {
        let row = sqlx::query(dialect.table_count)
            .bind(table)
            .fetch_one(&mut *conn)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}
