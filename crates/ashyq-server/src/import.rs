//! Health-data import: per-row validation (IINs by the core's rule), idempotent batches
//! (a digest per batch: the same rows again are a retry, other rows under the same id a
//! conflict), CSV as well as JSON; after each import, contact tracing (`contacts`) for
//! every positive result.
//!
//! The five kinds of rows share one validation loop and one CSV reader through [`Kind`];
//! each kind states its checks, its required CSV columns and its CSV row type (serde).

use std::sync::atomic::Ordering;

use ashyq_core::api::{
    BusinessRow, CitizenRow, ContactRow, ImportBatch, ImportReport, PcrRow, RecoveryRow, RowError,
    VaccinationRow,
};
use ashyq_core::{id, Timestamp};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::contacts;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Actor, ImportResult, ValidRows};

pub const KINDS: [&str; 6] = [
    "citizens",
    "pcr",
    "contacts",
    "vaccinations",
    "recoveries",
    "businesses",
];
/// Records dated after this many seconds in the future are refused (clock skew allowed).
const MAX_FUTURE: i64 = ashyq_core::DAY;

fn row_error(kind: &str, row: usize, code: &str, message: impl Into<String>) -> RowError {
    RowError {
        kind: kind.to_owned(),
        row,
        code: code.to_owned(),
        message: message.into(),
    }
}

fn check_iin(kind: &str, row: usize, iin: &str) -> Result<(), RowError> {
    id::validate_iin(iin)
        .map(|_| ())
        .map_err(|e| row_error(kind, row, e.code(), format!("iin: {e}")))
}

fn check_time(kind: &str, row: usize, at: i64, now: i64) -> Result<(), RowError> {
    if at <= 0 || at > now + MAX_FUTURE {
        Err(row_error(
            kind,
            row,
            "bad_time",
            "the time must be Unix seconds, not in the future",
        ))
    } else {
        Ok(())
    }
}

/// One kind of import row: where its rows sit in a batch, how one is checked, and how it
/// reads from CSV.
pub trait Kind: Clone + Sized {
    /// The batch field and CSV `kind`, e.g. `pcr`.
    const NAME: &'static str;
    /// CSV columns a header must have.
    const REQUIRED: &'static [&'static str];
    /// The CSV columns read, in the order their errors are reported (the order of the
    /// fields of `Csv`).
    const COLUMNS: &'static [&'static str];
    /// A CSV data line of this kind, as serde reads it from the `COLUMNS`.
    type Csv: DeserializeOwned;
    /// The row a CSV line holds, or the column whose cell is not a value of its type.
    fn from_csv(line: Self::Csv) -> Result<Self, &'static str>;
    fn rows(batch: &ImportBatch) -> &[Self];
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self>;
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)>;
    /// Checks a row at position `row` of its kind.
    fn check(&self, row: usize, now: Timestamp) -> Result<(), RowError>;
}

impl Kind for CitizenRow {
    const NAME: &'static str = "citizens";
    const REQUIRED: &'static [&'static str] = &["iin", "name"];
    const COLUMNS: &'static [&'static str] = &[
        "iin",
        "name",
        "lastname",
        "phone",
        "aitu_id",
        "telegram_id",
        "vk_id",
        "parent_iin",
        "relink",
        "change_parent",
    ];
    type Csv = CitizenCsv;
    fn from_csv(c: CitizenCsv) -> Result<Self, &'static str> {
        let relink = match c.relink {
            None => false,
            Some(s) => flag(&s).ok_or("relink")?,
        };
        let change_parent = match c.change_parent {
            None => false,
            Some(s) => flag(&s).ok_or("change_parent")?,
        };
        Ok(CitizenRow {
            iin: c.iin,
            name: c.name,
            lastname: c.lastname,
            phone: c.phone,
            aitu_id: c.aitu_id,
            telegram_id: c.telegram_id,
            vk_id: c.vk_id,
            parent_iin: c.parent_iin,
            relink,
            change_parent,
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.citizens
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.citizens
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.citizens
    }
    fn check(&self, row: usize, _now: Timestamp) -> Result<(), RowError> {
        let kind = Self::NAME;
        check_iin(kind, row, &self.iin)?;
        let text_ok = |s: &str| {
            !s.trim().is_empty() && s.chars().count() <= 100 && !s.chars().any(char::is_control)
        };
        if !text_ok(&self.name)
            || !self.lastname.chars().all(|ch| !ch.is_control())
            || self.lastname.chars().count() > 100
        {
            return Err(row_error(
                kind,
                row,
                "bad_name",
                "name is required; names are at most 100 characters",
            ));
        }
        if let Some(p) = &self.phone {
            if ashyq_core::id::phone_e164(p).is_none() {
                return Err(row_error(
                    kind,
                    row,
                    "bad_phone",
                    "phone must be in E.164: + and the country code, 8 to 15 digits",
                ));
            }
        }
        if let Some(a) = &self.aitu_id {
            if a.is_empty() || a.len() > 128 {
                return Err(row_error(
                    kind,
                    row,
                    "bad_aitu_id",
                    "aitu_id must be 1 to 128 characters",
                ));
            }
        }
        if let Some(parent) = &self.parent_iin {
            id::validate_iin(parent)
                .map_err(|e| row_error(kind, row, e.code(), format!("parent_iin: {e}")))?;
            if parent == &self.iin {
                return Err(row_error(
                    kind,
                    row,
                    "bad_parent",
                    "parent_iin is the citizen's own IIN",
                ));
            }
        }
        Ok(())
    }
}

impl Kind for BusinessRow {
    const NAME: &'static str = "businesses";
    const REQUIRED: &'static [&'static str] = &["bin", "name", "owner_iins"];
    const COLUMNS: &'static [&'static str] = Self::REQUIRED;
    type Csv = BusinessCsv;
    fn from_csv(b: BusinessCsv) -> Result<Self, &'static str> {
        Ok(BusinessRow {
            bin: b.bin,
            name: b.name,
            owner_iins: b
                .owner_iins
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.businesses
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.businesses
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.businesses
    }
    fn check(&self, row: usize, _now: Timestamp) -> Result<(), RowError> {
        let kind = Self::NAME;
        id::validate_bin(&self.bin)
            .map_err(|e| row_error(kind, row, e.code(), format!("bin: {e}")))?;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(row_error(
                kind,
                row,
                "bad_name",
                "name is required; at most 200 characters",
            ));
        }
        if self.owner_iins.len() > 100 {
            return Err(row_error(
                kind,
                row,
                "too_many_owners",
                "at most 100 owner IINs per business",
            ));
        }
        for iin in &self.owner_iins {
            id::validate_iin(iin)
                .map_err(|e| row_error(kind, row, e.code(), format!("owner_iins: {e}")))?;
        }
        Ok(())
    }
}

impl Kind for PcrRow {
    const NAME: &'static str = "pcr";
    const REQUIRED: &'static [&'static str] = &["iin", "taken_at", "positive"];
    const COLUMNS: &'static [&'static str] = Self::REQUIRED;
    type Csv = PcrCsv;
    fn from_csv(p: PcrCsv) -> Result<Self, &'static str> {
        Ok(PcrRow {
            iin: p.iin,
            taken_at: p.taken_at,
            positive: flag(&p.positive).ok_or("positive")?,
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.pcr
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.pcr
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.pcr
    }
    fn check(&self, row: usize, now: Timestamp) -> Result<(), RowError> {
        check_iin(Self::NAME, row, &self.iin)?;
        check_time(Self::NAME, row, self.taken_at, now)
    }
}

impl Kind for ContactRow {
    const NAME: &'static str = "contacts";
    const REQUIRED: &'static [&'static str] = &["iin", "listed_at"];
    const COLUMNS: &'static [&'static str] = Self::REQUIRED;
    type Csv = ContactCsv;
    fn from_csv(c: ContactCsv) -> Result<Self, &'static str> {
        Ok(ContactRow {
            iin: c.iin,
            listed_at: c.listed_at,
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.contacts
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.contacts
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.contacts
    }
    fn check(&self, row: usize, now: Timestamp) -> Result<(), RowError> {
        check_iin(Self::NAME, row, &self.iin)?;
        check_time(Self::NAME, row, self.listed_at, now)
    }
}

impl Kind for VaccinationRow {
    const NAME: &'static str = "vaccinations";
    const REQUIRED: &'static [&'static str] = &["iin", "at", "course_complete"];
    const COLUMNS: &'static [&'static str] = Self::REQUIRED;
    type Csv = VaccinationCsv;
    fn from_csv(v: VaccinationCsv) -> Result<Self, &'static str> {
        Ok(VaccinationRow {
            iin: v.iin,
            at: v.at,
            course_complete: flag(&v.course_complete).ok_or("course_complete")?,
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.vaccinations
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.vaccinations
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.vaccinations
    }
    fn check(&self, row: usize, now: Timestamp) -> Result<(), RowError> {
        check_iin(Self::NAME, row, &self.iin)?;
        check_time(Self::NAME, row, self.at, now)
    }
}

impl Kind for RecoveryRow {
    const NAME: &'static str = "recoveries";
    const REQUIRED: &'static [&'static str] = &["iin", "at"];
    const COLUMNS: &'static [&'static str] = Self::REQUIRED;
    type Csv = RecoveryCsv;
    fn from_csv(r: RecoveryCsv) -> Result<Self, &'static str> {
        Ok(RecoveryRow {
            iin: r.iin,
            at: r.at,
        })
    }
    fn rows(batch: &ImportBatch) -> &[Self] {
        &batch.recoveries
    }
    fn rows_mut(batch: &mut ImportBatch) -> &mut Vec<Self> {
        &mut batch.recoveries
    }
    fn valid(rows: &mut ValidRows) -> &mut Vec<(usize, Self)> {
        &mut rows.recoveries
    }
    fn check(&self, row: usize, now: Timestamp) -> Result<(), RowError> {
        check_iin(Self::NAME, row, &self.iin)?;
        check_time(Self::NAME, row, self.at, now)
    }
}

/// Moves the rows of one kind that pass their checks into `ok`, the others' errors into
/// `errors`.
fn validate_kind<K: Kind>(
    batch: &ImportBatch,
    now: Timestamp,
    ok: &mut ValidRows,
    errors: &mut Vec<RowError>,
) {
    for (i, row) in K::rows(batch).iter().enumerate() {
        match row.check(i, now) {
            Ok(()) => K::valid(ok).push((i, row.clone())),
            Err(e) => errors.push(e),
        }
    }
}

/// Splits a batch into valid rows and per-row errors.
pub fn validate(batch: &ImportBatch, now: i64) -> (ValidRows, Vec<RowError>) {
    let mut ok = ValidRows::default();
    let mut errors = Vec::new();
    validate_kind::<CitizenRow>(batch, now, &mut ok, &mut errors);
    validate_kind::<PcrRow>(batch, now, &mut ok, &mut errors);
    validate_kind::<ContactRow>(batch, now, &mut ok, &mut errors);
    validate_kind::<VaccinationRow>(batch, now, &mut ok, &mut errors);
    validate_kind::<RecoveryRow>(batch, now, &mut ok, &mut errors);
    validate_kind::<BusinessRow>(batch, now, &mut ok, &mut errors);
    (ok, errors)
}

/// Checks a batch id: 1–128 printable ASCII characters.
pub fn check_batch_id(id: &str) -> AppResult<()> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "bad_batch_id",
            "batch_id must be 1 to 128 printable ASCII characters",
        ));
    }
    Ok(())
}

/// The SHA-256 (hex) of what a batch says: its rows as read, and the CSV lines that could
/// not be read. A batch id sent again with the same digest is a retry; with another, a
/// conflict.
pub fn digest(batch: &ImportBatch, parse_errors: &[RowError]) -> String {
    let text = serde_json::to_vec(&(batch, parse_errors))
        .expect("unreachable: rows and errors serialize to JSON");
    ashyq_core::encoding::hex_encode(&Sha256::digest(text))
}

/// Imports a batch and traces the contacts of each of its positive results. A batch id
/// belongs to its `actor` (the import key, or the operator's CLI): the same id from
/// another actor is another batch. One this actor imported before with other rows is
/// refused (409 `batch_conflict`, nothing written). The audit log names `actor` for
/// re-linked identities and changed parents.
///
/// `parse_errors` are rows that could not even be read (CSV); `lines` maps a CSV batch's
/// row positions back to its data line numbers, so errors name the line.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    batch: &ImportBatch,
    parse_errors: Vec<RowError>,
    lines: Option<&[usize]>,
) -> AppResult<ImportReport> {
    check_batch_id(&batch.batch_id)?;
    let now = state.now();
    let (rows, mut errors) = validate(batch, now);
    let line = |i: usize| lines.and_then(|l| l.get(i).copied()).unwrap_or(i);
    for e in &mut errors {
        e.row = line(e.row);
    }
    let digest = digest(batch, &parse_errors);
    errors.extend(parse_errors);
    let result = state
        .store
        .import(
            &batch.batch_id,
            &digest,
            &rows,
            errors.len(),
            now,
            &state.config.policy,
            actor,
        )
        .await?;
    // Traces this batch's positives, and any a crash or an error left queued before (a
    // retried batch repairs its own tracing too). The rows are committed: a tracing error
    // leaves the queue for the next run rather than failing the import.
    if let Err(e) = contacts::trace_pending(state).await {
        tracing::error!(error = %e.message, "contact tracing failed; left queued for a retry");
    }
    match result {
        ImportResult::Duplicate { accepted, rejected } => Ok(ImportReport {
            batch_id: batch.batch_id.clone(),
            accepted,
            rejected,
            duplicate_batch: true,
            errors: Vec::new(),
        }),
        ImportResult::Conflict => Err(AppError::conflict(
            "batch_conflict",
            format!(
                "batch {:?} was imported before with other rows; nothing was written \
                 (send new rows under a new batch_id)",
                batch.batch_id
            ),
        )),
        ImportResult::Imported { clashes } => {
            for (i, code) in &clashes {
                let message = match *code {
                    "identity_taken" => {
                        "phone, aitu_id, telegram_id or vk_id already belongs to another \
                         citizen; set relink to move it"
                    }
                    "parent_linked" => {
                        "this child already has another parent_iin in the registry; set \
                         change_parent to replace it (the change is audited)"
                    }
                    _ => {
                        "this citizen already has another phone, aitu_id, telegram_id or \
                         vk_id; set relink to replace it"
                    }
                };
                errors.push(row_error("citizens", line(*i), code, message));
            }
            let total = rows.len();
            let accepted = total - clashes.len();
            state
                .metrics
                .rows_imported
                .fetch_add(accepted as u64, Ordering::Relaxed);
            errors.sort_by(|a, b| (&a.kind, a.row).cmp(&(&b.kind, b.row)));
            Ok(ImportReport {
                batch_id: batch.batch_id.clone(),
                accepted,
                rejected: errors.len(),
                duplicate_batch: false,
                errors,
            })
        }
    }
}

// ---------------------------------------------------------------- CSV

/// A CSV citizen. Empty optional cells are `None` (the csv crate reads them so).
#[derive(Debug, Deserialize)]
pub struct CitizenCsv {
    iin: String,
    name: String,
    lastname: String,
    phone: Option<String>,
    aitu_id: Option<String>,
    telegram_id: Option<i64>,
    vk_id: Option<i64>,
    parent_iin: Option<String>,
    /// Read by [`flag`]; empty is no.
    relink: Option<String>,
    /// Read by [`flag`]; empty is no.
    change_parent: Option<String>,
}

/// A CSV business: `owner_iins` separated by `;`.
#[derive(Debug, Deserialize)]
pub struct BusinessCsv {
    bin: String,
    name: String,
    owner_iins: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PcrCsv {
    iin: String,
    taken_at: i64,
    /// Read by [`flag`] (serde's errors would not say which column failed).
    positive: String,
}

#[derive(Debug, Deserialize)]
pub struct ContactCsv {
    iin: String,
    listed_at: i64,
}

#[derive(Debug, Deserialize)]
pub struct VaccinationCsv {
    iin: String,
    at: i64,
    course_complete: String,
}

#[derive(Debug, Deserialize)]
pub struct RecoveryCsv {
    iin: String,
    at: i64,
}

/// A yes/no cell as registries write it: `true`/`false`, `1`/`0`, `yes`/`no`,
/// `positive`/`negative`, `complete`/`incomplete`, in any case.
fn flag(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "positive" | "complete" => Some(true),
        "false" | "0" | "no" | "negative" | "incomplete" => Some(false),
        _ => None,
    }
}

/// True when the text ends inside a quoted field. The csv crate reads such a field to
/// the end of the text without complaint; an import refuses it rather than guess.
fn ends_in_quotes(text: &str) -> bool {
    let mut quoted = false;
    let mut field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, _) => {}
            (false, '"') if field_start => quoted = true,
            (false, ',' | '\n') => {
                field_start = true;
                continue;
            }
            // As the reader does, a carriage return belongs to the line end.
            (false, '\r') => continue,
            (false, _) => {}
        }
        field_start = false;
    }
    quoted
}

/// The data lines of CSV text of one kind, read into that kind's rows. A line that cannot
/// be read becomes a row error naming its first unreadable column (`bad_field`).
fn read_csv<K: Kind>(
    text: &str,
    batch: &mut ImportBatch,
) -> AppResult<(Vec<RowError>, Vec<usize>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    // Header and data lines alike; a line of nothing but spaces is no data line.
    let mut records = reader
        .records()
        .filter(|r| !matches!(r, Ok(rec) if rec.len() == 1 && rec[0].is_empty()));
    let bad_csv =
        |e: csv::Error| AppError::bad_request("bad_csv", format!("the CSV is unreadable: {e}"));
    let header: Vec<String> = records
        .next()
        .ok_or_else(|| AppError::bad_request("bad_csv", "the CSV has no header line"))?
        .map_err(bad_csv)?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    for r in K::REQUIRED {
        if !header.iter().any(|h| h == r) {
            return Err(AppError::bad_request(
                "bad_csv",
                format!("the header lacks the column {r}"),
            ));
        }
    }
    // Where each of the kind's columns sits in this file's lines (None: not in the file).
    let at: Vec<Option<usize>> = K::COLUMNS
        .iter()
        .map(|c| header.iter().position(|h| h == c))
        .collect();
    let columns = csv::StringRecord::from(K::COLUMNS.to_vec());
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (index, record) in records.enumerate() {
        let record = record.map_err(bad_csv)?;
        let cells: csv::StringRecord = at
            .iter()
            .map(|i| i.and_then(|i| record.get(i)).unwrap_or(""))
            .collect();
        let row = cells
            .deserialize::<K::Csv>(Some(&columns))
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|f| K::COLUMNS.get(f as usize).copied())
                    .unwrap_or("a field"),
                _ => "a field",
            })
            .and_then(K::from_csv);
        match row {
            Ok(row) => {
                K::rows_mut(batch).push(row);
                lines.push(index);
            }
            Err(column) => {
                errors.push(row_error(
                    K::NAME,
                    index,
                    "bad_field",
                    format!("{column} is missing or not readable"),
                ));
            }
        }
    }
    Ok((errors, lines))
}

/// Turns CSV of one `kind` into a batch. Header names are the JSON field names; rows that
/// cannot be read become row errors (row = data line number, header excluded, from 0).
/// Also returns the data line number of each row that made it into the batch.
pub fn csv_batch(
    kind: &str,
    batch_id: &str,
    text: &str,
) -> AppResult<(ImportBatch, Vec<RowError>, Vec<usize>)> {
    if !KINDS.contains(&kind) {
        return Err(AppError::bad_request(
            "bad_kind",
            "kind must be citizens, pcr, contacts, vaccinations, recoveries or businesses",
        ));
    }
    let text = text.trim_start_matches('\u{feff}');
    if ends_in_quotes(text) {
        return Err(AppError::bad_request(
            "bad_csv",
            "the CSV has an unterminated quote",
        ));
    }
    let mut batch = ImportBatch {
        batch_id: batch_id.to_owned(),
        ..Default::default()
    };
    let (errors, lines) = match kind {
        "citizens" => read_csv::<CitizenRow>(text, &mut batch)?,
        "pcr" => read_csv::<PcrRow>(text, &mut batch)?,
        "contacts" => read_csv::<ContactRow>(text, &mut batch)?,
        "vaccinations" => read_csv::<VaccinationRow>(text, &mut batch)?,
        "businesses" => read_csv::<BusinessRow>(text, &mut batch)?,
        _ => read_csv::<RecoveryRow>(text, &mut batch)?,
    };
    Ok((batch, errors, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_line_ends_and_loose_headers() {
        let text = "\u{feff} IIN ,Taken_At,positive,extra\r\n\
                    \"900101300001\", 1700000000 ,\"Positive\",\"x, \"\"y\"\"\"\n\
                    \n   \n\
                    900101300001,1700000001,no\n\
                    900101300001,soon,yes\n\
                    900101300001,1700000002";
        let (batch, errors, lines) = csv_batch("pcr", "b", text).expect("reads");
        assert_eq!(
            batch.pcr,
            vec![
                PcrRow {
                    iin: "900101300001".into(),
                    taken_at: 1_700_000_000,
                    positive: true
                },
                PcrRow {
                    iin: "900101300001".into(),
                    taken_at: 1_700_000_001,
                    positive: false
                },
            ]
        );
        assert_eq!(lines, [0, 1]);
        let errors: Vec<_> = errors.iter().map(|e| (e.row, e.message.as_str())).collect();
        assert_eq!(
            errors,
            [
                (2, "taken_at is missing or not readable"),
                (3, "positive is missing or not readable")
            ]
        );
    }

    #[test]
    fn citizens_read_parents_and_relink_and_businesses_their_owners() {
        let text = "iin,name,parent_iin,relink\n\
                    900101300001,Асель,,\n\
                    150310500001,Бала,900101300001,yes\n\
                    900101300001,Асель,,maybe\n";
        let (batch, errors, _) = csv_batch("citizens", "b", text).expect("reads");
        let rows: Vec<_> = batch
            .citizens
            .iter()
            .map(|c| (c.parent_iin.as_deref(), c.relink))
            .collect();
        assert_eq!(rows, [(None, false), (Some("900101300001"), true)]);
        assert_eq!(errors[0].message, "relink is missing or not readable");
        let text =
            "bin,name,owner_iins\n180340021791,\"ТОО «А», Астана\",a; b ;;c\n180340021791,Б,\n";
        let (batch, errors, _) = csv_batch("businesses", "b", text).expect("reads");
        assert!(errors.is_empty());
        assert_eq!(batch.businesses[0].name, "ТОО «А», Астана");
        assert_eq!(batch.businesses[0].owner_iins, ["a", "b", "c"]);
        assert!(batch.businesses[1].owner_iins.is_empty());
    }

    #[test]
    fn citizens_read_optional_cells_as_none() {
        let text = "iin,name,phone,telegram_id\n900101300001,Асель,,42\n900101300001,Асель,,x\n";
        let (batch, errors, _) = csv_batch("citizens", "b", text).expect("reads");
        let c = &batch.citizens[0];
        assert_eq!(
            (c.lastname.as_str(), c.phone.as_deref(), c.telegram_id),
            ("", None, Some(42))
        );
        assert_eq!(errors[0].message, "telegram_id is missing or not readable");
    }

    #[test]
    fn unterminated_quotes_are_refused() {
        for text in ["\"open", "iin,at\n\"9001,1\n", "iin,at\n1,\"2\"\"\n"] {
            let e = csv_batch("recoveries", "b", text).expect_err(text);
            assert_eq!(e.code, "bad_csv", "{text}");
        }
        assert!(csv_batch("recoveries", "b", "iin,at\nab\"c,1\n").is_ok());
    }
}
