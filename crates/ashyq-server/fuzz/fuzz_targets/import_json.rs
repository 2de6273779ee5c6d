//! Run: cd crates/ashyq-server && cargo +nightly fuzz run import_json
//! Any bytes as a JSON import batch must never panic the reader, the batch-id check or
//! the row checks; every row is either valid or an error.
#![no_main]

use ashyq_core::api::ImportBatch;
use ashyq_server::import::{check_batch_id, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<ImportBatch>(data) else {
        return;
    };
    let _ = check_batch_id(&batch.batch_id);
    let rows = batch.citizens.len()
        + batch.pcr.len()
        + batch.contacts.len()
        + batch.vaccinations.len()
        + batch.recoveries.len();
    let (ok, errors) = validate(&batch, 1_800_000_000);
    let valid = ok.citizens.len()
        + ok.pcr.len()
        + ok.contacts.len()
        + ok.vaccinations.len()
        + ok.recoveries.len();
    assert_eq!(valid + errors.len(), rows);
});
