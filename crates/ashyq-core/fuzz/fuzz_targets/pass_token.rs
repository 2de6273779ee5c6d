//! Run: cd crates/ashyq-core && cargo +nightly fuzz run pass_token
#![no_main]

use ashyq_core::keys::{KeySet, Signer};
use ashyq_core::pass;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let signer = Signer::from_seed([8; 32]);
    let mut keys = KeySet::default();
    keys.insert(signer.key_id(), signer.verifying_key());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = pass::verify(text, &keys, 1_800_000_000);
    }
    let sealed = pass::seal_raw(data, &signer);
    if let Ok(claims) = pass::decode(&sealed, &keys) {
        let payload = pass::encode_payload(&claims, signer.key_id()).expect("round trip");
        assert_eq!(payload, data);
    }
});
