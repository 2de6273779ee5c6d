//! Liveness. (Retention, which deletes by date: `retention.rs`.)

use sqlx::{Database, Executor, IntoArguments, Pool};

use super::sql::Sql;
use super::types::StoreResult;

impl<DB> Sql<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    pub(super) async fn ping(read: &Pool<DB>) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(read).await?;
        Ok(())
    }
}
