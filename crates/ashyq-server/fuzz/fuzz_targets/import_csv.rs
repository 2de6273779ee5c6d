//! Run: cd crates/ashyq-server && cargo +nightly fuzz run import_csv
//! Any text as a CSV import of any kind must never panic the reader or the row checks;
//! every row read keeps its line number, and every row is either valid or an error.
#![no_main]

use ashyq_server::import::{csv_batch, validate, KINDS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(first) % KINDS.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok((batch, _errors, lines)) = csv_batch(kind, "fuzz-batch", text) else {
        return;
    };
    let rows = batch.citizens.len()
        + batch.pcr.len()
        + batch.contacts.len()
        + batch.vaccinations.len()
        + batch.recoveries.len();
    assert_eq!(lines.len(), rows);
    let (ok, errors) = validate(&batch, 1_800_000_000);
    let valid = ok.citizens.len()
        + ok.pcr.len()
        + ok.contacts.len()
        + ok.vaccinations.len()
        + ok.recoveries.len();
    assert_eq!(valid + errors.len(), rows);
});
