//! The signing keys, sealed (see `keystore.rs`): read by every node, added by the node
//! that creates or rotates them, deleted when retired, resealed when the key-encryption
//! key changes.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::sql::{Affected, Sql};
use super::types::{SealedKey, StoreResult};

const ALL: &str = "SELECT kind, seq, key_id, kek_id, sealed, created_at FROM signing_keys \
     ORDER BY kind, seq";
/// A key another node added first under the same number wins: the caller rereads.
const ADD: &str = "INSERT INTO signing_keys (kind, seq, key_id, kek_id, sealed, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, seq) DO NOTHING";
const RETIRE: &str = "DELETE FROM signing_keys WHERE kind = $1 AND seq = $2";
const RESEAL: &str =
    "UPDATE signing_keys SET kek_id = $1, sealed = $2 WHERE kind = $3 AND seq = $4 AND key_id = $5";

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Decode<'q, DB> + Type<DB>,
{
    pub(super) async fn signing_keys(read: &Pool<DB>) -> StoreResult<Vec<SealedKey>> {
        let rows = sqlx::query(ALL).fetch_all(read).await?;
        rows.iter()
            .map(|r| {
                Ok(SealedKey {
                    kind: r.try_get("kind")?,
                    seq: r.try_get("seq")?,
                    key_id: r.try_get("key_id")?,
                    kek_id: r.try_get("kek_id")?,
                    sealed: r.try_get("sealed")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Adds keys in one transaction; returns how many were new (0 when another node had
    /// already taken their numbers).
    pub(super) async fn add_signing_keys(write: &Pool<DB>, keys: &[SealedKey]) -> StoreResult<u64> {
        let mut tx = write.begin().await?;
        let mut added = 0;
        for k in keys {
            let done = sqlx::query(ADD)
                .bind(k.kind.as_str())
                .bind(k.seq)
                .bind(k.key_id.as_str())
                .bind(k.kek_id.as_str())
                .bind(k.sealed.as_str())
                .bind(k.created_at)
                .execute(&mut *tx)
                .await?;
            added += done.rows();
        }
        tx.commit().await?;
        Ok(added)
    }

    pub(super) async fn retire_signing_key(
        write: &Pool<DB>,
        kind: &str,
        seq: i64,
    ) -> StoreResult<()> {
        sqlx::query(RETIRE)
            .bind(kind)
            .bind(seq)
            .execute(write)
            .await?;
        Ok(())
    }

    /// Replaces the sealed form (and KEK id) of keys, all or none.
    pub(super) async fn reseal_signing_keys(
        write: &Pool<DB>,
        keys: &[SealedKey],
    ) -> StoreResult<()> {
        let mut tx = write.begin().await?;
        for k in keys {
            sqlx::query(RESEAL)
                .bind(k.kek_id.as_str())
                .bind(k.sealed.as_str())
                .bind(k.kind.as_str())
                .bind(k.seq)
                .bind(k.key_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
