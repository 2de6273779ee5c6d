//! Run: cd crates/ashyq-core && cargo +nightly fuzz run venue_code
//! Arbitrary text must never panic the parser; half the inputs are a real signed code with
//! the fuzzer's bytes spliced in, so the fuzzer reaches the field reader past the signature
//! check only through codes it cannot forge — anything accepted must re-encode to itself.
#![no_main]

use ashyq_core::keys::{KeySet, Signer};
use ashyq_core::venue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let signer = Signer::from_seed([7; 32]);
    let mut keys = KeySet::default();
    keys.insert(signer.key_id(), signer.verifying_key());
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = venue::parse(text, &keys) {
        // Only a genuine signature gets here; its fields must sign back to the same body.
        let again = venue::sign(&code.info, &signer).expect("accepted fields are signable");
        assert!(text.trim().ends_with(again.body()));
    }
    // Signed garbage: the fuzzer's bytes as a payload under a real signature exercise the
    // field reader.
    let sealed = venue::seal_raw(data, &signer).bare();
    if let Ok(code) = venue::parse(&sealed, &keys) {
        let payload = venue::encode_payload(&code.info, signer.key_id()).expect("round trip");
        assert_eq!(payload, data);
    }
});
