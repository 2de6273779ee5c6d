//! PostgreSQL, for several stateless API nodes behind a load balancer: one pool shared by
//! reads and writes; migrations take an advisory lock.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ashyq_core::api::Visit;
use ashyq_core::status::{Cutoffs, HealthRecords, Policy};
use ashyq_core::visit::Stay;
use ashyq_core::Timestamp;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, Postgres};

use super::migrations;
use super::pg_writer::PgWriter;
use super::sql::Sql;
use super::types::{
    Actor, AuditEntry, AuditRecord, BusinessRecord, Challenge, Citizen, Dispute, DisputeResult,
    ImportResult, Lookup, NewVenue, Purged, Scan, ScanResult, SealedKey, StaffRecord, Store,
    StoreError, StoreResult, ValidRows, Venue,
};

const MIGRATION_DIALECT: migrations::Dialect = migrations::Dialect {
    lock: "SELECT pg_advisory_xact_lock(4837301)",
    table_count: "SELECT COUNT(*) AS n FROM information_schema.tables \
                  WHERE table_schema = current_schema() AND table_name = $1",
};

pub struct PgStore {
    pool: Pool<Postgres>,
    writer: PgWriter,
}

impl PgStore {
    /// Connects and applies migrations. With `schema`, every connection uses that schema
    /// (created when missing): the tests give each test its own.
    pub async fn connect(
        url: &str,
        schema: Option<&str>,
        max_connections: u32,
    ) -> StoreResult<PgStore> {
        let mut opts =
            PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Internal("schema names are [A-Za-z0-9_]".into()));
            }
            let setup = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&setup)
                .await?;
            setup.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        // A database that is down answers in seconds with a typed 503, not after half a
        // minute; the pool reconnects by itself when it is back. No ping before each use
        // of a pooled connection: it was a second round trip in front of every
        // one-statement read (status lookups +65 % without it, docs/BENCHMARKS.md §3).
        // sqlx still tests a connection when it comes back to the pool, off the request's
        // path, and drops a dead one; one that dies while idle fails its next statement,
        // answered 503.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(3))
            .test_before_acquire(false)
            .connect_with(opts)
            .await?;
        Sql::migrate(&pool, &migrations::POSTGRES, &MIGRATION_DIALECT).await?;
        let current = pool.clone();
        let writer = PgWriter::spawn(Arc::new(move || current.clone()));
        Ok(PgStore { pool, writer })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        Sql::ping(&self.pool).await
    }
    async fn find_citizen(&self, by: &Lookup) -> StoreResult<Option<Citizen>> {
        Sql::find_citizen(&self.pool, by).await
    }
    async fn health_records(&self, iin: &str) -> StoreResult<HealthRecords> {
        Sql::health_records(&self.pool, iin).await
    }
    /// One statement, no transaction: the status lookup is one round trip.
    async fn citizen_status(&self, id: i64) -> StoreResult<Option<(Citizen, HealthRecords)>> {
        Sql::citizen_status(&self.pool, id).await
    }
    async fn add_venue(&self, v: &NewVenue, now: Timestamp) -> StoreResult<Venue> {
        Sql::add_venue(&self.pool, v, now).await
    }
    async fn venue(&self, id: u64) -> StoreResult<Option<Venue>> {
        Sql::venue(&self.pool, id).await
    }
    async fn venue_for_scan(
        &self,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>> {
        Sql::venue_for_scan(&self.pool, id, entrance).await
    }
    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        Sql::venues(&self.pool).await
    }
    /// Through the node's check-in writer (`pg_writer.rs`): batched with the scans that
    /// arrive with it, answered after the batch commits.
    async fn check_in(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        self.writer.check_in(scan, now, policy).await
    }
    async fn visits(
        &self,
        person: &str,
        now: Timestamp,
        policy: &Policy,
        limit: i64,
    ) -> StoreResult<Vec<Visit>> {
        Sql::visits(&self.pool, &self.pool, person, now, policy, limit).await
    }
    async fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        Sql::visit(&self.pool, person, id).await
    }
    async fn set_cancelled(&self, person: &str, id: &str) -> StoreResult<()> {
        Sql::set_cancelled(&self.pool, person, id).await
    }
    async fn auto_close_due(&self, now: Timestamp, policy: &Policy) -> StoreResult<u64> {
        Sql::auto_close_due(&self.pool, &self.pool, now, policy).await
    }
    async fn import(
        &self,
        batch_id: &str,
        digest: &str,
        rows: &ValidRows,
        rejected: usize,
        now: Timestamp,
        policy: &Policy,
        actor: &Actor,
    ) -> StoreResult<ImportResult> {
        Sql::import(
            &self.pool, batch_id, digest, rows, rejected, now, policy, actor,
        )
        .await
    }
    async fn stays_of(
        &self,
        person: &str,
        from: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        Sql::stays_of(&self.pool, person, from, now, policy).await
    }
    async fn stays_at(
        &self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        Sql::stays_at(&self.pool, venue_id, from, to, now, policy).await
    }
    async fn add_contacts(&self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        Sql::add_contacts(&self.pool, contacts).await
    }
    async fn pending_tracing(&self) -> StoreResult<Vec<(String, Timestamp)>> {
        Sql::pending_tracing(&self.pool).await
    }
    async fn done_tracing(&self, done: &[(String, Timestamp)]) -> StoreResult<()> {
        Sql::done_tracing(&self.pool, done).await
    }
    async fn purge_expired(&self, cutoffs: &Cutoffs) -> StoreResult<Purged> {
        Sql::purge_expired(&self.pool, cutoffs).await
    }
    async fn revoke_key(&self, key_id: &str, kind: &str, now: Timestamp) -> StoreResult<bool> {
        Sql::revoke_key(&self.pool, key_id, kind, now).await
    }
    async fn revoked_keys(&self) -> StoreResult<Vec<String>> {
        Sql::revoked_keys(&self.pool).await
    }
    async fn signing_keys(&self) -> StoreResult<Vec<SealedKey>> {
        Sql::signing_keys(&self.pool).await
    }
    async fn add_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<u64> {
        Sql::add_signing_keys(&self.pool, keys).await
    }
    async fn retire_signing_key(&self, kind: &str, seq: i64) -> StoreResult<()> {
        Sql::retire_signing_key(&self.pool, kind, seq).await
    }
    async fn reseal_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<()> {
        Sql::reseal_signing_keys(&self.pool, keys).await
    }
    fn shared(&self) -> bool {
        true
    }
    async fn end_sessions(&self, citizen_id: i64) -> StoreResult<()> {
        Sql::end_sessions(&self.pool, citizen_id).await
    }
    async fn businesses_of(&self, iin: &str) -> StoreResult<Vec<BusinessRecord>> {
        Sql::businesses_of(&self.pool, iin).await
    }
    async fn venues_of(&self, bin: &str) -> StoreResult<Vec<Venue>> {
        Sql::venues_of(&self.pool, bin).await
    }
    async fn staff_posts(&self, iin: &str) -> StoreResult<Vec<Venue>> {
        Sql::staff_posts(&self.pool, iin).await
    }
    async fn staff_of(&self, venue_id: u64) -> StoreResult<Vec<StaffRecord>> {
        Sql::staff_of(&self.pool, venue_id).await
    }
    async fn staff_powers(&self, venue_id: u64, iin: &str) -> StoreResult<Option<i64>> {
        Sql::staff_powers(&self.pool, venue_id, iin).await
    }
    async fn appoint_staff(
        &self,
        venue_id: u64,
        iin: &str,
        appointed_by: i64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<StaffRecord> {
        Sql::appoint_staff(&self.pool, venue_id, iin, appointed_by, now, audit).await
    }
    async fn remove_staff(
        &self,
        venue_id: u64,
        staff_id: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        Sql::remove_staff(&self.pool, venue_id, staff_id, audit).await
    }
    async fn entrance_valid_from(&self, venue_id: u64) -> StoreResult<Vec<(u8, Timestamp)>> {
        Sql::entrance_valid_from(&self.pool, venue_id).await
    }
    async fn reissue_entrance(
        &self,
        venue_id: u64,
        entrance: u8,
        previous: Timestamp,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<Timestamp> {
        Sql::reissue_entrance(&self.pool, venue_id, entrance, previous, now, audit).await
    }
    async fn children_of(&self, parent_iin: &str) -> StoreResult<Vec<Citizen>> {
        Sql::children_of(&self.pool, parent_iin).await
    }
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        Sql::audit(&self.pool, entry).await
    }
    async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        Sql::audit_log(&self.pool, limit).await
    }
    async fn phone_of(&self, iin: &str) -> StoreResult<Option<String>> {
        Sql::phone_of(&self.pool, iin).await
    }
    async fn add_challenge(&self, c: &Challenge) -> StoreResult<()> {
        Sql::add_challenge(&self.pool, c).await
    }
    async fn challenge(&self, id: &str) -> StoreResult<Option<Challenge>> {
        Sql::challenge(&self.pool, id).await
    }
    async fn challenge_failed(&self, id: &str) -> StoreResult<i64> {
        Sql::challenge_failed(&self.pool, id).await
    }
    async fn check_in_with_challenge(
        &self,
        challenge_id: &str,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Option<ScanResult>> {
        Sql::check_in_with_challenge(&self.pool, challenge_id, scan, now, policy).await
    }
    async fn dispute_visit(
        &self,
        person: &str,
        visit_id: &str,
        now: Timestamp,
        policy: &Policy,
        audit: &AuditEntry,
    ) -> StoreResult<DisputeResult> {
        Sql::dispute_visit(&self.pool, person, visit_id, now, policy, audit).await
    }
    async fn disputes(&self, limit: i64) -> StoreResult<Vec<Dispute>> {
        Sql::disputes(&self.pool, limit).await
    }
    async fn claim_for_dev(&self) -> StoreResult<bool> {
        Sql::claim_for_dev(&self.pool).await
    }
    async fn is_dev_database(&self) -> StoreResult<bool> {
        Sql::is_dev_database(&self.pool).await
    }
    async fn use_host_proof(
        &self,
        digest: &str,
        forget_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        Sql::use_host_proof(&self.pool, digest, forget_at, now).await
    }
    async fn forget_host_proofs(&self, now: Timestamp) -> StoreResult<u64> {
        Sql::forget_host_proofs(&self.pool, now).await
    }
}
