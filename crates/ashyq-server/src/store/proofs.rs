//! What keeps trust boundaries across nodes: the mark a `--dev` server leaves in its own
//! database, and the Aitu proof pairs that already opened a session.

use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{Affected, Sql};
use super::types::StoreResult;

/// Marks the database as a `--dev` server's, only when it holds nothing yet: one
/// statement, so no data can arrive between the check and the mark.
const CLAIM_FOR_DEV: &str = "INSERT INTO server_instance (name, value) SELECT 'mode', 'dev' \
     WHERE NOT EXISTS (SELECT 1 FROM citizens) AND NOT EXISTS (SELECT 1 FROM venues) \
     AND NOT EXISTS (SELECT 1 FROM businesses) AND NOT EXISTS (SELECT 1 FROM import_batches) \
     AND NOT EXISTS (SELECT 1 FROM signing_keys) AND NOT EXISTS (SELECT 1 FROM visits) \
     AND NOT EXISTS (SELECT 1 FROM pcr) AND NOT EXISTS (SELECT 1 FROM audit_log) \
     ON CONFLICT (name) DO NOTHING";
const MODE: &str = "SELECT value FROM server_instance WHERE name = 'mode'";

/// Takes a pair's digest unless it is remembered and not yet forgotten; a row past its
/// `forget_at` is taken anew.
const USE_PROOF: &str = "INSERT INTO used_host_proofs (digest, forget_at) VALUES ($1, $2) \
     ON CONFLICT (digest) DO UPDATE SET forget_at = excluded.forget_at \
     WHERE used_host_proofs.forget_at <= $3";
const FORGET_PROOFS: &str = "DELETE FROM used_host_proofs WHERE forget_at <= $1";

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
    /// Marks an empty database as a `--dev` server's. True when it is one (marked now or
    /// before); false when it holds data and no such mark.
    pub(super) async fn claim_for_dev(write: &Pool<DB>) -> StoreResult<bool> {
        sqlx::query(CLAIM_FOR_DEV).execute(write).await?;
        Self::is_dev_database(write).await
    }

    pub(super) async fn is_dev_database(read: &Pool<DB>) -> StoreResult<bool> {
        let row = sqlx::query(MODE).fetch_optional(read).await?;
        Ok(match row {
            Some(r) => r.try_get::<String, _>("value")? == "dev",
            None => false,
        })
    }

    /// Remembers a used proof until `forget_at`. False when it is remembered already.
    pub(super) async fn use_host_proof(
        write: &Pool<DB>,
        digest: &str,
        forget_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(USE_PROOF)
            .bind(digest)
            .bind(forget_at)
            .bind(now)
            .execute(write)
            .await?;
        Ok(done.rows() == 1)
    }

    pub(super) async fn forget_host_proofs(write: &Pool<DB>, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query(FORGET_PROOFS).bind(now).execute(write).await?;
        Ok(done.rows())
    }
}
