//! What a scan's transaction runs on: the [`ScanConn`] trait, which both the sqlx stores
//! and SQLite's check-in writer implement, and the rows it reads. Recording a scan
//! (`visits.rs`) and tracing a stay (`exposure.rs`) are written once over it.

use ashyq_core::api::ExitKind;
use ashyq_core::status::Policy;
use ashyq_core::visit::{self, OpenVisit, Stay};
use ashyq_core::Timestamp;
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::sql::to_u64;
use super::types::{Scan, StoreResult};
use ashyq_core::api::Visit;

/// An open visit, with its person and whether it is marked infectious (for tracing).
pub(super) struct Open {
    pub(super) visit: OpenVisit,
    pub(super) person: String,
    pub(super) infectious: bool,
}

impl Open {
    /// The stay it becomes when closed at `at`.
    pub(super) fn stay(&self, at: Timestamp, now: Timestamp, policy: &Policy) -> Stay {
        let start = self.visit.entered_at;
        Stay {
            person: self.person.clone(),
            venue_id: self.visit.venue_id,
            start,
            end: visit::stay_end(start, Some(at), now, policy),
        }
    }
}

pub(super) fn open_of<R>(row: &R) -> StoreResult<Open>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Open {
        visit: OpenVisit {
            id: row.try_get("id")?,
            venue_id: to_u64(row.try_get("venue_id")?, "venue id")?,
            entered_at: row.try_get("entered_at")?,
            cancelled: row.try_get("cancelled")?,
        },
        person: row.try_get("person")?,
        infectious: row.try_get("infectious")?,
    })
}

/// A scan recorded before under the same client visit id.
pub(super) struct Earlier {
    pub(super) person: String,
    pub(super) visit_id: String,
    pub(super) direction: String,
    pub(super) closed_visit_id: Option<String>,
    /// The code it was scanned with (venue, entrance); none for scans recorded before
    /// codes were kept.
    pub(super) code: (Option<i64>, Option<i64>),
}

/// A `scans` row ([`SELECT_SCAN`]'s columns) as an [`Earlier`].
pub(super) fn earlier_of<R>(row: &R) -> StoreResult<Earlier>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(Earlier {
        person: row.try_get("person")?,
        visit_id: row.try_get("visit_id")?,
        direction: row.try_get("direction")?,
        closed_visit_id: row.try_get("closed_visit_id")?,
        code: (row.try_get("venue_id")?, row.try_get("entrance")?),
    })
}

/// A stay found near a changed one (contact tracing), as stored.
pub(super) struct NearStay {
    pub(super) person: String,
    pub(super) venue_id: u64,
    pub(super) entered_at: Timestamp,
    pub(super) exited_at: Option<Timestamp>,
    pub(super) infectious: bool,
}

/// The statements a scan runs, on whichever connection runs it: a sqlx connection
/// ([`SqlxConn`], PostgreSQL and SQLite's other writes) or SQLite's check-in writer
/// (`sqlite_writer.rs`), which runs a whole group of scans on its own thread without a
/// hand-off per statement. The decisions (`check_in_tx`, `trace_stay`) are written once,
/// over this trait, so both stores record and trace a scan the same way.
pub(super) trait ScanConn {
    /// Orders one person's scans (PostgreSQL's row lock); nothing where the connection
    /// already writes alone.
    async fn lock_person(&mut self, person: &str) -> StoreResult<()>;
    async fn earlier_scan(&mut self, client_visit_id: &str) -> StoreResult<Option<Earlier>>;
    async fn visit(&mut self, person: &str, id: &str) -> StoreResult<Option<Visit>>;
    async fn open_visit(&mut self, person: &str) -> StoreResult<Option<Open>>;
    /// Closes a visit still open; false when something else closed it first.
    async fn close(&mut self, id: &str, at: Timestamp, kind: ExitKind) -> StoreResult<bool>;
    /// Inserts `visit` (marked `infectious` or not); false when its id is taken.
    async fn insert_visit(
        &mut self,
        scan: &Scan,
        visit: &Visit,
        infectious: bool,
    ) -> StoreResult<bool>;
    /// Keeps the scan under its client visit id; false when the id is taken.
    async fn insert_scan(
        &mut self,
        scan: &Scan,
        visit_id: &str,
        closed_visit_id: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Whether `person` has a positive taken in `[from, to)`.
    async fn positive_between(
        &mut self,
        person: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool>;
    /// The stays entered at `venue_id` in `[from, to)`, only the marked ones unless `all`.
    async fn stays_near(
        &mut self,
        venue_id: u64,
        from: Timestamp,
        to: Timestamp,
        all: bool,
    ) -> StoreResult<Vec<NearStay>>;
    /// When `person`'s positives were taken.
    async fn positives_of(&mut self, person: &str) -> StoreResult<Vec<Timestamp>>;
    /// Lists contacts (ignoring listings already there). Returns how many are new.
    async fn insert_contacts(&mut self, contacts: &[(String, Timestamp)]) -> StoreResult<u64>;
}
