//! SQLite's hot reads, the ones behind every status lookup and scan (the session's
//! citizen, the scanned venue, health records, one visit), run on the calling thread.
//!
//! sqlx would hand each to a connection's worker thread and its rows back, a few thread
//! hand-offs per query; an indexed read of a few rows from SQLite's page cache takes a
//! few microseconds, less than one hand-off, so it is done in place (rusqlite), on a
//! read-only connection taken from a small idle list. Nothing awaits while it runs.
//!
//! The SQL text is the shared one (`$1`, `$2`, …). rusqlite numbers such parameters in
//! the order they first appear, sqlx by their digits: positional binding here (and in
//! `sqlite_writer.rs`) relies on them appearing in order, otherwise they are bound by
//! name.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use ashyq_core::api::{ExitKind, Visit};
use ashyq_core::status::{HealthRecords, PcrResult, Vaccination};
use ashyq_core::venue::Category;
use ashyq_core::Timestamp;
use rusqlite::{named_params, params, Connection, OpenFlags, OptionalExtension};

use super::citizens::{BY_ID, HEALTH_RECORDS};
use super::sql::{bad_row, to_u64, to_u8};
use super::types::{Citizen, StoreResult, Venue};
use super::venues::FOR_SCAN;
use super::visits::SELECT_VISIT;

/// Idle connections kept: about one per thread that reads at once (the runtime's
/// workers); more are opened when needed and closed after.
const IDLE_MAX: usize = 8;

pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(super) fn new(path: &Path) -> Readers {
        Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on an idle read-only connection (a new one when none is idle).
    fn with<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        // A panic elsewhere while the list was locked leaves it usable.
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_MAX {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> StoreResult<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(16);
        Ok(conn)
    }

    pub(super) fn citizen(&self, id: i64) -> StoreResult<Option<Citizen>> {
        self.with(|conn| {
            Ok(conn
                .prepare_cached(BY_ID)?
                .query_row(params![id], |r| {
                    Ok(Citizen {
                        id: r.get("id")?,
                        iin: r.get("iin")?,
                        name: r.get("name")?,
                        lastname: r.get("lastname")?,
                        session_epoch: r.get("session_epoch")?,
                    })
                })
                .optional()?)
        })
    }

    pub(super) fn health_records(&self, iin: &str) -> StoreResult<HealthRecords> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(HEALTH_RECORDS)?;
            let mut rows = stmt.query(params![iin])?;
            let mut rec = HealthRecords::default();
            while let Some(r) = rows.next()? {
                let at: i64 = r.get("at")?;
                let flag = r.get::<_, i64>("flag")? != 0;
                match r.get_ref("kind")?.as_str().map_err(rusqlite::Error::from)? {
                    "p" => rec.pcr.push(PcrResult {
                        taken_at: at,
                        positive: flag,
                    }),
                    "c" => rec.contacts.push(at),
                    "v" => rec.vaccinations.push(Vaccination {
                        at,
                        course_complete: flag,
                    }),
                    _ => rec.recoveries.push(at),
                }
            }
            Ok(rec)
        })
    }

    pub(super) fn venue_for_scan(
        &self,
        id: u64,
        entrance: u8,
    ) -> StoreResult<Option<(Venue, Option<Timestamp>)>> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        self.with(|conn| {
            let row = conn
                .prepare_cached(FOR_SCAN)?
                // By name: `$2` comes first in the text, and rusqlite numbers positional
                // parameters by first appearance (sqlx by their digits).
                .query_row(named_params! {"$1": id, "$2": i64::from(entrance)}, |r| {
                    Ok((
                        r.get::<_, i64>("id")?,
                        r.get::<_, String>("bin")?,
                        r.get::<_, String>("business_name")?,
                        r.get::<_, String>("address")?,
                        r.get::<_, String>("category")?,
                        r.get::<_, bool>("pcr_required")?,
                        r.get::<_, i64>("entrances")?,
                        r.get::<_, i64>("created_at")?,
                        r.get::<_, Option<i64>>("valid_from")?,
                    ))
                })
                .optional()?;
            row.map(
                |(id, bin, business_name, address, category, pcr, entrances, created, from)| {
                    Ok((
                        Venue {
                            id: to_u64(id, "venue id")?,
                            bin,
                            business_name,
                            address,
                            category: Category::parse(&category)
                                .ok_or_else(|| bad_row("category"))?,
                            pcr_required: pcr,
                            entrances: to_u8(entrances, "entrances")?,
                            created_at: created,
                        },
                        from,
                    ))
                },
            )
            .transpose()
        })
    }

    pub(super) fn visit(&self, person: &str, id: &str) -> StoreResult<Option<Visit>> {
        self.with(|conn| visit(conn, person, id))
    }
}

/// One visit of `person` by id, on any connection (the check-in writer's too).
pub(super) fn visit(conn: &Connection, person: &str, id: &str) -> StoreResult<Option<Visit>> {
    let row = conn
        .prepare_cached(SELECT_VISIT)?
        .query_row(params![id, person], |r| {
            Ok(VisitRow {
                id: r.get("id")?,
                venue_id: r.get("venue_id")?,
                venue_name: r.get("venue_name")?,
                address: r.get("address")?,
                category: r.get("category")?,
                entrance: r.get("entrance")?,
                entered_at: r.get("entered_at")?,
                exited_at: r.get("exited_at")?,
                exit_kind: r.get("exit_kind")?,
                cancelled: r.get("cancelled")?,
                guard_staff: r.get("guard_staff")?,
                disputed_at: r.get("disputed_at")?,
            })
        })
        .optional()?;
    row.map(VisitRow::visit).transpose()
}

/// A `visits` row as stored, before its text columns are parsed.
struct VisitRow {
    id: String,
    venue_id: i64,
    venue_name: String,
    address: String,
    category: String,
    entrance: i64,
    entered_at: i64,
    exited_at: Option<i64>,
    exit_kind: Option<String>,
    cancelled: bool,
    guard_staff: Option<i64>,
    disputed_at: Option<i64>,
}

impl VisitRow {
    fn visit(self) -> StoreResult<Visit> {
        Ok(Visit {
            id: self.id,
            venue_id: to_u64(self.venue_id, "venue id")?,
            venue_name: self.venue_name,
            address: self.address,
            category: Category::parse(&self.category).ok_or_else(|| bad_row("category"))?,
            entrance: to_u8(self.entrance, "entrance")?,
            entered_at: self.entered_at,
            exited_at: self.exited_at,
            exit_kind: match self.exit_kind {
                None => None,
                Some(k) => Some(ExitKind::parse(&k).ok_or_else(|| bad_row("exit kind"))?),
            },
            cancelled: self.cancelled,
            by_staff: self.guard_staff.is_some(),
            disputed: self.disputed_at.is_some(),
        })
    }
}
