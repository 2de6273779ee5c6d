//! PostgreSQL, for several stateless API nodes behind a load balancer: one pool shared by
//! reads and writes, to the primary (followed across failovers, `pg_primary.rs`); check-ins
//! go through the batched writer (`pg_writer.rs`); migrations take an advisory lock.

use std::sync::Arc;

use ashyq_core::api::Visit;
use ashyq_core::status::{Cutoffs, HealthRecords, Policy};
use ashyq_core::visit::Stay;
use ashyq_core::Timestamp;
use async_trait::async_trait;

use super::migrations;
use super::pg_primary::Primary;
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
    /// The primary's pool: every call takes it once and does all its work on it
    /// (`pg_primary.rs`: how a multi-host URL follows the primary across failovers).
    db: Primary,
    /// Check-ins, gathered into batches on the current primary.
    writer: PgWriter,
}

impl PgStore {
    /// Connects and applies migrations. `url` names one host, or several in libpq's way
    /// (`h1:5432,h2:5432`, `target_session_attrs=read-write`): then the store writes to
    /// whichever is primary and follows it. With `schema`, every connection uses that
    /// schema (created when missing): the tests give each test its own.
    pub async fn connect(
        url: &str,
        schema: Option<&str>,
        max_connections: u32,
    ) -> StoreResult<PgStore> {
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Internal("schema names are [A-Za-z0-9_]".into()));
            }
        }
        let db = Primary::connect(url, max_connections, |opts| match schema {
            Some(schema) => opts.options([("search_path", schema)]),
            None => opts,
        })
        .await?;
        let pool = db.pool()?;
        if let Some(schema) = schema {
            sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&pool)
                .await?;
        }
        Sql::migrate(&pool, &migrations::POSTGRES, &MIGRATION_DIALECT).await?;
        let current = db.clone();
        let writer = PgWriter::spawn(Arc::new(move || current.pool()));
        Ok(PgStore { db, writer })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::ping(&pool).await)
    }
    async fn find_citizen(&self, by: &Lookup) -> StoreResult<Option<Citizen>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::find_citizen(&pool, by).await)
    }
    async fn health_records(&self, iin: &str) -> StoreResult<HealthRecords> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::health_records(&pool, iin).await)
    }
    /// One statement, no transaction: the status lookup is one round trip.
    async fn citizen_status(&self, id: i64) -> StoreResult<Option<(Citizen, HealthRecords)>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::citizen_status(&pool, id).await)
    }
    async fn add_venue(&self, v: &NewVenue, now: Timestamp) -> StoreResult<Venue> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::add_venue(&pool, v, now).await)
    }
    async fn venue(&self, id: u64) -> StoreResult<Option<Venue>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::venue(&pool, id).await)
    }
    async fn venue_for_scan(
        &self,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::venue_for_scan(&pool, id, entrance).await)
    }
    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::venues(&pool).await)
    }
    /// Through the node's check-in writer (`pg_writer.rs`): batched with the scans that
    /// arrive with it, answered after the batch commits.
    async fn check_in(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        self.db.watch(self.writer.check_in(scan, now, policy).await)
    }
    async fn visits(
        &self,
        person: &str,
        now: Timestamp,
        policy: &Policy,
        limit: i64,
    ) -> StoreResult<Vec<Visit>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::visits(&pool, &pool, person, now, policy, limit).await)
    }
    async fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::visit(&pool, person, id).await)
    }
    async fn set_cancelled(&self, person: &str, id: &str) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::set_cancelled(&pool, person, id).await)
    }
    async fn auto_close_due(&self, now: Timestamp, policy: &Policy) -> StoreResult<u64> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::auto_close_due(&pool, &pool, now, policy).await)
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
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::import(&pool, batch_id, digest, rows, rejected, now, policy, actor).await)
    }
    async fn stays_of(
        &self,
        person: &str,
        from: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::stays_of(&pool, person, from, now, policy).await)
    }
    async fn stays_at(
        &self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::stays_at(&pool, venue_id, from, to, now, policy).await)
    }
    async fn add_contacts(&self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::add_contacts(&pool, contacts).await)
    }
    async fn pending_tracing(&self) -> StoreResult<Vec<(String, Timestamp)>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::pending_tracing(&pool).await)
    }
    async fn done_tracing(&self, done: &[(String, Timestamp)]) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::done_tracing(&pool, done).await)
    }
    async fn purge_expired(&self, cutoffs: &Cutoffs) -> StoreResult<Purged> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::purge_expired(&pool, cutoffs).await)
    }
    async fn revoke_key(&self, key_id: &str, kind: &str, now: Timestamp) -> StoreResult<bool> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::revoke_key(&pool, key_id, kind, now).await)
    }
    async fn revoked_keys(&self) -> StoreResult<Vec<String>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::revoked_keys(&pool).await)
    }
    async fn signing_keys(&self) -> StoreResult<Vec<SealedKey>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::signing_keys(&pool).await)
    }
    async fn add_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<u64> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::add_signing_keys(&pool, keys).await)
    }
    async fn retire_signing_key(&self, kind: &str, seq: i64) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::retire_signing_key(&pool, kind, seq).await)
    }
    async fn reseal_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::reseal_signing_keys(&pool, keys).await)
    }
    fn shared(&self) -> bool {
        true
    }
    async fn end_sessions(&self, citizen_id: i64) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::end_sessions(&pool, citizen_id).await)
    }
    async fn businesses_of(&self, iin: &str) -> StoreResult<Vec<BusinessRecord>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::businesses_of(&pool, iin).await)
    }
    async fn venues_of(&self, bin: &str) -> StoreResult<Vec<Venue>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::venues_of(&pool, bin).await)
    }
    async fn staff_posts(&self, iin: &str) -> StoreResult<Vec<Venue>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::staff_posts(&pool, iin).await)
    }
    async fn staff_of(&self, venue_id: u64) -> StoreResult<Vec<StaffRecord>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::staff_of(&pool, venue_id).await)
    }
    async fn staff_powers(&self, venue_id: u64, iin: &str) -> StoreResult<Option<i64>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::staff_powers(&pool, venue_id, iin).await)
    }
    async fn appoint_staff(
        &self,
        venue_id: u64,
        iin: &str,
        appointed_by: i64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<StaffRecord> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::appoint_staff(&pool, venue_id, iin, appointed_by, now, audit).await)
    }
    async fn remove_staff(
        &self,
        venue_id: u64,
        staff_id: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::remove_staff(&pool, venue_id, staff_id, audit).await)
    }
    async fn entrance_valid_from(&self, venue_id: u64) -> StoreResult<Vec<(u8, Timestamp)>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::entrance_valid_from(&pool, venue_id).await)
    }
    async fn reissue_entrance(
        &self,
        venue_id: u64,
        entrance: u8,
        previous: Timestamp,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<Timestamp> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::reissue_entrance(&pool, venue_id, entrance, previous, now, audit).await)
    }
    async fn children_of(&self, parent_iin: &str) -> StoreResult<Vec<Citizen>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::children_of(&pool, parent_iin).await)
    }
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::audit(&pool, entry).await)
    }
    async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::audit_log(&pool, limit).await)
    }
    async fn phone_of(&self, iin: &str) -> StoreResult<Option<String>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::phone_of(&pool, iin).await)
    }
    async fn add_challenge(&self, c: &Challenge) -> StoreResult<()> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::add_challenge(&pool, c).await)
    }
    async fn challenge(&self, id: &str) -> StoreResult<Option<Challenge>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::challenge(&pool, id).await)
    }
    async fn challenge_failed(&self, id: &str) -> StoreResult<i64> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::challenge_failed(&pool, id).await)
    }
    async fn check_in_with_challenge(
        &self,
        challenge_id: &str,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Option<ScanResult>> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::check_in_with_challenge(&pool, challenge_id, scan, now, policy).await)
    }
    async fn dispute_visit(
        &self,
        person: &str,
        visit_id: &str,
        now: Timestamp,
        policy: &Policy,
        audit: &AuditEntry,
    ) -> StoreResult<DisputeResult> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::dispute_visit(&pool, person, visit_id, now, policy, audit).await)
    }
    async fn disputes(&self, limit: i64) -> StoreResult<Vec<Dispute>> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::disputes(&pool, limit).await)
    }
    async fn claim_for_dev(&self) -> StoreResult<bool> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::claim_for_dev(&pool).await)
    }
    async fn is_dev_database(&self) -> StoreResult<bool> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::is_dev_database(&pool).await)
    }
    async fn use_host_proof(
        &self,
        digest: &str,
        forget_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let pool = self.db.pool()?;
        self.db
            .watch(Sql::use_host_proof(&pool, digest, forget_at, now).await)
    }
    async fn forget_host_proofs(&self, now: Timestamp) -> StoreResult<u64> {
        let pool = self.db.pool()?;
        self.db.watch(Sql::forget_host_proofs(&pool, now).await)
    }
}
