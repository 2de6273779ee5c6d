//! Run: cd crates/ashyq-core && cargo +nightly fuzz run query_codec
//! The text codecs every parser stands on: base64url and hex are strict (what decodes
//! encodes back to the same text), percent-encoding round-trips, and query strings never
//! panic.
#![no_main]

use ashyq_core::encoding::{
    b64_decode, b64_encode, form_decode, hex_decode, hex_encode, parse_query,
    uri_component_encode,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert_eq!(b64_decode(&b64_encode(data)).as_deref(), Some(data));
    assert_eq!(hex_decode(&hex_encode(data)).as_deref(), Some(data));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(bytes) = b64_decode(text) {
        assert_eq!(b64_encode(&bytes), text);
    }
    if let Some(bytes) = hex_decode(text) {
        assert_eq!(hex_encode(&bytes), text.to_ascii_lowercase());
    }
    assert_eq!(form_decode(&uri_component_encode(text)).as_deref(), Some(text));
    if let Some(pairs) = parse_query(text) {
        // Re-encoded pairs read back as the same pairs.
        let again: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", uri_component_encode(k), uri_component_encode(v)))
            .collect();
        assert_eq!(parse_query(&again.join("&")).as_ref(), Some(&pairs));
    }
    let _ = form_decode(text);
});
