//! Run: cd crates/ashyq-core && cargo +nightly fuzz run aitu_proof
//! Any JSON as the two Aitu bridge results (GetMe and GetPhone: a two-element array is the
//! pair, anything else stands for both) must never panic the check. Once each object is
//! signed with the key, the pair can only fail for its shape; a pair that verifies names
//! GetMe's id, and fails with any other key.
#![no_main]

use ashyq_core::hostproof::{aitu_sign, verify_aitu, ProofError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KEY: &str = "fuzz-aitu-api-key";

fn signed(mut v: Value) -> Value {
    if let Some(sign) = aitu_sign(&v, KEY) {
        if let Value::Object(o) = &mut v {
            o.insert("sign".to_owned(), Value::String(sign));
        }
    }
    v
}

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (me, phone) = match &v {
        Value::Array(pair) if pair.len() == 2 => (pair[0].clone(), pair[1].clone()),
        _ => (v.clone(), v.clone()),
    };
    let _ = verify_aitu(&me, &phone, KEY);
    let (me, phone) = (signed(me), signed(phone));
    match verify_aitu(&me, &phone, KEY) {
        Ok(who) => {
            assert_eq!(Some(who.id.as_str()), me["id"].as_str());
            assert_eq!(
                verify_aitu(&me, &phone, "another key").map(|w| w.id),
                Err(ProofError::BadSignature)
            );
        }
        Err(e) => assert_eq!(e, ProofError::Malformed),
    }
});
