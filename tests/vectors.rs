//! The shared venue-code test vectors (tests/vectors/venue_codes.json), checked in the
//! browser: the core verifies them in wasm as it does natively, and the app's state machine
//! turns every invalid one into the rejected screen with the same error code, before any
//! request.
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p ashyq`
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use ashyq::app::{Effect, Input, Model, Msg, Screen};
use ashyq::i18n::Lang;
use ashyq::types::HostKind;
use ashyq_core::api::{Profile, SessionResponse};
use ashyq_core::keys::KeySet;
use ashyq_core::venue;
use serde::Deserialize;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Deserialize)]
struct Vector {
    name: String,
    code: String,
    public_keys: BTreeMap<String, String>,
    valid: bool,
    #[serde(default)]
    fields: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<String>,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("vectors/venue_codes.json")).expect("vectors parse")
}

#[wasm_bindgen_test]
fn core_agrees_with_every_vector_in_wasm() {
    let all = vectors();
    assert!(all.len() >= 10, "too few vectors: {}", all.len());
    for v in all {
        let keys = KeySet::from_b64_map(&v.public_keys).expect("vector keys");
        match venue::parse(&v.code, &keys) {
            Ok(code) => {
                assert!(
                    v.valid,
                    "{}: parsed but should fail with {:?}",
                    v.name, v.error
                );
                let f = v.fields.as_ref().expect("valid vectors list their fields");
                assert_eq!(f["venue_id"], code.info.venue_id, "{}", v.name);
                assert_eq!(
                    f["business_name"],
                    code.info.business_name.as_str(),
                    "{}",
                    v.name
                );
                assert_eq!(f["direction"], code.info.direction.as_str(), "{}", v.name);
            }
            Err(e) => {
                assert!(!v.valid, "{}: rejected with {}", v.name, e.code());
                assert_eq!(Some(e.code()), v.error.as_deref(), "{}", v.name);
            }
        }
    }
}

#[wasm_bindgen_test]
fn the_app_rejects_invalid_vectors_before_any_request() {
    for v in vectors() {
        let keys = KeySet::from_b64_map(&v.public_keys).expect("vector keys");
        let mut m = Model::new(HostKind::Fake, Lang::En);
        let step = |m: &mut Model, msg: Msg| {
            let input = Input {
                now: 1_800_000_000,
                visit_id: String::from("00000000-0000-4000-8000-000000000000"),
            };
            m.update(msg, input)
        };
        step(
            &mut m,
            Msg::Started {
                session: Some(SessionResponse {
                    token: String::from("t"),
                    expires_at: 1_900_000_000,
                    profile: Profile {
                        masked_name: String::from("A B."),
                        masked_iin: String::from("•••••••••000"),
                    },
                    roles: Default::default(),
                    dependants: Vec::new(),
                }),
                keys: Some(keys.clone()),
                venue_code: None,
            },
        );
        step(&mut m, Msg::KeysLoaded(keys.clone()));
        step(&mut m, Msg::ScanTap);
        let mut fx = step(&mut m, Msg::ScanDone(Ok(v.code.clone())));
        if m.screen == Screen::Start {
            // An unknown key: the app refreshes its keys once, then judges again.
            fx = step(&mut m, Msg::KeysLoaded(keys));
        }
        let sent = fx.iter().any(|e| matches!(e, Effect::CheckIn(_)));
        if v.valid {
            assert!(sent, "{}: a valid code was not checked in", v.name);
        } else {
            assert!(!sent, "{}: an invalid code reached the backend", v.name);
            match &m.screen {
                Screen::Rejected { error } => {
                    assert_eq!(Some(error.code()), v.error.as_deref(), "{}", v.name)
                }
                other => panic!(
                    "{}: expected the rejected screen, got {}",
                    v.name,
                    other.name()
                ),
            }
        }
    }
}
