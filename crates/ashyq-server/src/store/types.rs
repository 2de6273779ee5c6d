//! The store's interface: the [`Store`] trait, the records it takes and returns, and its
//! errors.

use ashyq_core::api::{
    BusinessRow, CitizenRow, ContactRow, PcrRow, RecoveryRow, VaccinationRow, Visit,
};
use ashyq_core::status::{Cutoffs, HealthRecords, Policy};
use ashyq_core::venue::{Category, Direction};
use ashyq_core::visit::Stay;
use ashyq_core::Timestamp;
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded; the client may retry.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if is_outage(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Internal(e.to_string())
        }
    }
}

/// True for errors that say the database cannot serve right now and may again later (the
/// client gets a typed 503 and retries) rather than that a query is wrong: no connection,
/// a full disk, a busy or restarting server.
fn is_outage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            if d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                // PostgreSQL SQLSTATE (many are all digits, so never read as SQLite's):
                // connection exceptions (08), insufficient resources (53), operator
                // intervention (57: shutdown, crash, cannot connect now), and a write on a
                // node that takes none (25006 read_only_sql_transaction: a standby, or a
                // primary still fenced during a failover).
                return code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57")
                    || code == "25006";
            }
            // SQLite primary result codes (extended codes keep them in the low byte):
            // BUSY 5, LOCKED 6, NOMEM 7, IOERR 10, FULL 13, CANTOPEN 14.
            code.parse::<i32>()
                .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 7 | 10 | 13 | 14))
        }
        _ => false,
    }
}

/// A person in the citizen registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Citizen {
    pub id: i64,
    pub iin: String,
    pub name: String,
    pub lastname: String,
    /// Moves on when the person signs out; tokens of an earlier epoch are refused.
    pub session_epoch: i64,
}

/// How a host identity finds a citizen.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Id(i64),
    Iin(String),
    /// E.164 (`+77012345678`, see `ashyq_core::id::phone_e164`).
    Phone(String),
    /// An Aitu sign-in: the registry entry must hold both this Aitu id and this E.164
    /// phone (Aitu signs the two apart; only the registry ties them to one person).
    Aitu {
        id: String,
        phone: String,
    },
    Telegram(i64),
    Vk(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewVenue {
    pub bin: String,
    pub business_name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub entrances: u8,
}

impl NewVenue {
    /// The registered venue once the store has given it an id.
    pub fn registered(&self, id: u64, created_at: Timestamp) -> Venue {
        Venue {
            id,
            bin: self.bin.clone(),
            business_name: self.business_name.clone(),
            address: self.address.clone(),
            category: self.category,
            pcr_required: self.pcr_required,
            entrances: self.entrances,
            created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub id: u64,
    pub bin: String,
    pub business_name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub entrances: u8,
    pub created_at: Timestamp,
}

/// A verified scan, ready to be recorded.
#[derive(Debug, Clone)]
pub struct Scan {
    pub client_visit_id: String,
    pub person: String,
    pub venue: Venue,
    pub entrance: u8,
    pub direction: Direction,
    /// The appointment (`staff.id`) that recorded this scan in guard mode, after the
    /// visitor proved presence; `None` for the visitor's own scan.
    pub guard_staff: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScanResult {
    Recorded {
        visit: Visit,
        direction: Direction,
        closed_visit_id: Option<String>,
        /// True when this client visit id had been recorded before (a retry).
        replay: bool,
        /// Contacts newly listed because this scan began or ended a stay.
        listed: u64,
    },
    /// The client visit id belongs to another person's scan.
    IdTaken,
    /// The client visit id was recorded with another venue code (venue, entrance or
    /// direction): nothing was written.
    IdConflict,
    /// The client visit id was recorded, but its visit has since been purged.
    Gone,
}

/// Import rows that passed validation, with their position for the report.
#[derive(Debug, Clone, Default)]
pub struct ValidRows {
    pub citizens: Vec<(usize, CitizenRow)>,
    pub pcr: Vec<(usize, PcrRow)>,
    pub contacts: Vec<(usize, ContactRow)>,
    pub vaccinations: Vec<(usize, VaccinationRow)>,
    pub recoveries: Vec<(usize, RecoveryRow)>,
    pub businesses: Vec<(usize, BusinessRow)>,
}

impl ValidRows {
    pub fn len(&self) -> usize {
        self.citizens.len()
            + self.pcr.len()
            + self.contacts.len()
            + self.vaccinations.len()
            + self.recoveries.len()
            + self.businesses.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Who did something the audit log records: an API key by its id, or a signed-in person
/// (owner, staff, visitor) by registry row id ([`subject`]). Never an IIN, not even masked:
/// a masked IIN names several people at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `key`, `owner` or `staff`.
    pub kind: &'static str,
    pub id: String,
}

impl Actor {
    pub fn key(key_id: &str) -> Actor {
        Actor {
            kind: "key",
            id: key_id.to_owned(),
        }
    }
    pub fn person(kind: &'static str, citizen_id: i64) -> Actor {
        Actor {
            kind,
            id: subject(citizen_id),
        }
    }
}

/// How the audit log names a registered person: by their `citizens.id`, which is theirs
/// alone and means nothing outside the database.
pub fn subject(citizen_id: i64) -> String {
    format!("citizen:{citizen_id}")
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: Actor,
    /// `relink`, `change_parent`, `guard_lookup`, `guard_checkin`, `dispute_visit`,
    /// `register_premises`, `reissue_codes`, `appoint_staff`, `remove_staff`.
    pub action: &'static str,
    pub venue_id: Option<u64>,
    /// The person acted upon: [`subject`] for a registered person, a keyed hash of the
    /// IIN (`iin-hmac:…`) for one the registry does not hold.
    pub subject: Option<String>,
    pub detail: String,
}

/// A row of the audit log as read back (actions as stored text).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub at: Timestamp,
    pub actor_kind: String,
    pub actor_id: String,
    pub action: String,
    pub venue_id: Option<u64>,
    pub subject: Option<String>,
    pub detail: String,
}

/// A business in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessRecord {
    pub bin: String,
    pub name: String,
}

/// A staff appointment (the appointee may not be in the registry: an appointment by an
/// unknown IIN is kept like any other, and gives nobody powers until that IIN signs in).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRecord {
    pub id: i64,
    pub venue_id: u64,
    pub iin: String,
    pub appointed_at: Timestamp,
}

/// Guard mode's proof of presence as it is kept: the code only as a keyed hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub id: String,
    pub venue_id: u64,
    pub entrance: u8,
    pub staff_id: i64,
    pub iin: String,
    pub code_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub attempts: i64,
    /// The visit it recorded, once used (a retry with the same visit id is answered again).
    pub visit_id: Option<String>,
}

/// A visitor's dispute of a guard-mode visit, as the health authority reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispute {
    pub visit_id: String,
    pub venue_id: u64,
    pub staff_id: i64,
    pub entered_at: Timestamp,
    pub disputed_at: Timestamp,
}

/// What disputing a visit did.
#[derive(Debug, Clone, PartialEq)]
pub enum DisputeResult {
    /// Disputed now (or before): the visit as the diary shows it, and how many contact
    /// listings its stay had made that were withdrawn.
    Disputed {
        visit: Visit,
        withdrawn: u64,
    },
    /// The visitor's own scan: cancel it instead.
    NotGuard,
    NotFound,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportResult {
    /// The rows were written; citizens whose identities would move without `relink`, or
    /// whose parent would change without `change_parent`, were not (row, error code:
    /// `identity_taken`, `identity_linked` or `parent_linked`).
    Imported { clashes: Vec<(usize, &'static str)> },
    /// This batch id was imported before with the same digest: nothing was written. Its
    /// earlier counts.
    Duplicate { accepted: usize, rejected: usize },
    /// This batch id was imported before with another digest: nothing was written.
    Conflict,
}

/// A signing key as the database keeps it: sealed with the key-encryption key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// `venue`, `pass` or `session`.
    pub kind: String,
    /// Per kind, counting up; the highest is the key in use.
    pub seq: i64,
    /// 8 hex digits (`session` for the session secret).
    pub key_id: String,
    pub kek_id: String,
    pub sealed: String,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap liveness check of the database.
    async fn ping(&self) -> StoreResult<()>;
    async fn find_citizen(&self, by: &Lookup) -> StoreResult<Option<Citizen>>;
    async fn health_records(&self, iin: &str) -> StoreResult<HealthRecords>;
    /// The citizen with registry id `id` and their health records (a session's status
    /// lookup); none when there is no such citizen. A store that can reads both at once.
    async fn citizen_status(&self, id: i64) -> StoreResult<Option<(Citizen, HealthRecords)>> {
        let Some(citizen) = self.find_citizen(&Lookup::Id(id)).await? else {
            return Ok(None);
        };
        let records = self.health_records(&citizen.iin).await?;
        Ok(Some((citizen, records)))
    }

    async fn add_venue(&self, v: &NewVenue, now: Timestamp) -> StoreResult<Venue>;
    async fn venue(&self, id: u64) -> StoreResult<Option<Venue>>;
    /// A venue and, when its `entrance`'s codes were re-issued, since when they are valid:
    /// what a check-in needs, in one query.
    async fn venue_for_scan(
        &self,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>>;
    async fn venues(&self) -> StoreResult<Vec<Venue>>;

    /// Records a scan atomically and durably (committed before it returns): closes a due
    /// open visit, applies `visit::on_scan`, and remembers the client visit id and its
    /// code so a retry returns the same visit. Every stay the scan ends is traced in the
    /// same transaction (`visit::contacts_of_stay`), so no exposure is lost to a crash.
    async fn check_in(
        &self,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<ScanResult>;
    /// The person's visits, newest first, after closing a due open visit.
    async fn visits(
        &self,
        person: &str,
        now: Timestamp,
        policy: &Policy,
        limit: i64,
    ) -> StoreResult<Vec<Visit>>;
    async fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>>;
    async fn set_cancelled(&self, person: &str, id: &str) -> StoreResult<()>;
    /// Closes every open visit whose default stay is over, tracing each stay it ends.
    /// Returns how many.
    async fn auto_close_due(&self, now: Timestamp, policy: &Policy) -> StoreResult<u64>;

    /// Writes a batch in one transaction, unless `actor` sent its id before (then compares
    /// `digest`, the batch's SHA-256, with the stored one); batch ids are per actor. Its
    /// positive PCR results are queued for tracing in the same transaction (see
    /// `pending_tracing`), and their person's stays in the infectious window are marked
    /// for the per-stay tracing.
    /// Identities moved by `relink` and parents replaced by `change_parent` are written to
    /// the audit log as `actor`'s doing.
    // The batch's parts, as both stores and the tests pass them; a struct for eight
    // arguments would be built at each call only to be taken apart again.
    #[allow(clippy::too_many_arguments)]
    async fn import(
        &self,
        batch_id: &str,
        digest: &str,
        rows: &ValidRows,
        rejected: usize,
        now: Timestamp,
        policy: &Policy,
        actor: &Actor,
    ) -> StoreResult<ImportResult>;
    /// A person's stays (cancelled ones too) that began at or after `from`.
    async fn stays_of(
        &self,
        person: &str,
        from: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>>;
    /// Stays at a venue (cancelled ones too) that began in `[from, to)`.
    async fn stays_at(
        &self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Vec<Stay>>;
    /// Adds contact listings (ignoring ones already present). Returns how many were new.
    async fn add_contacts(&self, contacts: &[(String, Timestamp)]) -> StoreResult<u64>;

    /// Positive PCR results (iin, taken_at) whose contacts are still to be traced: each
    /// import queues its positives in its own transaction.
    async fn pending_tracing(&self) -> StoreResult<Vec<(String, Timestamp)>>;
    /// Removes results from the tracing queue once their person's contacts are listed.
    async fn done_tracing(&self, done: &[(String, Timestamp)]) -> StoreResult<()>;

    /// Deletes every record past its cutoff (visits and scans, health records, queued
    /// tracing), in one transaction.
    async fn purge_expired(&self, cutoffs: &Cutoffs) -> StoreResult<Purged>;

    /// Records a signing key as revoked. False when it already was.
    async fn revoke_key(&self, key_id: &str, kind: &str, now: Timestamp) -> StoreResult<bool>;
    /// Every revoked key id.
    async fn revoked_keys(&self) -> StoreResult<Vec<String>>;
    /// Every sealed signing key, by kind then number.
    async fn signing_keys(&self) -> StoreResult<Vec<SealedKey>>;
    /// Adds keys (all or none); how many were new: a number already taken is kept.
    async fn add_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<u64>;
    async fn retire_signing_key(&self, kind: &str, seq: i64) -> StoreResult<()>;
    /// New sealed forms of existing keys (a new key-encryption key), all or none.
    async fn reseal_signing_keys(&self, keys: &[SealedKey]) -> StoreResult<()>;
    /// True when several API nodes may share this database (PostgreSQL): the signing keys
    /// must then be in it.
    fn shared(&self) -> bool {
        false
    }
    /// Ends every session of a citizen issued so far (moves their session epoch on).
    async fn end_sessions(&self, citizen_id: i64) -> StoreResult<()>;

    // ---- the business side (issue 9)

    /// Businesses the registry lets this IIN act for, by BIN.
    async fn businesses_of(&self, iin: &str) -> StoreResult<Vec<BusinessRecord>>;
    async fn venues_of(&self, bin: &str) -> StoreResult<Vec<Venue>>;
    /// Premises where this IIN is door staff.
    async fn staff_posts(&self, iin: &str) -> StoreResult<Vec<Venue>>;
    async fn staff_of(&self, venue_id: u64) -> StoreResult<Vec<StaffRecord>>;
    /// The appointment that makes this IIN door staff here, while the owner who made it
    /// still owns the premises' business in the registry.
    async fn staff_powers(&self, venue_id: u64, iin: &str) -> StoreResult<Option<i64>>;
    /// Appoints (or finds the existing appointment of) an IIN on behalf of the owner
    /// `appointed_by` (a `citizens.id`), audited in the same transaction. Re-appointing
    /// moves an existing appointment to this owner.
    async fn appoint_staff(
        &self,
        venue_id: u64,
        iin: &str,
        appointed_by: i64,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<StaffRecord>;
    /// Removes an appointment of this venue; false when there is none with this id.
    async fn remove_staff(
        &self,
        venue_id: u64,
        staff_id: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// When each re-issued entrance's codes became valid (entrances never re-issued have
    /// none: their codes date from the registration).
    async fn entrance_valid_from(&self, venue_id: u64) -> StoreResult<Vec<(u8, Timestamp)>>;
    /// Re-issues an entrance's codes: the new codes' issued-at is returned, strictly later
    /// than the previous codes' (`previous`), and codes issued before it are revoked.
    async fn reissue_entrance(
        &self,
        venue_id: u64,
        entrance: u8,
        previous: Timestamp,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> StoreResult<Timestamp>;
    /// Children the registry links to this parent (any age; the caller applies the rule).
    async fn children_of(&self, parent_iin: &str) -> StoreResult<Vec<Citizen>>;
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest audit rows first.
    async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditRecord>>;

    // ---- guard mode's proof of presence and disputes (door.rs)

    /// The registered phone of an IIN, if any.
    async fn phone_of(&self, iin: &str) -> StoreResult<Option<String>>;
    /// Keeps a new challenge (and deletes those long expired).
    async fn add_challenge(&self, c: &Challenge) -> StoreResult<()>;
    async fn challenge(&self, id: &str) -> StoreResult<Option<Challenge>>;
    /// Counts one wrong code; the number of tries so far.
    async fn challenge_failed(&self, id: &str) -> StoreResult<i64>;
    /// Records the guard-mode visit and uses up the challenge in one transaction: the
    /// scan's result, or `None` when the challenge was used meanwhile by another visit.
    async fn check_in_with_challenge(
        &self,
        challenge_id: &str,
        scan: Scan,
        now: Timestamp,
        policy: &Policy,
    ) -> StoreResult<Option<ScanResult>>;
    /// The visitor disputes a guard-mode visit of theirs: it leaves tracing and the
    /// listings its stay made are withdrawn (those that other stays also make are
    /// listed again), audited in the same transaction.
    async fn dispute_visit(
        &self,
        person: &str,
        visit_id: &str,
        now: Timestamp,
        policy: &Policy,
        audit: &AuditEntry,
    ) -> StoreResult<DisputeResult>;
    /// Disputed visits, the newest first, for the health authority.
    async fn disputes(&self, limit: i64) -> StoreResult<Vec<Dispute>>;

    // ---- trust boundaries (issue 25)

    /// Marks an empty database as made by a `--dev` server. True when it is one (marked
    /// now or before); false when it holds data without that mark: production's.
    async fn claim_for_dev(&self) -> StoreResult<bool>;
    /// True when a `--dev` server made this database.
    async fn is_dev_database(&self) -> StoreResult<bool>;
    /// Remembers a host proof (its digest) as used until `forget_at`. False when it is
    /// remembered already: a replay.
    async fn use_host_proof(
        &self,
        digest: &str,
        forget_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Forgets used proofs whose time is over; how many.
    async fn forget_host_proofs(&self, now: Timestamp) -> StoreResult<u64>;
}

/// What one retention pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub visits: u64,
    pub health_records: u64,
    pub tracing: u64,
    pub audit: u64,
}
