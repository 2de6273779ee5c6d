//! Liveness and retention.

use ashyq_core::Timestamp;
use sqlx::{Database, Encode, Executor, IntoArguments, Pool, Type};

use super::sql::{Affected, Sql};
use super::types::StoreResult;

const DELETE_VISITS: &str = "DELETE FROM visits WHERE entered_at < $1";
const DELETE_SCANS: &str = "DELETE FROM scans WHERE at < $1";

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    pub(super) async fn ping(read: &Pool<DB>) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(read).await?;
        Ok(())
    }

    /// Deletes visits and scans older than `cutoff`, in one transaction. Returns how many
    /// visits.
    pub(super) async fn purge_visits(write: &Pool<DB>, cutoff: Timestamp) -> StoreResult<u64> {
        let mut tx = write.begin().await?;
        let gone = sqlx::query(DELETE_VISITS)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows();
        sqlx::query(DELETE_SCANS)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone)
    }
}
