//! Run: cd crates/ashyq-core && cargo +nightly fuzz run aitu_proof
//! Any JSON as an Aitu bridge result must never panic the check; any object the fuzzer
//! builds, signed with the key, must verify (the check string is the one the signer used).
#![no_main]

use ashyq_core::hostproof::{aitu_sign, verify_aitu, ProofError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KEY: &str = "fuzz-aitu-api-key";

fuzz_target!(|data: &[u8]| {
    let Ok(mut v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = verify_aitu(&v, KEY);
    if let Some(sign) = aitu_sign(&v, KEY) {
        if let Value::Object(o) = &mut v {
            o.insert("sign".to_owned(), Value::String(sign));
        }
        assert_eq!(verify_aitu(&v, KEY), Ok(()));
        assert_eq!(verify_aitu(&v, "another key"), Err(ProofError::BadSignature));
    }
});
