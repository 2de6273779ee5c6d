//! Storage behind one trait, so the handlers do not know which database they talk to.
//! Two implementations share their SQL text and row mapping (`sql.rs` and one module per
//! concern): SQLite (`sqlite.rs`), the embedded default, and PostgreSQL (`postgres.rs`),
//! for several stateless API nodes behind a load balancer. Rules (status,
//! visits, contacts) come from `ashyq-core`; the store only keeps and fetches records.

mod business;
mod citizens;
mod door;
mod exposure;
mod housekeeping;
mod imports;
mod migrations;
mod pg_primary;
mod pg_writer;
mod postgres;
mod proofs;
mod retention;
mod revocation;
mod scan_conn;
mod signing_keys;
mod sql;
mod sqlite;
mod sqlite_read;
mod sqlite_writer;
mod types;
mod venues;
mod visits;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use types::{
    subject, Actor, AuditEntry, AuditRecord, BusinessRecord, Challenge, Citizen, Dispute,
    DisputeResult, ImportResult, Lookup, NewVenue, Purged, Scan, ScanResult, SealedKey,
    StaffRecord, Store, StoreError, StoreResult, ValidRows, Venue,
};
