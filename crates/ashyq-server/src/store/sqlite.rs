//! SQLite, the embedded default: connection setup; check-ins go to the check-in writer
//! (`sqlite_writer.rs`).

use std::path::Path;
use std::time::Duration;

use ashyq_core::api::Visit;
use ashyq_core::status::{Cutoffs, HealthRecords, Policy};
use ashyq_core::visit::Stay;
use ashyq_core::Timestamp;
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::migrations;
use super::sql::Sql;
use super::sqlite_read::Readers;
use super::sqlite_writer::{self, ScanJob, GROUP_MAX};
use super::types::{
    Actor, AuditEntry, AuditRecord, BusinessRecord, Challenge, Citizen, Dispute, DisputeResult,
    ImportResult, Lookup, NewVenue, Purged, Scan, ScanResult, SealedKey, StaffRecord, Store,
    StoreError, StoreResult, ValidRows, Venue,
};

/// SQLite in WAL mode with `synchronous=FULL`: a commit is on disk before it returns, so
/// an acknowledged check-in survives `kill -9` and power loss. Two writers, the check-in
/// writer and a pool of one connection for every other write (SQLite allows one writer
/// at a time; queueing in the pool beats busy-waiting, and each takes the write lock at
/// BEGIN), and a few read-only connections.
///
/// Check-ins go to the check-in writer (`sqlite_writer.rs`), a thread with its own
/// connection: scans that arrive while a commit is on its way to disk are written
/// together in the next transaction (one fsync for all, each in its own savepoint), and
/// each is answered only after that commit.
pub struct SqliteStore {
    read: Pool<Sqlite>,
    write: Pool<Sqlite>,
    scans: mpsc::Sender<ScanJob>,
    /// The hot reads, without sqlx's hand-offs (`sqlite_read.rs`).
    hot: Readers,
}

const MIGRATION_DIALECT: migrations::Dialect = migrations::Dialect {
    // SQLite serializes writers itself (and this is the one writer connection).
    lock: "SELECT 1",
    table_count: "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1",
};

/// The database holds health data: its files are the owner's only (0600). SQLite gives
/// the `-wal` and `-shm` files it makes the database file's mode, so creating the file
/// first, private, keeps them private too; files an older version left readable by others
/// are narrowed.
fn private_files(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = Path::new(&name);
        match std::fs::metadata(file) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
                tracing::warn!(file = %file.display(), "database file was not private: now 0600");
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating when missing, mode 0600) the database file and applies migrations.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        private_files(path).map_err(|e| {
            StoreError::Unavailable(format!("database file {}: {e}", path.display()))
        })?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Deleted records (retention) are overwritten, not left in free pages.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await?;
        Sql::migrate(&write, &migrations::SQLITE, &MIGRATION_DIALECT).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        let (scans, jobs) = mpsc::channel(4 * GROUP_MAX);
        sqlite_writer::spawn(path, jobs)?;
        Ok(SqliteStore {
            read,
            write,
            scans,
            hot: Readers::new(path),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        Sql::ping(&self.read).await
    }
    async fn find_citizen(&self, by: &Lookup) -> StoreResult<Option<Citizen>> {
        match by {
            // Every request with a session asks for its citizen by id.
            Lookup::Id(id) => self.hot.citizen(*id),
            _ => Sql::find_citizen(&self.read, by).await,
        }
    }
    async fn health_records(&self, iin: &str) -> StoreResult<HealthRecords> {
        self.hot.health_records(iin)
    }
    async fn add_venue(&self, v: &NewVenue, now: Timestamp) -> StoreResult<Venue> {
        Sql::add_venue(&self.write, v, now).await
    }
    async fn venue(&self, id: u64) -> StoreResult<Option<Venue>> {
        Sql::venue(&self.read, id).await
    }
    async fn venue_for_scan(
        &self,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>> {
        self.hot.venue_for_scan(id, entrance)
    }
    async fn venues(&self) -> StoreResult<Vec<Venue>> {
        Sql::venues(&self.read).await
    }
    async fn check_in(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult> {
        let (reply, answer) = oneshot::channel();
        let job = ScanJob {
            scan,
            now,
            policy: policy.clone(),
            reply,
        };
        let gone = || StoreError::Unavailable("the check-in writer has stopped".into());
        self.scans.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
    async fn visits(
        &self,
        person: &str,
        now: Timestamp,
        policy: &Policy,
        limit: i64,
    ) -> StoreResult<Vec<Visit>> {
        Sql::visits(&self.read, &self.write, person, now, policy, limit).await
    }
    async fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        self.hot.visit(person, id)
    }
    async fn set_cancelled(&self, person: &str, id: &str) -> StoreResult<()> {
        Sql::set_cancelled(&self.write, person, id).await
    }
    async fn auto_close_due(&self, now: Timestamp, policy: &Policy) -> StoreResult<u64> {
        Sql::auto_close_due(&self.read, &self.write, now, policy).await
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
            &self.write,
            batch_id,
            digest,
            rows,
            rejected,
            now,
            policy,
            actor,
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
        Sql::stays_of(&self.read, person, from, now, policy).await
    }
    async fn stays_at(
        &self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>> {
        Sql::stays_at(&self.read, venue_id, from, to, now, policy).await
    }
    async fn add_contacts(&self, contacts: &[(String, Timestamp)]) -> StoreResult<u64> {
        Sql::add_contacts(&self.write, contacts).await
    }
    async fn pending_tracing(&self) -> StoreResult<Vec<(String, Timestamp)>> {
        Sql::pending_tracing(&self.read).await
    }
    async fn done_tracing(&self, done: &[(String, Timestamp)]) -> StoreResult<()> {
        Sql::done_tracing(&self.write, done).await
    }
    async fn purge_expired(&self, cutoffs: &Cutoffs) -> StoreResult<Purged> {
        Sql::purge_expired(&self.write, cutoffs).await
    }
    async fn revoke_key(&self, key_id: &str, kind: &str, now: Timestamp) -> StoreResult<bool> {
        Sql::revoke_key(&self.write, key_id, kind, now).await
    }
    async fn revoked_keys(&self) -> StoreResult<Vec<String>> {
        Sql::revoked_keys(&self.read).await
    }
    async fn signing_keys(&self) -> StoreResult<Vec<SealedKey>> {
        Sql::signing_keys(&self.read).await
    }
    async fn add_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<u64> {
        Sql::add_signing_keys(&self.write, keys).await
    }
    async fn retire_signing_key(&self, kind: &str, seq: i64) -> StoreResult<()> {
        Sql::retire_signing_key(&self.write, kind, seq).await
    }
    async fn reseal_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<()> {
        Sql::reseal_signing_keys(&self.write, keys).await
    }
    async fn end_sessions(&self, citizen_id: i64) -> StoreResult<()> {
        Sql::end_sessions(&self.write, citizen_id).await
    }
    async fn businesses_of(&self, iin: &str) -> StoreResult<Vec<BusinessRecord>> {
        Sql::businesses_of(&self.read, iin).await
    }
    async fn venues_of(&self, bin: &str) -> StoreResult<Vec<Venue>> {
        Sql::venues_of(&self.read, bin).await
    }
    async fn staff_posts(&self, iin: &str) -> StoreResult<Vec<Venue>> {
        Sql::staff_posts(&self.read, iin).await
    }
    async fn staff_of(&self, venue_id: u64) -> StoreResult<Vec<StaffRecord>> {
        Sql::staff_of(&self.read, venue_id).await
    }
    async fn staff_powers(&self, venue_id: u64, iin: &str) -> StoreResult<Option<i64>> {
        Sql::staff_powers(&self.write, venue_id, iin).await
    }
    async fn appoint_staff(
        &self,
        venue_id: u64,
        iin: &str,
        appointed_by: i64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<StaffRecord> {
        Sql::appoint_staff(&self.write, venue_id, iin, appointed_by, now, audit).await
    }
    async fn remove_staff(
        &self,
        venue_id: u64,
        staff_id: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        Sql::remove_staff(&self.write, venue_id, staff_id, audit).await
    }
    async fn entrance_valid_from(&self, venue_id: u64) -> StoreResult<Vec<(u8, Timestamp)>> {
        Sql::entrance_valid_from(&self.read, venue_id).await
    }
    async fn reissue_entrance(
        &self,
        venue_id: u64,
        entrance: u8,
        previous: Timestamp,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<Timestamp> {
        Sql::reissue_entrance(&self.write, venue_id, entrance, previous, now, audit).await
    }
    async fn children_of(&self, parent_iin: &str) -> StoreResult<Vec<Citizen>> {
        Sql::children_of(&self.read, parent_iin).await
    }
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        Sql::audit(&self.write, entry).await
    }
    async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        Sql::audit_log(&self.read, limit).await
    }
    async fn phone_of(&self, iin: &str) -> StoreResult<Option<String>> {
        Sql::phone_of(&self.read, iin).await
    }
    async fn add_challenge(&self, c: &Challenge) -> StoreResult<()> {
        Sql::add_challenge(&self.write, c).await
    }
    async fn challenge(&self, id: &str) -> StoreResult<Option<Challenge>> {
        Sql::challenge(&self.write, id).await
    }
    async fn challenge_failed(&self, id: &str) -> StoreResult<i64> {
        Sql::challenge_failed(&self.write, id).await
    }
    async fn check_in_with_challenge(
        &self,
        challenge_id: &str,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Option<ScanResult>> {
        Sql::check_in_with_challenge(&self.write, challenge_id, scan, now, policy).await
    }
    async fn dispute_visit(
        &self,
        person: &str,
        visit_id: &str,
        now: Timestamp,
        policy: &Policy,
        audit: &AuditEntry,
    ) -> StoreResult<DisputeResult> {
        Sql::dispute_visit(&self.write, person, visit_id, now, policy, audit).await
    }
    async fn disputes(&self, limit: i64) -> StoreResult<Vec<Dispute>> {
        Sql::disputes(&self.read, limit).await
    }
    async fn claim_for_dev(&self) -> StoreResult<bool> {
        Sql::claim_for_dev(&self.write).await
    }
    async fn is_dev_database(&self) -> StoreResult<bool> {
        Sql::is_dev_database(&self.read).await
    }
    async fn use_host_proof(
        &self,
        digest: &str,
        forget_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        Sql::use_host_proof(&self.write, digest, forget_at, now).await
    }
    async fn forget_host_proofs(&self, now: Timestamp) -> StoreResult<u64> {
        Sql::forget_host_proofs(&self.write, now).await
    }
}
