//! The API through `oneshot`, on SQLite and on PostgreSQL:
//!   cargo test -p ashyq-server --test api
//!   ASHYQ_TEST_POSTGRES_URL=postgres://ashyq:ashyq@127.0.0.1:5432/ashyq_test cargo test -p ashyq-server --test api
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use ashyq_core::hostproof::{aitu_sign, telegram_init_data, vk_launch_query};
use ashyq_core::keys::Signer;
use ashyq_core::venue::{self, Category, Direction, VenueInfo};
use ashyq_core::{pass, DAY, HOUR, MINUTE};
use ashyq_server::dev_secrets;
use axum::http::StatusCode;
use common::{person, setup_with, Backend, ADMIN, T};
use serde_json::{json, Value};

fn code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

// ---------------------------------------------------------------- host proofs

fn aitu_proof(n: u32, key: &str) -> Value {
    let mut me =
        json!({"id": format!("aitu-{n}"), "name": "Имя", "lastname": "Фамилия", "avatar": ""});
    me["sign"] = Value::String(aitu_sign(&me, key).unwrap());
    let mut phone = json!({"phone": person(n).phone.clone()});
    phone["sign"] = Value::String(aitu_sign(&phone, key).unwrap());
    json!({"proof": {"kind": "aitu", "me": me, "phone": phone}})
}

fn telegram_init(user_id: i64, auth_date: i64, bot: &str) -> String {
    let pairs = vec![
        ("query_id".to_string(), "AAHq".to_string()),
        (
            "user".to_string(),
            format!(r#"{{"id":{user_id},"first_name":"Имя","last_name":"Ф"}}"#),
        ),
        ("auth_date".to_string(), auth_date.to_string()),
    ];
    telegram_init_data(&pairs, bot)
}

fn vk_params(user_id: i64, app_id: i64, ts: i64, secret: &str) -> String {
    let pairs: Vec<(String, String)> = [
        ("vk_user_id", user_id.to_string()),
        ("vk_app_id", app_id.to_string()),
        ("vk_ts", ts.to_string()),
        ("vk_platform", "mobile_web".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    vk_launch_query(&pairs, secret)
}

async fn host_proofs(t: T) {
    t.citizens(&[1]).await;
    let session = |body: Value| {
        let t = &t;
        async move { t.call("POST", "/v1/session", None, Some(body)).await }
    };
    // Aitu: valid, forged, signed with another key.
    let (s, v) = session(aitu_proof(1, dev_secrets::AITU_API_KEY)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["profile"]["masked_iin"],
        ashyq_core::id::mask(&person(1).iin)
    );
    assert_eq!(v["profile"]["masked_name"], "Имя1 Ф.");
    let mut forged = aitu_proof(1, dev_secrets::AITU_API_KEY);
    forged["proof"]["phone"]["phone"] = json!(person(2).phone);
    let (s, v) = session(forged).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_bad_signature")
    );
    let (s, v) = session(aitu_proof(1, "another-key")).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_bad_signature")
    );
    let (s, v) = session(json!({"proof": {"kind": "aitu", "me": {}, "phone": "x"}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::BAD_REQUEST, "proof_malformed")
    );
    // An Aitu user whose phone is not in the registry.
    let (s, v) = session(aitu_proof(9, dev_secrets::AITU_API_KEY)).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::NOT_FOUND, "citizen_not_found")
    );

    // Telegram: valid, forged, stale.
    let now = t.state.now();
    let tg = person(1).telegram_id;
    let init = telegram_init(tg, now - 60, dev_secrets::TELEGRAM_BOT_TOKEN);
    let (s, v) = session(json!({"proof": {"kind": "telegram", "init_data": init}})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let forged = init.replace(&tg.to_string(), &person(2).telegram_id.to_string());
    let (s, v) = session(json!({"proof": {"kind": "telegram", "init_data": forged}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_bad_signature")
    );
    let stale = telegram_init(tg, now - 2 * DAY, dev_secrets::TELEGRAM_BOT_TOKEN);
    let (s, v) = session(json!({"proof": {"kind": "telegram", "init_data": stale}})).await;
    assert_eq!((s, code_of(&v)), (StatusCode::UNAUTHORIZED, "proof_stale"));

    // VK: valid, forged, stale, another app.
    let vk = person(1).vk_id;
    let params = vk_params(
        vk,
        dev_secrets::VK_APP_ID,
        now - 60,
        dev_secrets::VK_APP_SECRET,
    );
    let (s, v) = session(json!({"proof": {"kind": "vk", "launch_params": params}})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let forged = params.replace(&vk.to_string(), &person(2).vk_id.to_string());
    let (s, v) = session(json!({"proof": {"kind": "vk", "launch_params": forged}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_bad_signature")
    );
    let stale = vk_params(
        vk,
        dev_secrets::VK_APP_ID,
        now - 2 * DAY,
        dev_secrets::VK_APP_SECRET,
    );
    let (s, v) = session(json!({"proof": {"kind": "vk", "launch_params": stale}})).await;
    assert_eq!((s, code_of(&v)), (StatusCode::UNAUTHORIZED, "proof_stale"));
    let other_app = vk_params(vk, 42, now - 60, dev_secrets::VK_APP_SECRET);
    let (s, v) = session(json!({"proof": {"kind": "vk", "launch_params": other_app}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_wrong_app")
    );

    // Dev: valid, unknown person, bad IIN.
    let (s, _) = session(json!({"proof": {"kind": "dev", "iin": person(1).iin}})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = session(json!({"proof": {"kind": "dev", "iin": person(3).iin}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::NOT_FOUND, "citizen_not_found")
    );
    let (s, v) = session(json!({"proof": {"kind": "dev", "iin": "123"}})).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::BAD_REQUEST, "id_wrong_length")
    );
    let (s, v) = session(json!({"proof": {"kind": "magic"}})).await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_json"));

    // A session token expires.
    let token = t.login(1).await;
    assert_eq!(t.status(&token).await, "BLUE");
    t.state.clock.advance(t.state.config.session_ttl + 1);
    let (s, v) = t.call("GET", "/v1/me/status", Some(&token), None).await;
    assert_eq!((s, code_of(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
}
on_both!(host_proofs);

/// Issue 13: a dated proof opens a session only while fresh (default 1 h, sessions last
/// 12 h); VK needs `vk_ts` and it must not lie ahead; Aitu results keep their shapes and
/// an Aitu session is short, since nothing Aitu signs carries a time.
#[tokio::test]
async fn proofs_open_sessions_only_while_fresh_and_in_their_own_shape() {
    let Some(t) = common::setup(Backend::Sqlite).await else {
        return;
    };
    t.citizens(&[1]).await;
    let now = t.state.now();
    let session = |body: Value| {
        let t = &t;
        async move { t.call("POST", "/v1/session", None, Some(body)).await }
    };
    let tg = |at: i64| {
        json!({"proof": {"kind": "telegram",
            "init_data": telegram_init(person(1).telegram_id, at, dev_secrets::TELEGRAM_BOT_TOKEN)}})
    };
    let (s, v) = session(tg(now - 2 * HOUR)).await;
    assert_eq!((s, code_of(&v)), (StatusCode::UNAUTHORIZED, "proof_stale"));
    let (s, v) = session(tg(now + 10 * MINUTE)).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_from_the_future")
    );
    let (s, v) = session(tg(now - 50 * MINUTE)).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let vk = |params: String| json!({"proof": {"kind": "vk", "launch_params": params}});
    let undated = vk_launch_query(
        &[
            ("vk_user_id".to_string(), person(1).vk_id.to_string()),
            ("vk_app_id".to_string(), dev_secrets::VK_APP_ID.to_string()),
        ],
        dev_secrets::VK_APP_SECRET,
    );
    let (s, v) = session(vk(undated)).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::BAD_REQUEST, "proof_malformed")
    );
    let ahead = vk_params(
        person(1).vk_id,
        dev_secrets::VK_APP_ID,
        now + 30 * DAY,
        dev_secrets::VK_APP_SECRET,
    );
    let (s, v) = session(vk(ahead)).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNAUTHORIZED, "proof_from_the_future")
    );

    // A signed GetMe that happens to carry a phone is not a GetPhone result.
    let key = dev_secrets::AITU_API_KEY;
    let mut proof = aitu_proof(1, key);
    let mut me_with_phone = json!({"id": "aitu-1", "name": "Имя", "phone": person(1).phone});
    me_with_phone["sign"] = Value::String(aitu_sign(&me_with_phone, key).unwrap());
    proof["proof"]["phone"] = me_with_phone;
    let (s, v) = session(proof).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::BAD_REQUEST, "proof_malformed")
    );
    let (s, v) = session(aitu_proof(1, key)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let lasts = v["expires_at"].as_i64().unwrap() - now;
    assert!(lasts <= HOUR, "an Aitu session lasts {lasts} s");
}

#[tokio::test]
async fn outside_dev_mode_dev_proofs_and_unconfigured_hosts_are_refused() {
    let mut config = ashyq_server::Config::new("127.0.0.1:8080");
    config.rate_per_minute = 0;
    config
        .api_keys
        .add_list(
            ashyq_server::apikeys::Scope::Import,
            "lab:8fb468434b293ad05b965fafe63aac1239601a9fb92529200f8b1fcd844e491a",
        )
        .unwrap();
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1]).await;
    let (s, v) = t
        .call(
            "POST",
            "/v1/session",
            None,
            Some(json!({"proof": {"kind": "dev", "iin": person(1).iin}})),
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "dev_disabled"));
    for proof in [
        aitu_proof(1, "x")["proof"].clone(),
        json!({"kind": "telegram", "init_data": "a=b"}),
        json!({"kind": "vk", "launch_params": "a=b"}),
    ] {
        let (s, v) = t
            .call("POST", "/v1/session", None, Some(json!({ "proof": proof })))
            .await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::FORBIDDEN, "host_not_configured")
        );
    }
    let (s, _) = t.call("GET", "/dev/api/demo", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- visits

async fn visit_lifecycle(t: T) {
    t.citizens(&[1]).await;
    let token = t.login(1).await;
    let (shop, shop_in, shop_out) = t.venue("grocery", "180340021").await;
    let (_, cafe_in, _) = t.venue("restaurant", "170540033").await;

    // Entry opens a visit; a retry returns the same visit and creates no second one.
    let (s, first) = t.scan(&token, &shop_in, "visit-0000000000000001").await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["visit"]["id"], "visit-0000000000000001");
    assert_eq!(first["visit"]["venue_id"], shop);
    assert_eq!(first["direction"], "in");
    assert_eq!(first["admission"]["admitted"], true);
    let (s, again) = t.scan(&token, &shop_in, "visit-0000000000000001").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["visit"], first["visit"]);
    let (_, list) = t.call("GET", "/v1/visits", Some(&token), None).await;
    assert_eq!(list["visits"].as_array().unwrap().len(), 1);

    // The pass verifies with the published pass key and names this visit.
    let (_, keys) = t.call("GET", "/v1/keys", None, None).await;
    let map = serde_json::from_value(keys["pass_keys"].clone()).unwrap();
    let set = ashyq_core::keys::KeySet::from_b64_map(&map).unwrap();
    let claims = pass::verify(
        first["pass"]["token"].as_str().unwrap(),
        &set,
        t.state.now(),
    )
    .unwrap();
    assert_eq!(claims.visit_id, "visit-0000000000000001");
    assert_eq!(claims.masked_name, "Имя1 Ф.");

    // A fresh pass for the open visit.
    let (s, p) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000001/pass",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert!(p["expires_at"].as_i64().unwrap() > p["issued_at"].as_i64().unwrap());

    // Entry elsewhere closes the open visit.
    let (s, cafe) = t.scan(&token, &cafe_in, "visit-0000000000000002").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cafe["closed_visit_id"], "visit-0000000000000001");
    let (_, list) = t.call("GET", "/v1/visits", Some(&token), None).await;
    let visits = list["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 2);
    assert_eq!(visits[0]["id"], "visit-0000000000000002", "newest first");
    assert_eq!(visits[1]["exit_kind"], "new_entry");
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000001/pass",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "visit_closed"));

    // Back to the shop, then out through its exit code.
    t.state.clock.advance(10 * MINUTE);
    t.scan(&token, &shop_in, "visit-0000000000000003").await;
    let (s, out) = t.scan(&token, &shop_out, "visit-0000000000000004").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["direction"], "out");
    assert_eq!(out["visit"]["id"], "visit-0000000000000003");
    assert_eq!(out["visit"]["exit_kind"], "scan");
    assert!(out["visit"]["exited_at"].is_i64());

    // An exit without an entry is recorded as a zero-length stay.
    let (s, lone) = t.scan(&token, &shop_out, "visit-0000000000000005").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(lone["visit"]["id"], "visit-0000000000000005");
    assert_eq!(lone["visit"]["entered_at"], lone["visit"]["exited_at"]);

    // An open visit closes itself after the default stay.
    t.scan(&token, &shop_in, "visit-0000000000000006").await;
    t.state
        .clock
        .advance(t.state.config.policy.default_stay + MINUTE);
    let (_, list) = t.call("GET", "/v1/visits", Some(&token), None).await;
    let v6 = &list["visits"][0];
    assert_eq!(v6["id"], "visit-0000000000000006");
    assert_eq!(v6["exit_kind"], "auto");
    assert_eq!(
        v6["exited_at"].as_i64().unwrap(),
        v6["entered_at"].as_i64().unwrap() + t.state.config.policy.default_stay
    );

    // Cancel: within the window, once; not after the window.
    t.scan(&token, &shop_in, "visit-0000000000000007").await;
    let (s, c) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000007/cancel",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["cancelled"], true);
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000007/cancel",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::CONFLICT, "already_cancelled")
    );
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000007/pass",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "visit_closed"));
    t.state.clock.advance(2 * HOUR);
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000006/cancel",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "cancel_too_late"));
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/nope-nope-nope-nope/cancel",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::NOT_FOUND, "visit_not_found"));

    // A visit id belongs to its person.
    t.citizens(&[2]).await;
    let other = t.login(2).await;
    let (s, v) = t.scan(&other, &shop_in, "visit-0000000000000001").await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "visit_id_taken"));
    let (s, _) = t
        .call(
            "POST",
            "/v1/visits/visit-0000000000000003/pass",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Retention: visits older than 21 days are purged.
    t.state.clock.advance(22 * DAY);
    let cutoffs = t.state.config.policy.cutoffs(t.state.now());
    assert!(t.state.store.purge_expired(&cutoffs).await.unwrap().visits >= 6);
    let token = t.login(1).await;
    let (_, list) = t.call("GET", "/v1/visits", Some(&token), None).await;
    assert_eq!(list["visits"].as_array().unwrap().len(), 0);
}
on_both!(visit_lifecycle);

async fn rejected_codes(t: T) {
    t.citizens(&[1]).await;
    let token = t.login(1).await;
    let (_, entry, _) = t.venue("grocery", "180340021").await;
    let forged = ashyq_server::demo::forge(&entry);
    let (s, v) = t.scan(&token, &forged, "visit-0000000000000001").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_signature")
    );
    let info = VenueInfo {
        venue_id: 1,
        entrance: 1,
        direction: Direction::In,
        business_name: "Тест".into(),
        bin: ashyq_server::demo::complete_id("180340021"),
        address: "Алматы".into(),
        category: Category::Grocery,
        pcr_required: false,
        issued_at: 1_790_000_000,
    };
    let stranger = venue::sign(&info, &Signer::from_seed([5; 32]))
        .unwrap()
        .bare();
    let (s, v) = t.scan(&token, &stranger, "visit-0000000000000001").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_key")
    );
    for (text, code) in [("hello", "bad_prefix"), ("ASHYQ1:@@@.@@@", "bad_base64")] {
        let (s, v) = t.scan(&token, text, "visit-0000000000000001").await;
        assert_eq!((s, code_of(&v)), (StatusCode::UNPROCESSABLE_ENTITY, code));
    }
    // Signed by the server's own key, but for a venue that is not registered.
    let unregistered = VenueInfo {
        venue_id: 999,
        ..info
    };
    let code = venue::sign(&unregistered, t.state.keys.current().venue_signer())
        .unwrap()
        .bare();
    let (s, v) = t.scan(&token, &code, "visit-0000000000000001").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::NOT_FOUND, "venue_not_registered")
    );
    let (s, v) = t.scan(&token, &entry, "short").await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_visit_id"));
    let (_, list) = t.call("GET", "/v1/visits", Some(&token), None).await;
    assert_eq!(
        list["visits"].as_array().unwrap().len(),
        0,
        "no rejected scan left a visit"
    );
}
on_both!(rejected_codes);

// ---------------------------------------------------------------- status, admission, contacts

async fn import_rows(t: &T, batch: Value) -> Value {
    let (s, v) = t.call("POST", "/v1/import", Some(ADMIN), Some(batch)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn statuses_and_admission(t: T) {
    t.citizens(&[1, 2, 3, 4]).await;
    let now = t.state.now();
    let p = |n| person(n).iin;
    import_rows(
        &t,
        json!({
            "batch_id": "health-1",
            "pcr": [{"iin": p(1), "taken_at": now - 2 * DAY, "positive": true},
                    {"iin": p(4), "taken_at": now - 12 * DAY, "positive": true}],
            "contacts": [{"iin": p(2), "listed_at": now - 3 * DAY}],
            "vaccinations": [{"iin": p(4), "at": now - 30 * DAY, "course_complete": true},
                             {"iin": p(3), "at": now - 30 * DAY, "course_complete": false}],
        }),
    )
    .await;
    let tokens = [
        t.login(1).await,
        t.login(2).await,
        t.login(3).await,
        t.login(4).await,
    ];
    let expected = ["RED", "YELLOW", "BLUE", "GREEN"];
    for (tok, want) in tokens.iter().zip(expected) {
        assert_eq!(t.status(tok).await, want);
    }
    let (s, v) = t.call("GET", "/v1/me/status", Some(&tokens[0]), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["since"], now - 2 * DAY);
    assert_eq!(v["valid_until"], now + 8 * DAY);

    // Admission: status × venue, as the core's table says.
    let venues = [
        t.venue("grocery", "180340021").await.1,
        t.venue("pharmacy", "190440012").await.1,
        t.venue("restaurant", "170540033").await.1,
        t.venue("transport_hub", "050940044").await.1,
    ];
    let table = [
        ["isolation", "isolation", "isolation", "isolation"],
        [
            "contact_essential_venue",
            "contact_essential_venue",
            "contact_essential_only",
            "contact_essential_only",
        ],
        ["allowed", "allowed", "allowed", "pcr_required"],
        ["allowed", "allowed", "allowed", "allowed"],
    ];
    let mut n = 0;
    for (who, tok) in tokens.iter().enumerate() {
        for (at, code) in venues.iter().enumerate() {
            n += 1;
            let (s, v) = t.scan(tok, code, &format!("admission-check-{n:04}")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let reason = table[who][at];
            assert_eq!(
                v["admission"]["reason"], reason,
                "{} at venue {at}",
                expected[who]
            );
            assert_eq!(
                v["admission"]["admitted"],
                matches!(reason, "allowed" | "contact_essential_venue")
            );
            assert_eq!(v["status"]["status"], expected[who]);
        }
    }
}
on_both!(statuses_and_admission);

async fn contacts_from_overlapping_visits(t: T) {
    t.citizens(&[1, 2, 3, 4]).await;
    let tok: Vec<String> = [
        t.login(1).await,
        t.login(2).await,
        t.login(3).await,
        t.login(4).await,
    ]
    .into();
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    let (_, shop, _) = t.venue("grocery", "180340021").await;
    // 1 (the case) and 2 at the cafe together; 3 at the cafe after 1 left; 4 elsewhere.
    t.scan(&tok[0], &cafe, "contact-case-000001").await;
    t.state.clock.advance(10 * MINUTE);
    t.scan(&tok[1], &cafe, "contact-near-000001").await;
    t.scan(&tok[3], &shop, "contact-else-000001").await;
    t.state.clock.advance(20 * MINUTE);
    t.scan(&tok[0], &cafe_out, "contact-case-000002").await;
    t.state.clock.advance(MINUTE);
    t.scan(&tok[2], &cafe, "contact-late-000001").await;
    let now = t.state.now();
    let report = import_rows(
        &t,
        json!({"batch_id": "pcr-1", "pcr": [{"iin": person(1).iin, "taken_at": now, "positive": true}]}),
    )
    .await;
    assert_eq!(report["accepted"], 1);
    assert!(
        t.state.store.pending_tracing().await.unwrap().is_empty(),
        "traced by the import, off the queue"
    );
    assert_eq!(t.status(&tok[0]).await, "RED");
    assert_eq!(
        t.status(&tok[1]).await,
        "YELLOW",
        "overlapped the case at the cafe"
    );
    assert_eq!(t.status(&tok[2]).await, "BLUE", "came after the case left");
    assert_eq!(t.status(&tok[3]).await, "BLUE", "was elsewhere");
    let records = t.state.store.health_records(&person(2).iin).await.unwrap();
    assert_eq!(records.contacts.len(), 1);
    // Listed at the last exposure, so YELLOW runs from it: when the case left.
    let (_, list) = t.call("GET", "/v1/visits", Some(&tok[0]), None).await;
    assert_eq!(
        records.contacts[0],
        list["visits"][0]["exited_at"].as_i64().unwrap()
    );
}
on_both!(contacts_from_overlapping_visits);

/// A crash between an import's commit and its tracing: the positive stays queued (in the
/// import's own transaction), a retried batch is a no-op, and housekeeping at the next
/// start lists the contact.
async fn tracing_survives_a_crash_after_import(t: T) {
    use ashyq_core::api::PcrRow;
    use ashyq_server::store::{ImportResult, ValidRows};

    t.citizens(&[1, 2]).await;
    let (case, near) = (t.login(1).await, t.login(2).await);
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    t.scan(&case, &cafe, "crash-case-000001").await;
    t.state.clock.advance(10 * MINUTE);
    t.scan(&near, &cafe, "crash-near-000001").await;
    t.state.clock.advance(20 * MINUTE);
    t.scan(&case, &cafe_out, "crash-case-000002").await;
    let now = t.state.now();
    let rows = ValidRows {
        pcr: vec![(
            0,
            PcrRow {
                iin: person(1).iin,
                taken_at: now,
                positive: true,
            },
        )],
        ..Default::default()
    };
    // The store's import commits; the process "dies" before tracing.
    let store = t.state.store.clone();
    let first = store
        .import(
            "pcr-crash",
            "digest",
            &rows,
            0,
            now,
            &t.state.config.policy,
            &common::test_actor(),
        )
        .await
        .unwrap();
    assert_eq!(first, ImportResult::Imported { clashes: vec![] });
    assert_eq!(
        store.pending_tracing().await.unwrap(),
        vec![(person(1).iin, now)]
    );
    assert_eq!(t.status(&case).await, "RED");
    assert_eq!(t.status(&near).await, "BLUE", "not traced yet");
    let again = store
        .import(
            "pcr-crash",
            "digest",
            &rows,
            0,
            now,
            &t.state.config.policy,
            &common::test_actor(),
        )
        .await
        .unwrap();
    assert!(matches!(again, ImportResult::Duplicate { .. }));
    assert_eq!(
        t.status(&near).await,
        "BLUE",
        "a retried batch writes nothing"
    );

    // Restart: fresh app state on the same database, housekeeping as at start.
    let state = ashyq_server::AppState::new(common::config(), store.clone(), &t.dir)
        .await
        .unwrap();
    state.clock.advance(now - state.now());
    ashyq_server::housekeeping::run(&state).await;
    assert!(store.pending_tracing().await.unwrap().is_empty());
    assert_eq!(t.status(&near).await, "YELLOW", "listed on restart");
    let records = store.health_records(&person(2).iin).await.unwrap();
    assert_eq!(records.contacts.len(), 1);
    // Idempotent: tracing again lists nobody twice.
    assert_eq!(
        ashyq_server::contacts::trace_pending(&state).await.unwrap(),
        0
    );
    assert_eq!(
        ashyq_server::contacts::trace(&state, &person(1).iin, &[])
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .health_records(&person(2).iin)
            .await
            .unwrap()
            .contacts
            .len(),
        1
    );
}
on_both!(tracing_survives_a_crash_after_import);

// ---------------------------------------------------------------- imports

async fn imports_with_bad_rows(t: T) {
    let now = t.state.now();
    let good = person(1).iin;
    let mut bad_check = good.clone();
    let last = bad_check.pop().unwrap().to_digit(10).unwrap();
    bad_check.push(char::from_digit((last + 1) % 10, 10).unwrap());
    let batch = json!({
        "batch_id": "mixed-1",
        "citizens": [
            {"iin": good, "name": "Айгерим", "lastname": "С", "phone": "+7 701 555 00 01", "aitu_id": null, "telegram_id": 1, "vk_id": null},
            {"iin": "12345", "name": "X", "lastname": "Y", "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null},
            {"iin": person(2).iin, "name": "Дублет", "lastname": "", "phone": "+7 (701) 555-00-01", "aitu_id": null, "telegram_id": null, "vk_id": null},
            {"iin": person(3).iin, "name": "Местный", "lastname": "", "phone": "87015550002", "aitu_id": null, "telegram_id": null, "vk_id": null}
        ],
        "pcr": [
            {"iin": good, "taken_at": now - DAY, "positive": false},
            {"iin": bad_check, "taken_at": now, "positive": true},
            {"iin": good, "taken_at": now + 30 * DAY, "positive": true}
        ],
        "recoveries": [{"iin": "12345678901a", "at": now}]
    });
    let r = import_rows(&t, batch.clone()).await;
    assert_eq!(r["duplicate_batch"], false);
    assert_eq!(r["accepted"], 2, "{r}");
    assert_eq!(r["rejected"], 6, "{r}");
    let errors: Vec<(String, u64, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().into(),
                e["row"].as_u64().unwrap(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, u64, String)> = [
        ("citizens", 1, "id_wrong_length"),
        ("citizens", 2, "identity_taken"),
        ("citizens", 3, "bad_phone"),
        ("pcr", 1, "id_bad_check_digit"),
        ("pcr", 2, "bad_time"),
        ("recoveries", 0, "id_not_digits"),
    ]
    .iter()
    .map(|(k, r, c)| (k.to_string(), *r, c.to_string()))
    .collect();
    assert_eq!(errors, want);
    assert_eq!(t.status(&t.login(1).await).await, "GREEN");

    // The same batch again changes nothing.
    let again = import_rows(&t, batch).await;
    assert_eq!(again["duplicate_batch"], true);
    assert_eq!(again["accepted"], 2);

    // CSV: a header, a good row, an unreadable row, a bad IIN.
    let csv = format!(
        "iin,taken_at,positive\n{},{},positive\n{},yesterday,true\n123,{},false\n",
        person(1).iin,
        now - 2 * DAY,
        person(1).iin,
        now
    );
    let (s, r) = t
        .raw(
            "POST",
            "/v1/import?kind=pcr&batch_id=csv-1",
            Some(ADMIN),
            Some(&csv),
            Some("text/csv"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(1), Some(2)),
        "{r}"
    );
    assert_eq!(r["errors"][0]["row"], 1);
    assert_eq!(r["errors"][0]["code"], "bad_field");
    assert_eq!(r["errors"][1]["row"], 2);
    assert_eq!(r["errors"][1]["code"], "id_wrong_length");
    assert_eq!(t.status(&t.login(1).await).await, "RED");
    let (s, r) = t
        .raw(
            "POST",
            "/v1/import?kind=nope&batch_id=csv-2",
            Some(ADMIN),
            Some("a\n"),
            Some("text/csv"),
        )
        .await;
    assert_eq!((s, code_of(&r)), (StatusCode::BAD_REQUEST, "bad_kind"));
    let (s, r) = t
        .raw(
            "POST",
            "/v1/import?kind=pcr&batch_id=csv-3",
            Some(ADMIN),
            Some("iin,x\n"),
            Some("text/csv"),
        )
        .await;
    assert_eq!((s, code_of(&r)), (StatusCode::BAD_REQUEST, "bad_csv"));
    let (s, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": ""})),
        )
        .await;
    assert_eq!((s, code_of(&r)), (StatusCode::BAD_REQUEST, "bad_batch_id"));
}
on_both!(imports_with_bad_rows);

// ---------------------------------------------------------------- bad input

/// method, path, bearer, body, expected status, expected error code
type BadInput<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<String>,
    StatusCode,
    &'a str,
);

async fn bad_input_is_typed(t: T) {
    t.citizens(&[1]).await;
    let token = t.login(1).await;
    let bin = t.business("180340021", &[1]).await;
    let premises = format!("/v1/business/{bin}/premises");
    let cases: Vec<BadInput> = vec![
        ("POST", "/v1/session", None, Some("{not json".into()), StatusCode::BAD_REQUEST, "bad_json"),
        ("POST", "/v1/session", None, Some("".into()), StatusCode::BAD_REQUEST, "bad_json"),
        ("POST", "/v1/visits", Some(&token), Some("{\"code\":1}".into()), StatusCode::BAD_REQUEST, "bad_json"),
        ("POST", "/v1/session", None, Some(format!("{{\"x\":\"{}\"}}", "a".repeat(20_000))), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        ("GET", "/v1/me/status", None, None, StatusCode::UNAUTHORIZED, "unauthorized"),
        ("GET", "/v1/me/status", Some("garbage"), None, StatusCode::UNAUTHORIZED, "unauthorized"),
        ("GET", "/v1/visits", Some(ADMIN), None, StatusCode::UNAUTHORIZED, "unauthorized"),
        ("POST", "/v1/business/180340021791/premises", Some(ADMIN), Some("{}".into()), StatusCode::UNAUTHORIZED, "unauthorized"),
        ("POST", "/v1/import", None, Some("{}".into()), StatusCode::UNAUTHORIZED, "unauthorized"),
        ("GET", "/v1/business", Some("wrong-key"), None, StatusCode::UNAUTHORIZED, "unauthorized"),
        ("GET", "/v1/premises/99/poster.svg", Some(&token), None, StatusCode::FORBIDDEN, "not_owner"),
        ("GET", "/v1/premises/abc/poster.svg", Some(&token), None, StatusCode::FORBIDDEN, "not_owner"),
        ("GET", "/v1/nothing-here", None, None, StatusCode::NOT_FOUND, "not_found"),
        ("DELETE", "/v1/keys", None, None, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        ("POST", "/v1/business/180340021792/premises", Some(&token), Some(json!({"name": "A", "address": "B", "category": "grocery", "pcr_required": null, "entrances": 1}).to_string()), StatusCode::FORBIDDEN, "not_owner"),
        ("POST", premises.as_str(), Some(&token), Some(json!({"name": "Ж".repeat(121), "address": "B", "category": "grocery", "pcr_required": null, "entrances": 1}).to_string()), StatusCode::BAD_REQUEST, "too_long"),
        ("POST", premises.as_str(), Some(&token), Some(json!({"name": "A", "address": "B", "category": "grocery", "pcr_required": null, "entrances": 0}).to_string()), StatusCode::BAD_REQUEST, "bad_entrances"),
        ("POST", premises.as_str(), Some(&token), Some(json!({"name": "A", "address": "B", "category": "casino", "pcr_required": null, "entrances": 1}).to_string()), StatusCode::BAD_REQUEST, "bad_json"),
        ("POST", premises.as_str(), Some(&token), Some(json!({"name": "A", "address": "", "category": "grocery", "pcr_required": null, "entrances": 1}).to_string()), StatusCode::BAD_REQUEST, "missing_field"),
    ];
    for (method, path, tok, body, status, code) in cases {
        let (s, v) = t.raw(method, path, tok, body.as_deref(), None).await;
        assert_eq!((s, code_of(&v)), (status, code), "{method} {path}: {v}");
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    // Import bodies may be larger than 16 KB.
    let big = json!({"batch_id": "big", "contacts": (0..400).map(|_| json!({"iin": person(1).iin, "listed_at": 1_700_000_000})).collect::<Vec<_>>()});
    assert!(big.to_string().len() > 16 * 1024);
    let (s, _) = t.call("POST", "/v1/import", Some(ADMIN), Some(big)).await;
    assert_eq!(s, StatusCode::OK);
    let vid = t.premises(&token, &bin, "grocery", 2).await["venue_id"].clone();
    for (q, code) in [
        ("?entrance=9", "bad_entrance"),
        ("?direction=up", "bad_direction"),
        ("?lang=de", "bad_lang"),
        ("?size=a3", "bad_size"),
        // axum's own Query rejection is text/plain; ours is the JSON error.
        ("?entrance=1&entrance=2", "bad_query"),
    ] {
        let (s, v) = t
            .call(
                "GET",
                &format!("/v1/premises/{vid}/poster.svg{q}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::BAD_REQUEST, code),
            "{vid} {q} {v}"
        );
    }
}
on_both!(bad_input_is_typed);

#[tokio::test]
async fn rate_limit_answers_429_per_client() {
    let mut config = common::config();
    config.rate_per_minute = 60;
    config.rate_burst = 5;
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let mut codes = Vec::new();
    for _ in 0..7 {
        let (s, v) = t.call("GET", "/v1/keys", None, None).await;
        codes.push((s, code_of(&v).to_owned()));
    }
    assert!(codes[..5].iter().all(|(s, _)| *s == StatusCode::OK));
    assert_eq!(
        codes[6],
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())
    );
    let (s, _) = t.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK, "health checks are not limited");
    let (s, _) = t.call("GET", "/metrics", Some(ADMIN), None).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "metrics are behind the same limit"
    );
    let text = t.state.metrics.render();
    assert!(
        text.contains("ashyq_http_requests_total{route=\"/v1/keys\",status=\"429\"}"),
        "{text}"
    );
    assert!(text.contains("ashyq_rate_limited_total 3"), "{text}");
}

// ---------------------------------------------------------------- demo and static

#[tokio::test]
async fn demo_seed_gives_one_citizen_per_status_and_test_codes() {
    let t = common::setup(Backend::Sqlite).await.unwrap();
    let info = ashyq_server::demo::seed(&t.state).await.unwrap();
    let _ = t.state.demo.set(info);
    let (s, demo) = t.call("GET", "/dev/api/demo", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(demo["venues"].as_array().unwrap().len(), 4);
    assert_eq!(demo["venues"][3]["pcr_required"], true);
    for c in demo["citizens"].as_array().unwrap() {
        let iin = c["iin"].as_str().unwrap();
        assert!(ashyq_core::id::validate_iin(iin).is_ok());
        let (s, v) = t
            .call(
                "POST",
                "/v1/session",
                None,
                Some(json!({"proof": {"kind": "dev", "iin": iin}})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            t.status(v["token"].as_str().unwrap()).await,
            c["expected_status"].as_str().unwrap()
        );
    }
    let tok = t
        .login_iin(demo["citizens"][3]["iin"].as_str().unwrap())
        .await;
    for (field, code) in [("forged", "bad_signature"), ("unknown_key", "unknown_key")] {
        let (s, v) = t
            .scan(
                &tok,
                demo["test_codes"][field].as_str().unwrap(),
                "demo-test-code-0001",
            )
            .await;
        assert_eq!((s, code_of(&v)), (StatusCode::UNPROCESSABLE_ENTITY, code));
    }
    // Seeding again (a restart) adds no venues (the four, and the RED owner's café).
    ashyq_server::demo::seed(&t.state).await.unwrap();
    assert_eq!(t.state.store.venues().await.unwrap().len(), 5);
}

#[tokio::test]
async fn the_poster_page_offers_the_configured_hosts_or_says_there_are_none() {
    let dist = common::temp_dir("dist-open");
    std::fs::write(
        dist.join("index.html"),
        "<link rel=\"stylesheet\" href=\"/assets/app.1a2b3c4d.css\">",
    )
    .unwrap();
    // A code body in the right shape (the page maps it, the app verifies it).
    let sig = "A".repeat(86);
    let body = format!("AQID.{sig}");
    let param = format!("c1AQID{sig}");
    let page = |config: ashyq_server::state::Config, query: String| async move {
        use tower::ServiceExt;
        let t = setup_with(Backend::Sqlite, config).await.unwrap();
        let req = axum::http::Request::get(query)
            .header("accept-language", "ru-RU,ru;q=0.9")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = t.app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, csp, String::from_utf8(bytes.to_vec()).unwrap())
    };
    // Production with nothing configured: it says so, and that a browser cannot sign in.
    let mut bare = ashyq_server::state::Config::new("127.0.0.1:8080");
    bare.dist = Some(dist.clone());
    let (s, csp, html) = page(bare, format!("/v/open?code={body}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(csp.contains("script-src 'self'"));
    assert!(html.contains("data-testid=\"open-none\""), "{html}");
    assert!(html.contains("data-testid=\"open-no-browser\""), "{html}");
    assert!(!html.contains("href=\"https://"), "{html}");
    assert!(
        html.contains("<html lang=\"ru\">"),
        "Accept-Language picks Russian"
    );
    assert!(
        html.contains("href=\"/assets/app.1a2b3c4d.css\""),
        "the app's stylesheet"
    );
    // Configured hosts (VK's app id comes with --dev), and the browser where dev sign-in works.
    let mut config = common::config();
    config.dist = Some(dist.clone());
    config.links.telegram_bot = Some(String::from("AshyqBot"));
    config.links.telegram_app = Some(String::from("pass"));
    config.links.aitu_link = Some(String::from("https://aitu.io/ashyq"));
    let vk = config
        .hosts
        .vk_app_id
        .unwrap_or(ashyq_server::state::dev_secrets::VK_APP_ID);
    let (s, _, html) = page(config.clone(), format!("/v/open?code={body}&lang=en")).await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        format!(
            "data-testid=\"open-telegram\" href=\"https://t.me/AshyqBot/pass?startapp={param}\""
        ),
        format!("data-testid=\"open-vk\" href=\"https://vk.com/app{vk}#{param}\""),
        format!("data-testid=\"open-aitu\" href=\"https://aitu.io/ashyq#{param}\""),
        format!("data-testid=\"open-browser\" href=\"/#{param}\""),
        String::from("Open in Telegram"),
    ] {
        assert!(html.contains(&want), "{want} in {html}");
    }
    // Not a code: said so, no links.
    let (s, _, html) = page(config, String::from("/v/open?code=%3Cscript%3E.x")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("data-testid=\"open-bad\""));
    assert!(!html.contains("<script>"));
}

#[tokio::test]
async fn the_app_is_served_with_csp_and_caching() {
    let dist = common::temp_dir("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::create_dir_all(dist.join("dev")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Ashyq</title>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/app-1234.wasm"), b"\0asm").unwrap();
    // A stale emulator left inside dist must never be served: only the dev folder is.
    std::fs::write(dist.join("dev/stale.html"), "<p>old emulator").unwrap();
    let dev_dir = common::temp_dir("www-dev");
    std::fs::write(dev_dir.join("index.html"), "<p>emulator").unwrap();
    std::fs::write(dev_dir.join("emulator.js"), "// emulator").unwrap();
    for dev in [true, false] {
        let mut config = common::config();
        config.dev = dev;
        if !dev {
            // A server without --dev never uses the published dev key-encryption key.
            config.kek = None;
        }
        config.dist = Some(dist.clone());
        config.dev_dir = Some(dev_dir.clone());
        let t = setup_with(Backend::Sqlite, config).await.unwrap();
        let get = |path: &'static str| {
            let app = t.app.clone();
            async move {
                use tower::ServiceExt;
                let req = axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap();
                app.oneshot(req).await.unwrap()
            }
        };
        for path in ["/", "/v/1"] {
            let r = get(path).await;
            assert_eq!(r.status(), StatusCode::OK);
            let h = r.headers();
            assert_eq!(h["cache-control"], "no-cache");
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["referrer-policy"], "no-referrer");
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(csp.starts_with(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'"
            ));
            assert!(csp.contains("frame-ancestors 'self' https://aitu.io"));
            assert!(csp.contains("object-src 'none'; base-uri 'none'; form-action 'self'"));
            // The decoder's worker, the service worker and the web app manifest.
            assert!(csp.contains("worker-src 'self'; manifest-src 'self'"));
            // The app's own camera scanner (net::security_headers sets the policy).
            let pp = h["permissions-policy"].to_str().unwrap();
            assert!(pp.starts_with("camera=(self),"), "{pp}");
        }
        let r = get("/assets/app-1234.wasm").await;
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            get("/assets/missing.js").await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/../Cargo.toml").await.status(), StatusCode::NOT_FOUND);
        for path in ["/dev/", "/dev", "/dev/index.html", "/dev/emulator.js"] {
            let r = get(path).await;
            assert_eq!(
                r.status(),
                if dev {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{path}"
            );
            if dev {
                assert_eq!(r.headers()["cache-control"], "no-cache", "{path}");
            }
        }
        assert_eq!(
            get("/dev/stale.html").await.status(),
            StatusCode::NOT_FOUND,
            "dist/dev is not the emulator"
        );
    }
    let _ = std::fs::remove_dir_all(dist);
    let _ = std::fs::remove_dir_all(dev_dir);
}

#[tokio::test]
async fn precompressed_siblings_are_served_to_clients_that_accept_them() {
    let dist = common::temp_dir("dist-br");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>plain</title>",
    )
    .unwrap();
    std::fs::write(dist.join("index.html.gz"), "gzip bytes").unwrap();
    std::fs::write(dist.join("assets/app-1.js"), "plain js").unwrap();
    std::fs::write(dist.join("assets/app-1.js.br"), "brotli bytes").unwrap();
    let mut config = common::config();
    config.dist = Some(dist.clone());
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let get = |path: &'static str, accept: Option<&'static str>| {
        let app = t.app.clone();
        async move {
            use tower::ServiceExt;
            let mut req = axum::http::Request::get(path);
            if let Some(a) = accept {
                req = req.header("accept-encoding", a);
            }
            let r = app
                .oneshot(req.body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap();
            let (parts, body) = r.into_parts();
            let body = http_body_util::BodyExt::collect(body)
                .await
                .unwrap()
                .to_bytes();
            (
                parts.status,
                parts.headers,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };
    for accept in [
        Some("br"),
        Some("gzip, deflate, br"),
        Some("br;q=1.0, gzip;q=0.5"),
    ] {
        let (s, h, body) = get("/assets/app-1.js", accept).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body, "brotli bytes", "{accept:?}");
        assert_eq!(h["content-encoding"], "br");
        assert_eq!(h["vary"], "Accept-Encoding");
        assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    }
    for accept in [None, Some("gzip"), Some("identity")] {
        let (s, h, body) = get("/assets/app-1.js", accept).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body, "plain js", "{accept:?}");
        assert!(h.get("content-encoding").is_none());
        assert_eq!(h["vary"], "Accept-Encoding");
    }
    let (_, h, body) = get("/", Some("gzip, br")).await;
    assert_eq!(body, "gzip bytes");
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(h.contains_key("content-security-policy"));
    let (_, h, body) = get("/", None).await;
    assert_eq!(body, "<!doctype html><title>plain</title>");
    assert!(h.get("content-encoding").is_none());
    let _ = std::fs::remove_dir_all(dist);
}

async fn concurrent_retries_make_one_visit(t: T) {
    t.citizens(&[1, 2]).await;
    let (one, two) = (t.login(1).await, t.login(2).await);
    let (_, shop, _) = t.venue("grocery", "180340021").await;
    let (_, cafe, _) = t.venue("restaurant", "170540033").await;
    // The same scan sent ten times at once, while another person scans too.
    let mut calls = Vec::new();
    for i in 0..10 {
        calls.push(t.scan(&one, &shop, "same-visit-id-000001"));
        calls.push(t.scan(
            &two,
            if i % 2 == 0 { &shop } else { &cafe },
            Box::leak(format!("other-visit-{i:08}").into_boxed_str()),
        ));
    }
    let results = futures::future::join_all(calls).await;
    for (s, v) in &results {
        assert_eq!(*s, StatusCode::OK, "{v}");
    }
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .step_by(2)
        .map(|(_, v)| v["visit"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1);
    let (_, list) = t.call("GET", "/v1/visits", Some(&one), None).await;
    assert_eq!(list["visits"].as_array().unwrap().len(), 1);
    // Person 2's scans landed in some order (two in a row at one venue re-confirm the
    // open visit): the diary holds exactly the visits the answers named.
    let answered: std::collections::BTreeSet<String> = results
        .iter()
        .skip(1)
        .step_by(2)
        .map(|(_, v)| v["visit"]["id"].as_str().unwrap().to_owned())
        .collect();
    let (_, list) = t.call("GET", "/v1/visits", Some(&two), None).await;
    let listed: std::collections::BTreeSet<String> = list["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, answered);
}
on_both!(concurrent_retries_make_one_visit);
