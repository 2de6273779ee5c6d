//! Door powers that cannot be turned against people (issue 25), on SQLite and PostgreSQL:
//! an owner cannot appoint themselves; staff powers end with the appointing owner's hold
//! on the business; guard mode needs the code the visitor received and tells the door no
//! colour; a disputed guard-mode visit lists nobody; the SMS gateway is spoken to as
//! Twilio documents it.
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test door_powers
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::sync::{Arc, Mutex};

use ashyq_core::{DAY, MINUTE};
use ashyq_server::demo::complete_id;
use ashyq_server::store::{subject, Lookup};
use axum::http::StatusCode;
use common::{person, setup_with, Backend, ADMIN, T};
use serde_json::{json, Value};

fn code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

/// A business owned by person 1 with one premises of `category`; returns (owner's
/// token, venue id, the premises JSON).
async fn owned_premises(t: &T, category: &str) -> (String, u64, Value) {
    let bin = t.business("180340021", &[1]).await;
    let owner = t.login(1).await;
    let p = t.premises(&owner, &bin, category, 1).await;
    (owner, p["venue_id"].as_u64().unwrap(), p)
}

async fn appoint(t: &T, owner: &str, venue: u64, n: u32) -> (StatusCode, Value) {
    t.call(
        "POST",
        &format!("/v1/premises/{venue}/staff"),
        Some(owner),
        Some(json!({"iin": person(n).iin})),
    )
    .await
}

async fn citizen_id(t: &T, n: u32) -> i64 {
    t.state
        .store
        .find_citizen(&Lookup::Iin(person(n).iin))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// An owner appointing themselves gets 403 and nothing is appointed.
async fn owners_cannot_appoint_themselves(t: T) {
    t.citizens(&[1]).await;
    let (owner, vid, _) = owned_premises(&t, "grocery").await;
    let (s, v) = appoint(&t, &owner, vid, 1).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "self_appointment")
    );
    let (_, list) = t.call("GET", "/v1/business", Some(&owner), None).await;
    assert_eq!(list["businesses"][0]["premises"][0]["staff"], json!([]));
    let (s, v) = t.guard_challenge(&owner, vid, &person(1).iin).await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_staff"));
}
on_both!(owners_cannot_appoint_themselves);

/// Knowing an IIN is not enough: without the code, with a wrong one, a spent or an
/// expired one, or another staff member's challenge, nothing is recorded.
async fn guard_check_in_needs_the_visitors_code(t: T) {
    t.citizens(&[1, 2, 3, 4]).await;
    t.state.clock.freeze();
    let (owner, vid, _) = owned_premises(&t, "grocery").await;
    for n in [2, 4] {
        assert_eq!(appoint(&t, &owner, vid, n).await.0, StatusCode::CREATED);
    }
    let staff = t.login(2).await;
    let visitor = t.login(3).await;
    let url = format!("/v1/premises/{vid}/guard-checkin");
    let post = |body: Value| {
        let (t, staff, url) = (&t, &staff, &url);
        async move { t.call("POST", url, Some(staff), Some(body)).await }
    };
    // The old request, an IIN alone, is no longer a check-in.
    let (s, _) = post(json!({"iin": person(3).iin, "client_visit_id": "planted-visit-0001"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, c) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{c}");
    let id = c["challenge_id"].as_str().unwrap().to_owned();
    let right = t.sms_code(&person(3).phone, 0).await.unwrap();
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };
    let attempt = |code: &str, visit: &str| {
        post(json!({"challenge_id": id, "code": code, "client_visit_id": visit}))
    };
    let (s, v) = attempt("12345", "planted-visit-0001").await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_code"));
    let (s, v) = attempt(wrong, "planted-visit-0001").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "presence_not_proven")
    );
    // Another staff member cannot use this challenge, even with the right code.
    let (s, v) = t
        .call(
            "POST",
            &url,
            Some(&t.login(4).await),
            Some(
                json!({"challenge_id": id, "code": right, "client_visit_id": "planted-visit-0002"}),
            ),
        )
        .await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "presence_not_proven")
    );
    let (_, diary) = t.call("GET", "/v1/visits", Some(&visitor), None).await;
    assert_eq!(diary["visits"], json!([]), "nothing recorded");
    // The right code, once.
    let (s, v) = attempt(&right, "guard-visit-0000001").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, again) = attempt(&right, "guard-visit-0000001").await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &v),
        "a retry is the same answer"
    );
    let (s, v) = attempt(&right, "guard-visit-0000002").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "presence_not_proven")
    );
    // Five wrong codes spend a challenge; a code expires after five minutes.
    let (_, c) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    let id2 = c["challenge_id"].as_str().unwrap().to_owned();
    let right2 = t.sms_code(&person(3).phone, 1).await.unwrap();
    let wrong2 = if right2 == "999999" {
        "999998"
    } else {
        "999999"
    };
    for _ in 0..5 {
        let (s, _) = post(
            json!({"challenge_id": id2, "code": wrong2, "client_visit_id": "guard-visit-0000003"}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = post(
        json!({"challenge_id": id2, "code": right2, "client_visit_id": "guard-visit-0000003"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "spent after five wrong codes");
    let (_, c) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    let right3 = t.sms_code(&person(3).phone, 2).await.unwrap();
    t.state.clock.advance(5 * MINUTE);
    let (s, _) = post(json!({"challenge_id": c["challenge_id"], "code": right3, "client_visit_id": "guard-visit-0000004"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "expired");
    let (_, diary) = t.call("GET", "/v1/visits", Some(&visitor), None).await;
    assert_eq!(diary["visits"].as_array().unwrap().len(), 1, "{diary}");
}
on_both!(guard_check_in_needs_the_visitors_code);

/// The door learns admitted yes / no and the masked name, never the colour or the reason;
/// a lookup answers alike for a registered IIN, one without a phone and an unknown one,
/// and every lookup is audited.
async fn the_door_learns_no_colour(t: T) {
    t.citizens(&[1, 2, 3]).await;
    let (owner, vid, _) = owned_premises(&t, "restaurant").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    let staff = t.login(2).await;
    let now = t.state.now();
    let (s, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "red-3", "pcr": [{"iin": person(3).iin, "taken_at": now - DAY, "positive": true}],
                "citizens": [{"iin": complete_id("850101300"), "name": "Без", "lastname": "Телефона",
                  "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, v) = t
        .guard_check_in(&staff, vid, 3, "guard-visit-case-0001")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["admitted"], false);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&v), ["admitted", "masked_name", "visit_id"]);
    let text = v.to_string().to_lowercase();
    for word in [
        "red",
        "yellow",
        "blue",
        "green",
        "status",
        "reason",
        "isolation",
    ] {
        assert!(!text.contains(word), "{word} in {v}");
    }
    let mut shapes = Vec::new();
    for iin in [
        person(3).iin,
        complete_id("850101300"),
        complete_id("850101400"),
    ] {
        let (s, c) = t.guard_challenge(&staff, vid, &iin).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{c}");
        assert_eq!(c["challenge_id"].as_str().unwrap().len(), 32);
        shapes.push(keys(&c));
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
    let log = t.state.store.audit_log(100).await.unwrap();
    let lookups: Vec<_> = log.iter().filter(|e| e.action == "guard_lookup").collect();
    assert_eq!(lookups.len(), 4, "{lookups:?}");
    let details: Vec<_> = lookups.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "not in the registry",
            "no registered phone",
            "code sent",
            "code sent"
        ]
    );
    assert_eq!(
        lookups[3].subject.as_deref(),
        Some(subject(citizen_id(&t, 3).await).as_str())
    );
    assert!(lookups[0]
        .subject
        .as_deref()
        .unwrap()
        .starts_with("iin-hmac:"));
}
on_both!(the_door_learns_no_colour);

/// The attack of the security read: a visit planted where a case is makes the victim a
/// contact; the victim disputes it and is listed no more, while a real visitor who met the
/// case stays listed. A disputed visit is audited and the health authority sees it.
async fn a_planted_disputed_guard_visit_lists_nobody(t: T) {
    t.citizens(&[1, 2, 3, 4, 5]).await;
    t.state.clock.freeze();
    let (owner, vid, p) = owned_premises(&t, "restaurant").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    let entry = p["entrances"][0]["entry_code"].as_str().unwrap().to_owned();
    let exit = p["entrances"][0]["exit_code"].as_str().unwrap().to_owned();
    let now = t.state.now();
    let (s, _) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "case-4", "pcr": [{"iin": person(4).iin, "taken_at": now - DAY, "positive": true}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (case, victim, real) = (t.login(4).await, t.login(3).await, t.login(5).await);
    assert_eq!(t.status(&victim).await, "BLUE");
    // The case and a real visitor scan in; the victim is checked in by staff.
    assert_eq!(
        t.scan(&case, &entry, "case-visit-00000001").await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.scan(&real, &entry, "real-visit-00000001").await.0,
        StatusCode::OK
    );
    let (s, v) = t
        .guard_check_in(&t.login(2).await, vid, 3, "planted-visit-000001")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    t.state.clock.advance(20 * MINUTE);
    assert_eq!(
        t.scan(&case, &exit, "case-visit-00000002").await.0,
        StatusCode::OK
    );
    assert_eq!(
        t.status(&victim).await,
        "YELLOW",
        "the planted visit listed the victim"
    );
    assert_eq!(t.status(&real).await, "YELLOW");
    // Only a guard-mode visit can be disputed, and only by its visitor.
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/real-visit-00000001/dispute",
            Some(&real),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "not_guard_visit"));
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/planted-visit-000001/dispute",
            Some(&real),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::NOT_FOUND, "visit_not_found"));
    let (s, v) = t
        .call(
            "POST",
            "/v1/visits/planted-visit-000001/dispute",
            Some(&victim),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["disputed"], &v["by_staff"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        t.status(&victim).await,
        "BLUE",
        "the dispute withdrew the listing"
    );
    assert_eq!(
        t.status(&real).await,
        "YELLOW",
        "a real contact stays listed"
    );
    // Later stays at the venue meet the disputed visit no more.
    t.state.clock.advance(MINUTE);
    assert_eq!(
        t.scan(&real, &exit, "real-visit-00000002").await.0,
        StatusCode::OK
    );
    assert_eq!(t.status(&victim).await, "BLUE");
    let (s, again) = t
        .call(
            "POST",
            "/v1/visits/planted-visit-000001/dispute",
            Some(&victim),
            None,
        )
        .await;
    assert_eq!((s, &again["disputed"]), (StatusCode::OK, &json!(true)));
    let (_, diary) = t.call("GET", "/v1/visits", Some(&victim), None).await;
    assert_eq!(
        diary["visits"][0]["disputed"], true,
        "still in the diary, marked"
    );
    let log = t.state.store.audit_log(100).await.unwrap();
    let disputes: Vec<_> = log.iter().filter(|e| e.action == "dispute_visit").collect();
    assert_eq!(disputes.len(), 1, "{log:?}");
    assert_eq!(
        disputes[0].subject.as_deref(),
        Some(subject(citizen_id(&t, 3).await).as_str())
    );
    let (s, seen) = t.call("GET", "/v1/disputes", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(seen["disputes"][0]["visit_id"], "planted-visit-000001");
    assert_eq!(seen["disputes"][0]["venue_id"], vid);
    let (s, _) = t.call("GET", "/v1/disputes", Some(&victim), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the health authority's key only"
    );
}
on_both!(a_planted_disputed_guard_visit_lists_nobody);

/// A planted case: a RED visitor checked in by staff lists the people inside; when that
/// visitor disputes the visit, they are listed no more.
async fn a_disputed_case_visit_unlists_the_people_inside(t: T) {
    t.citizens(&[1, 2, 3, 5]).await;
    t.state.clock.freeze();
    let (owner, vid, p) = owned_premises(&t, "restaurant").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    let (entry, exit) = (
        p["entrances"][0]["entry_code"].as_str().unwrap().to_owned(),
        p["entrances"][0]["exit_code"].as_str().unwrap().to_owned(),
    );
    let now = t.state.now();
    let (s, _) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "case-3", "pcr": [{"iin": person(3).iin, "taken_at": now - DAY, "positive": true}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let inside = t.login(5).await;
    assert_eq!(
        t.scan(&inside, &entry, "inside-visit-0000001").await.0,
        StatusCode::OK
    );
    let (s, _) = t
        .guard_check_in(&t.login(2).await, vid, 3, "planted-case-000001")
        .await;
    assert_eq!(s, StatusCode::OK);
    t.state.clock.advance(30 * MINUTE);
    assert_eq!(
        t.scan(&inside, &exit, "inside-visit-0000002").await.0,
        StatusCode::OK
    );
    assert_eq!(t.status(&inside).await, "YELLOW");
    let (s, _) = t
        .call(
            "POST",
            "/v1/visits/planted-case-000001/dispute",
            Some(&t.login(3).await),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t.status(&inside).await, "BLUE");
}
on_both!(a_disputed_case_visit_unlists_the_people_inside);

/// Staff powers follow the owner who appointed them: when the registry no longer lists
/// that owner for the business, the staff member's session checks nobody in, at once.
async fn staff_lose_powers_with_the_appointing_owner(t: T) {
    t.citizens(&[1, 2, 3, 4]).await;
    let (owner, vid, _) = owned_premises(&t, "grocery").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    let staff = t.login(2).await;
    let (s, _) = t
        .guard_check_in(&staff, vid, 3, "guard-visit-before-01")
        .await;
    assert_eq!(s, StatusCode::OK);
    // The registry gives the business to person 4: person 1 is no owner any more.
    let (s, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(
                json!({"batch_id": "new-owner", "businesses": [{"bin": complete_id("180340021"),
                "name": "ТОО «Новый»", "owner_iins": [person(4).iin]}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, v) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_staff"));
    let (_, me) = t
        .call(
            "POST",
            "/v1/session",
            None,
            Some(json!({"proof": {"kind": "dev", "iin": person(2).iin}})),
        )
        .await;
    assert_eq!(me["roles"]["staff_at"], json!([]));
    // The new owner's own appointment gives powers again.
    let new_owner = t.login(4).await;
    assert_eq!(appoint(&t, &new_owner, vid, 2).await.0, StatusCode::CREATED);
    let (s, _) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    assert_eq!(s, StatusCode::ACCEPTED);
}
on_both!(staff_lose_powers_with_the_appointing_owner);

/// Appointing is rate-limited per owner and audited, misses too.
#[tokio::test]
async fn appointments_are_rate_limited_per_owner() {
    let mut config = common::config();
    config.appoint_per_minute = 1;
    config.appoint_burst = 2;
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1, 2]).await;
    let (owner, vid, _) = owned_premises(&t, "grocery").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    assert_eq!(appoint(&t, &owner, vid, 9).await.0, StatusCode::CREATED);
    let (s, v) = appoint(&t, &owner, vid, 8).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let log = t.state.store.audit_log(100).await.unwrap();
    let rows: Vec<_> = log.iter().filter(|e| e.action == "appoint_staff").collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].detail, "not in the registry");
}

/// What a stand-in Twilio received.
#[derive(Default)]
struct Received(Mutex<Vec<(String, String)>>);

/// A stand-in of Twilio's Messages API, answering as its documentation says: the first
/// `busy` requests get 429 with error 20429, then 201 with a message resource; a number
/// starting +7000 gets 400 with error 21211 (not a valid phone number).
async fn twilio_stand_in(busy: usize) -> (String, Arc<Received>) {
    use axum::extract::{Form, Path, State};
    use axum::http::HeaderMap;
    use axum::routing::post;
    use std::collections::HashMap;
    let received = Arc::new(Received::default());
    let calls = Arc::new(Mutex::new(0usize));
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(
                move |Path(sid): Path<String>,
                      State(r): State<Arc<Received>>,
                      headers: HeaderMap,
                      Form(form): Form<HashMap<String, String>>| {
                    let calls = calls.clone();
                    async move {
                        use base64::Engine as _;
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        let want = format!(
                            "Basic {}",
                            base64::engine::general_purpose::STANDARD.encode(format!("{sid}:test-token"))
                        );
                        if sid != "AC0123456789abcdef0123456789abcdef" || auth != want {
                            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"code": 20003,
                                "message": "Authenticate", "status": 401})));
                        }
                        let n = {
                            let mut c = calls.lock().unwrap();
                            *c += 1;
                            *c
                        };
                        if n <= busy {
                            return (StatusCode::TOO_MANY_REQUESTS, axum::Json(json!({"code": 20429,
                                "message": "Too Many Requests", "status": 429})));
                        }
                        let to = form.get("To").cloned().unwrap_or_default();
                        if to.starts_with("+7000") {
                            return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 21211,
                                "message": "The 'To' number is not a valid phone number.", "status": 400})));
                        }
                        assert_eq!(form.get("From").map(String::as_str), Some("Ashyq"));
                        r.0.lock().unwrap().push((to.clone(), form.get("Body").cloned().unwrap_or_default()));
                        (StatusCode::CREATED, axum::Json(json!({"sid": "SM0123", "status": "queued", "to": to})))
                    }
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, received)
}

/// The code goes out through the gateway as Twilio documents it, after a 429 too; a
/// permanent refusal is not retried.
#[tokio::test]
async fn codes_go_out_through_the_sms_gateway() {
    use ashyq_server::sms::{send_with_retries, SmsError, SmsSender, Twilio};
    let (base, received) = twilio_stand_in(1).await;
    let twilio = Twilio::new(
        &base,
        "AC0123456789abcdef0123456789abcdef",
        "test-token",
        "Ashyq",
    );
    let mut config = common::config();
    config.sms = Some(Arc::new(Twilio::new(
        &base,
        "AC0123456789abcdef0123456789abcdef",
        "test-token",
        "Ashyq",
    )));
    config.dev_outbox = None;
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1, 2, 3]).await;
    let (owner, vid, _) = owned_premises(&t, "grocery").await;
    assert_eq!(appoint(&t, &owner, vid, 2).await.0, StatusCode::CREATED);
    let staff = t.login(2).await;
    let (s, c) = t.guard_challenge(&staff, vid, &person(3).iin).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{c}");
    let mut got = Vec::new();
    for _ in 0..200 {
        got = received.0.lock().unwrap().clone();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(got.len(), 1, "sent once, after one 429");
    assert_eq!(got[0].0, person(3).phone);
    let code = &got[0].1[6..12];
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{}", got[0].1);
    for word in ["RED", "YELLOW", "BLUE", "GREEN"] {
        assert!(!got[0].1.contains(word));
    }
    let (s, v) = t
        .call(
            "POST",
            &format!("/v1/premises/{vid}/guard-checkin"),
            Some(&staff),
            Some(json!({"challenge_id": c["challenge_id"], "code": code, "client_visit_id": "sms-visit-00000001"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        twilio.send("+70001234567", "x").await,
        Err(SmsError::Refused(21211))
    );
    let bad = Twilio::new(
        &base,
        "AC0123456789abcdef0123456789abcdef",
        "wrong",
        "Ashyq",
    );
    assert_eq!(
        send_with_retries(&bad, "+77021234567", "x").await,
        Err(SmsError::Refused(20003))
    );
}

/// The audit log is the one audit trail, kept like every other record: rows older than
/// `AUDIT_RETENTION` go with the retention pass, newer ones stay.
async fn the_audit_log_is_kept_400_days(t: T) {
    use ashyq_core::status::AUDIT_RETENTION;
    use ashyq_server::store::{Actor, AuditEntry};
    let now = t.state.now();
    for (at, detail) in [(now - AUDIT_RETENTION - DAY, "old"), (now - DAY, "recent")] {
        let entry = AuditEntry {
            at,
            actor: Actor::key("lab"),
            action: "import",
            venue_id: None,
            subject: None,
            detail: detail.into(),
        };
        t.state.store.audit(&entry).await.unwrap();
    }
    let purged = t
        .state
        .store
        .purge_expired(&t.state.config.policy.cutoffs(now))
        .await
        .unwrap();
    assert_eq!(purged.audit, 1);
    let left: Vec<_> = t
        .state
        .store
        .audit_log(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(left, ["recent"]);
}
on_both!(the_audit_log_is_kept_400_days);
