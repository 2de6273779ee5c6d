//! Run: cd crates/ashyq-core && cargo +nightly fuzz run vk_launch_params
//! Arbitrary text as VK launch parameters must never panic the check. The fuzzer's pairs,
//! re-signed with the app secret, reach the fields read after the sign check: the sign
//! must then match.
#![no_main]

use ashyq_core::encoding::parse_query;
use ashyq_core::hostproof::{verify_vk, vk_launch_query, ProofError};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-vk-app-secret";
const APP_ID: i64 = 51_000_000;
const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = verify_vk(text, SECRET, APP_ID, NOW, 86_400);
    let Some(pairs) = parse_query(text) else {
        return;
    };
    let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "sign").collect();
    let signed = vk_launch_query(&pairs, SECRET);
    assert_ne!(
        verify_vk(&signed, SECRET, APP_ID, NOW, 86_400).err(),
        Some(ProofError::BadSignature),
        "{signed}"
    );
});
