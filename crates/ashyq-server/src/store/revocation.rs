//! Revoked signing keys and ended sessions.

use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{Affected, Sql};
use super::types::StoreResult;

const REVOKE: &str = "INSERT INTO revoked_keys (key_id, kind, revoked_at) VALUES ($1, $2, $3) \
     ON CONFLICT (key_id) DO NOTHING";
const REVOKED: &str = "SELECT key_id FROM revoked_keys ORDER BY key_id";
const END_SESSIONS: &str = "UPDATE citizens SET session_epoch = session_epoch + 1 WHERE id = $1";

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    /// Records a key as revoked. False when it already was.
    pub(super) async fn revoke_key(
        write: &Pool<DB>,
        key_id: &str,
        kind: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(REVOKE)
            .bind(key_id)
            .bind(kind)
            .bind(now)
            .execute(write)
            .await?;
        Ok(done.rows() == 1)
    }

    pub(super) async fn revoked_keys(read: &Pool<DB>) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(REVOKED).fetch_all(read).await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("key_id").map_err(Into::into))
            .collect()
    }

    /// Ends every session of a citizen issued so far.
    pub(super) async fn end_sessions(write: &Pool<DB>, citizen_id: i64) -> StoreResult<()> {
        sqlx::query(END_SESSIONS)
            .bind(citizen_id)
            .execute(write)
            .await?;
        Ok(())
    }
}
