//! Run: cd crates/ashyq-core && cargo +nightly fuzz run telegram_init_data
//! Arbitrary text as Telegram init data must never panic the check. The fuzzer's pairs,
//! re-signed with the bot token, reach the fields read after the hash check (`auth_date`,
//! `user`): the hash must then match.
#![no_main]

use ashyq_core::encoding::parse_query;
use ashyq_core::hostproof::{telegram_init_data, verify_telegram, ProofError};
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "123456:fuzz-bot-token";
const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = verify_telegram(text, TOKEN, NOW, 86_400);
    let Some(pairs) = parse_query(text) else {
        return;
    };
    // Telegram writes keys as they are: only plain keys survive the round trip.
    let plain = |k: &str| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "hash").collect();
    if !pairs.iter().all(|(k, _)| plain(k)) {
        return;
    }
    let signed = telegram_init_data(&pairs, TOKEN);
    assert_ne!(
        verify_telegram(&signed, TOKEN, NOW, 86_400).err(),
        Some(ProofError::BadSignature),
        "{signed}"
    );
});
