//! Health-data import: per-row validation (IINs by the core's rule), idempotent batches,
//! CSV as well as JSON, and contact tracing for every person a batch turns RED.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use ashyq_core::api::{
    CitizenRow, ContactRow, ImportBatch, ImportReport, PcrRow, RecoveryRow, RowError,
    VaccinationRow,
};
use ashyq_core::status::{self, Status};
use ashyq_core::{id, visit, Timestamp};

use crate::error::{AppError, AppResult};
use crate::store::{normalize_phone, ImportResult, ValidRows};
use crate::AppState;

pub const KINDS: [&str; 5] = ["citizens", "pcr", "contacts", "vaccinations", "recoveries"];
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

fn check_citizen(row: usize, c: &CitizenRow) -> Result<(), RowError> {
    check_iin("citizens", row, &c.iin)?;
    let text_ok = |s: &str| {
        !s.trim().is_empty() && s.chars().count() <= 100 && !s.chars().any(char::is_control)
    };
    if !text_ok(&c.name)
        || !c.lastname.chars().all(|ch| !ch.is_control())
        || c.lastname.chars().count() > 100
    {
        return Err(row_error(
            "citizens",
            row,
            "bad_name",
            "name is required; names are at most 100 characters",
        ));
    }
    if let Some(p) = &c.phone {
        if normalize_phone(p).is_none() {
            return Err(row_error(
                "citizens",
                row,
                "bad_phone",
                "phone must have 10 to 15 digits",
            ));
        }
    }
    if let Some(a) = &c.aitu_id {
        if a.is_empty() || a.len() > 128 {
            return Err(row_error(
                "citizens",
                row,
                "bad_aitu_id",
                "aitu_id must be 1 to 128 characters",
            ));
        }
    }
    Ok(())
}

/// Splits a batch into valid rows and per-row errors.
pub fn validate(batch: &ImportBatch, now: i64) -> (ValidRows, Vec<RowError>) {
    let mut ok = ValidRows::default();
    let mut errors = Vec::new();
    for (i, c) in batch.citizens.iter().enumerate() {
        match check_citizen(i, c) {
            Ok(()) => ok.citizens.push((i, c.clone())),
            Err(e) => errors.push(e),
        }
    }
    for (i, p) in batch.pcr.iter().enumerate() {
        match check_iin("pcr", i, &p.iin).and_then(|_| check_time("pcr", i, p.taken_at, now)) {
            Ok(()) => ok.pcr.push((i, p.clone())),
            Err(e) => errors.push(e),
        }
    }
    for (i, c) in batch.contacts.iter().enumerate() {
        match check_iin("contacts", i, &c.iin)
            .and_then(|_| check_time("contacts", i, c.listed_at, now))
        {
            Ok(()) => ok.contacts.push((i, c.clone())),
            Err(e) => errors.push(e),
        }
    }
    for (i, v) in batch.vaccinations.iter().enumerate() {
        match check_iin("vaccinations", i, &v.iin)
            .and_then(|_| check_time("vaccinations", i, v.at, now))
        {
            Ok(()) => ok.vaccinations.push((i, v.clone())),
            Err(e) => errors.push(e),
        }
    }
    for (i, r) in batch.recoveries.iter().enumerate() {
        match check_iin("recoveries", i, &r.iin)
            .and_then(|_| check_time("recoveries", i, r.at, now))
        {
            Ok(()) => ok.recoveries.push((i, r.clone())),
            Err(e) => errors.push(e),
        }
    }
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

/// Imports a batch and traces the contacts of everyone it turns RED.
///
/// `parse_errors` are rows that could not even be read (CSV); `lines` maps a CSV batch's
/// row positions back to its data line numbers, so errors name the line.
pub async fn run(
    state: &AppState,
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
    errors.extend(parse_errors);
    let result = state
        .store
        .import(&batch.batch_id, &rows, errors.len(), now)
        .await?;
    // Traces this batch's positives, and any a crash or an error left queued before (a
    // retried batch repairs its own tracing too). The rows are committed: a tracing error
    // leaves the queue for the next run rather than failing the import.
    if let Err(e) = trace_pending(state).await {
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
        ImportResult::Imported { clashes } => {
            for i in &clashes {
                errors.push(row_error(
                    "citizens",
                    line(*i),
                    "identity_taken",
                    "phone, aitu_id, telegram_id or vk_id already belongs to another citizen",
                ));
            }
            let total = rows.citizens.len()
                + rows.pcr.len()
                + rows.contacts.len()
                + rows.vaccinations.len()
                + rows.recoveries.len();
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

/// Traces every positive PCR result queued by an import (`Store::pending_tracing`) and
/// takes it off the queue once its person's contacts are listed. Listing is idempotent, so
/// running twice, or on two nodes at once, lists nobody twice. Runs after each import and
/// in housekeeping (at start, so a crash between an import and its tracing is repaired).
/// Returns how many contacts were newly listed; on an error the rest stays queued.
pub async fn trace_pending(state: &AppState) -> AppResult<u64> {
    let pending = state.store.pending_tracing().await?;
    let mut by_person: BTreeMap<String, Vec<(String, Timestamp)>> = BTreeMap::new();
    for (iin, taken_at) in pending {
        by_person
            .entry(iin.clone())
            .or_default()
            .push((iin, taken_at));
    }
    let mut total = 0;
    let mut failure = None;
    for (iin, done) in by_person {
        // The queue was read first, so the records `trace` reads include these results.
        let traced = match trace(state, &iin).await {
            Ok(listed) => state
                .store
                .done_tracing(&done)
                .await
                .map(|()| listed)
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        match traced {
            Ok(listed) => {
                total += listed;
                if listed > 0 {
                    tracing::info!(person = %id::mask(&iin), listed, "contacts listed");
                }
            }
            Err(e) => failure = Some(e),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// When `iin` is RED now, lists as contacts everyone whose stays overlapped theirs (from
/// the core's look-back before the red period began). Returns how many were newly listed.
pub async fn trace(state: &AppState, iin: &str) -> AppResult<u64> {
    let now = state.now();
    let policy = &state.config.policy;
    let records = state.store.health_records(iin).await?;
    let report = status::evaluate(&records, now, policy);
    if report.status != Status::Red {
        return Ok(0);
    }
    let positive_at = report.since.unwrap_or(now);
    let from = visit::contact_search_from(positive_at, policy);
    let cases = state.store.stays_of(iin, from, now, policy).await?;
    let venues: BTreeSet<u64> = cases.iter().map(|s| s.venue_id).collect();
    let mut others = Vec::new();
    for venue in venues {
        let at_venue: Vec<_> = cases.iter().filter(|s| s.venue_id == venue).collect();
        let lo = at_venue.iter().map(|s| s.start).min().unwrap_or(from);
        let hi = at_venue.iter().map(|s| s.end).max().unwrap_or(now);
        // A stay never lasts longer than the default stay, so earlier entries cannot overlap.
        let earliest = lo.saturating_sub(policy.default_stay);
        others.extend(
            state
                .store
                .stays_at(venue, earliest, hi, now, policy)
                .await?,
        );
    }
    let contacts = visit::find_contacts(&cases, &others);
    if contacts.is_empty() {
        return Ok(0);
    }
    let added = state.store.add_contacts(&contacts).await?;
    state
        .metrics
        .contacts_listed
        .fetch_add(added, Ordering::Relaxed);
    Ok(added)
}

// ---------------------------------------------------------------- CSV

/// Splits CSV text into records of fields: commas, double-quoted fields with `""`
/// escapes, CRLF or LF line ends. Fails on an unterminated quote.
pub fn parse_csv(text: &str) -> Option<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    Some(records)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "positive" | "complete" => Some(true),
        "false" | "0" | "no" | "negative" | "incomplete" => Some(false),
        _ => None,
    }
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
            "kind must be citizens, pcr, contacts, vaccinations or recoveries",
        ));
    }
    let records = parse_csv(text)
        .ok_or_else(|| AppError::bad_request("bad_csv", "the CSV has an unterminated quote"))?;
    let mut rows = records.into_iter();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| AppError::bad_request("bad_csv", "the CSV has no header line"))?
        .into_iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let required: &[&str] = match kind {
        "citizens" => &["iin", "name"],
        "pcr" => &["iin", "taken_at", "positive"],
        "contacts" => &["iin", "listed_at"],
        "vaccinations" => &["iin", "at", "course_complete"],
        _ => &["iin", "at"],
    };
    for r in required {
        if !header.iter().any(|h| h == r) {
            return Err(AppError::bad_request(
                "bad_csv",
                format!("the header lacks the column {r}"),
            ));
        }
    }
    let mut batch = ImportBatch {
        batch_id: batch_id.to_owned(),
        ..Default::default()
    };
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (index, rec) in rows.enumerate() {
        let get = |name: &str| -> Option<&str> {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| rec.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let time = |name: &str| get(name).and_then(|s| s.parse::<i64>().ok());
        let bad = |what: &str| {
            row_error(
                kind,
                index,
                "bad_field",
                format!("{what} is missing or not readable"),
            )
        };
        let iin = get("iin").unwrap_or("").to_owned();
        let result: Result<(), RowError> = match kind {
            "citizens" => {
                let num = |name: &str| -> Result<Option<i64>, RowError> {
                    get(name)
                        .map(|s| s.parse::<i64>().map_err(|_| bad(name)))
                        .transpose()
                };
                num("telegram_id").and_then(|tg| {
                    let vk = num("vk_id")?;
                    batch.citizens.push(CitizenRow {
                        iin,
                        name: get("name").unwrap_or("").to_owned(),
                        lastname: get("lastname").unwrap_or("").to_owned(),
                        phone: get("phone").map(str::to_owned),
                        aitu_id: get("aitu_id").map(str::to_owned),
                        telegram_id: tg,
                        vk_id: vk,
                    });
                    Ok(())
                })
            }
            "pcr" => match (time("taken_at"), get("positive").and_then(parse_bool)) {
                (Some(taken_at), Some(positive)) => {
                    batch.pcr.push(PcrRow {
                        iin,
                        taken_at,
                        positive,
                    });
                    Ok(())
                }
                (None, _) => Err(bad("taken_at")),
                _ => Err(bad("positive")),
            },
            "contacts" => match time("listed_at") {
                Some(listed_at) => {
                    batch.contacts.push(ContactRow { iin, listed_at });
                    Ok(())
                }
                None => Err(bad("listed_at")),
            },
            "vaccinations" => match (time("at"), get("course_complete").and_then(parse_bool)) {
                (Some(at), Some(course_complete)) => {
                    batch.vaccinations.push(VaccinationRow {
                        iin,
                        at,
                        course_complete,
                    });
                    Ok(())
                }
                (None, _) => Err(bad("at")),
                _ => Err(bad("course_complete")),
            },
            _ => match time("at") {
                Some(at) => {
                    batch.recoveries.push(RecoveryRow { iin, at });
                    Ok(())
                }
                None => Err(bad("at")),
            },
        };
        match result {
            Ok(()) => lines.push(index),
            Err(e) => errors.push(e),
        }
    }
    Ok((batch, errors, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_and_line_ends() {
        let recs = parse_csv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n1,2").expect("parses");
        assert_eq!(
            recs,
            vec![vec!["a", "b"], vec!["x, y", "say \"hi\""], vec!["1", "2"]]
        );
        assert_eq!(parse_csv("\"open"), None);
    }
}
