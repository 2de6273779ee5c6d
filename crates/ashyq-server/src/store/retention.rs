//! Retention: every record is deleted once no status rule can use it any more
//! (`ashyq_core::status::Cutoffs`, DESIGN §4). One transaction, so a crash leaves either
//! everything or nothing of one pass.

use ashyq_core::status::Cutoffs;
use sqlx::{Database, Encode, Executor, IntoArguments, Pool, Type};

use super::sql::{begin_write, Affected, Sql};
use super::types::{Purged, StoreResult};

/// Each statement with the cutoff it takes; rows dated before it go.
const VISITS: &str = "DELETE FROM visits WHERE entered_at < $1";
const SCANS: &str = "DELETE FROM scans WHERE at < $1";
const POSITIVE_PCR: &str = "DELETE FROM pcr WHERE positive AND taken_at < $1";
const NEGATIVE_PCR: &str = "DELETE FROM pcr WHERE NOT positive AND taken_at < $1";
const CONTACTS: &str = "DELETE FROM contacts WHERE listed_at < $1";
const VACCINATIONS: &str = "DELETE FROM vaccinations WHERE at < $1";
const RECOVERIES: &str = "DELETE FROM recoveries WHERE at < $1";
const TRACING: &str = "DELETE FROM pending_tracing WHERE taken_at < $1";
const AUDIT: &str = "DELETE FROM audit_log WHERE at < $1";

impl<DB> Sql<DB>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    /// Deletes every record past its cutoff. Returns how many of each group went.
    pub(super) async fn purge_expired(write: &Pool<DB>, c: &Cutoffs) -> StoreResult<Purged> {
        let mut tx = begin_write(write).await?;
        let mut gone = [0u64; 9];
        let steps = [
            (VISITS, c.visits),
            (SCANS, c.visits),
            (POSITIVE_PCR, c.positive_pcr),
            (NEGATIVE_PCR, c.negative_pcr),
            (CONTACTS, c.contacts),
            (VACCINATIONS, c.vaccinations),
            (RECOVERIES, c.recoveries),
            (TRACING, c.tracing),
            (AUDIT, c.audit),
        ];
        for (n, (sql, cutoff)) in steps.into_iter().enumerate() {
            gone[n] = sqlx::query(sql)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows();
        }
        tx.commit().await?;
        Ok(Purged {
            visits: gone[0],
            health_records: gone[2..7].iter().sum(),
            tracing: gone[7],
            audit: gone[8],
        })
    }
}
