//! The shared test vectors (tests/vectors/*.json) against the core's parsers.
//! Run: cargo test -p ashyq-core --test vectors
#[path = "support/vectors_gen.rs"]
mod vectors_gen;

use ashyq_core::codec::CodeError;
use ashyq_core::{pass, venue};
use serde_json::Value;
use vectors_gen::keyset_from;

const VENUE: &str = include_str!("../../../tests/vectors/venue_codes.json");
const PASS: &str = include_str!("../../../tests/vectors/pass_tokens.json");
const START: &str = include_str!("../../../tests/vectors/start_params.json");

#[test]
fn vector_files_are_what_the_generator_makes() {
    // A change to a format must regenerate the files (cargo run --example gen_vectors),
    // so every other reader sees it.
    assert_eq!(VENUE, vectors_gen::render(&vectors_gen::venue_vectors()));
    assert_eq!(PASS, vectors_gen::render(&vectors_gen::pass_vectors()));
    assert_eq!(
        START,
        vectors_gen::render(&vectors_gen::start_param_vectors())
    );
}

#[test]
fn start_param_vectors() {
    let cases: Vec<Value> = serde_json::from_str(START).expect("json");
    let venue: Vec<Value> = serde_json::from_str(VENUE).expect("json");
    let mut mapped = 0;
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let param = case["start_param"].as_str().expect("param");
        assert_eq!(
            venue::from_start_param(param).as_deref(),
            case["bare"].as_str(),
            "{name}"
        );
        if let Some(code) = case["code"].as_str() {
            mapped += 1;
            assert_eq!(
                venue::to_start_param(code).as_deref(),
                Some(param),
                "{name}"
            );
            assert!(param.len() <= 512, "{name}");
            assert!(param
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            // The code that comes back verifies and reads as the original.
            let keys = keyset_from(&venue[0]["public_keys"]);
            let bare = case["bare"].as_str().expect("bare");
            assert_eq!(
                venue::parse(bare, &keys).map(|c| c.info),
                venue::parse(code, &keys).map(|c| c.info),
                "{name}"
            );
        }
    }
    let valid = venue
        .iter()
        .filter(|c| c["valid"] == Value::Bool(true))
        .count();
    assert_eq!(
        mapped, valid,
        "every valid venue vector has its start parameter"
    );
}

#[test]
fn venue_vectors() {
    let cases: Vec<Value> = serde_json::from_str(VENUE).expect("json");
    assert!(cases.len() >= 30, "at least 30 cases, have {}", cases.len());
    let mut errors_seen = std::collections::BTreeSet::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let keys = keyset_from(&case["public_keys"]);
        let got = venue::parse(case["code"].as_str().expect("code"), &keys);
        if case["valid"] == Value::Bool(true) {
            let code = got.unwrap_or_else(|e| panic!("{name}: rejected with {e:?}"));
            let f = &case["fields"];
            let mut expect: venue::VenueInfo = serde_json::from_value(f.clone()).expect("fields");
            expect.issued_at = f["issued_at"].as_i64().expect("issued_at");
            assert_eq!(code.info, expect, "{name}");
            assert_eq!(code.key_id.to_string(), f["key_id"], "{name}");
        } else {
            let want =
                CodeError::from_code(case["error"].as_str().expect("error")).expect("known code");
            assert_eq!(got, Err(want), "{name}");
            errors_seen.insert(want.code());
        }
    }
    for e in CodeError::ALL.iter().filter(|e| **e != CodeError::Expired) {
        assert!(errors_seen.contains(e.code()), "no vector for {}", e.code());
    }
}

#[test]
fn pass_vectors() {
    let cases: Vec<Value> = serde_json::from_str(PASS).expect("json");
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let keys = keyset_from(&case["public_keys"]);
        let now = case["now"].as_i64().expect("now");
        let got = pass::verify(case["token"].as_str().expect("token"), &keys, now);
        if case["valid"] == Value::Bool(true) {
            let claims: pass::PassClaims =
                serde_json::from_value(case["claims"].clone()).expect("claims");
            assert_eq!(got, Ok(claims), "{name}");
        } else {
            let want =
                CodeError::from_code(case["error"].as_str().expect("error")).expect("known code");
            assert_eq!(got, Err(want), "{name}");
        }
    }
}
