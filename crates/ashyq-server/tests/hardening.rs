//! Issue 13 through `oneshot`: dev mode that cannot leak, normalised paths, limits behind a
//! reverse proxy, scoped API keys and the headers every response carries.
//!   cargo test -p ashyq-server --test hardening
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::SocketAddr;

use ashyq_server::apikeys::Scope;
use ashyq_server::net::TrustedProxies;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{person, setup_with, Backend, ADMIN, T};
use serde_json::json;
use tower::ServiceExt;

/// A GET from `peer`, with extra headers, through the whole app.
async fn get_from(
    t: &common::T,
    path: &str,
    peer: &str,
    headers: &[(&str, &str)],
) -> axum::http::Response<Body> {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    t.app.clone().oneshot(req).await.unwrap()
}

/// A dist with a stale emulator page inside (never served), and the emulator's own folder.
fn dist_with_dev_page() -> (std::path::PathBuf, std::path::PathBuf) {
    let dist = common::temp_dir("dist");
    std::fs::create_dir_all(dist.join("dev")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Ashyq</title>",
    )
    .unwrap();
    std::fs::write(dist.join("dev/index.html"), "<p>stale emulator").unwrap();
    let dev_dir = common::temp_dir("www-dev");
    std::fs::write(dev_dir.join("index.html"), "<p>emulator").unwrap();
    (dist, dev_dir)
}

#[tokio::test]
async fn dev_paths_are_404_on_a_non_dev_server_however_spelled() {
    let (dist, dev_dir) = dist_with_dev_page();
    let spellings = [
        "/dev/index.html",
        "//dev/index.html",
        "///dev/index.html",
        "/./dev/index.html",
        "/%2e/dev/index.html",
        "/%64ev/index.html",
        "/%64%65%76/index.html",
        "/assets/../dev/index.html",
        "/dev/./index.html",
        "//dev/",
    ];
    for dev in [false, true] {
        let mut config = common::config();
        config.dev = dev;
        if !dev {
            // A server without --dev never uses the published dev key-encryption key.
            config.kek = None;
        }
        config.dist = Some(dist.clone());
        config.dev_dir = Some(dev_dir.clone());
        let t = setup_with(Backend::Sqlite, config).await.unwrap();
        for path in spellings {
            let r = get_from(&t, path, "127.0.0.1", &[]).await;
            let want = if dev {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status(), want, "dev={dev} {path}");
            if dev {
                // From the emulator's folder, never the stale copy inside dist.
                let body = http_body_util::BodyExt::collect(r.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                assert_eq!(&body[..], b"<p>emulator", "dev={dev} {path}");
            }
        }
        // The API is reached however its path is spelled, and still only by its rules.
        let r = get_from(&t, "//v1/./keys", "127.0.0.1", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = get_from(&t, "//dev/api/demo", "127.0.0.1", &[]).await;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "dev={dev}: not seeded / not dev"
        );
    }
    let _ = std::fs::remove_dir_all(dist);
    let _ = std::fs::remove_dir_all(dev_dir);
}

#[tokio::test]
async fn demo_info_never_contains_a_configured_secret() {
    // What `main` refuses to start with; the page must not publish it even so.
    let mut config = common::config();
    config.hosts.telegram_bot_token = Some("987654:real-telegram-token".into());
    config.hosts.aitu_api_key = Some("real-aitu-api-key".into());
    config.hosts.vk_app_secret = Some("real-vk-secret".into());
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let info = ashyq_server::demo::seed(&t.state).await.unwrap();
    let _ = t.state.demo.set(info);
    let (s, v) = t.call("GET", "/dev/api/demo", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.to_string();
    for secret in ["real-telegram-token", "real-aitu-api-key", "real-vk-secret"] {
        assert!(!text.contains(secret), "{secret} published");
    }
    assert_eq!(
        v["secrets"]["telegram_bot_token"],
        ashyq_server::dev_secrets::TELEGRAM_BOT_TOKEN
    );
}

#[tokio::test]
async fn rate_limits_see_the_client_behind_a_trusted_proxy_only() {
    let mut config = common::config();
    config.rate_per_minute = 60;
    config.rate_burst = 2;
    config.trusted_proxies = TrustedProxies::parse("10.0.0.1").unwrap();
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let status = |r: axum::http::Response<Body>| r.status();
    // Two clients behind the proxy have a bucket each.
    for _ in 0..2 {
        let r = get_from(
            &t,
            "/v1/keys",
            "10.0.0.1",
            &[("x-forwarded-for", "203.0.113.1")],
        )
        .await;
        assert_eq!(status(r), StatusCode::OK);
    }
    let r = get_from(
        &t,
        "/v1/keys",
        "10.0.0.1",
        &[("x-forwarded-for", "203.0.113.1")],
    )
    .await;
    assert_eq!(status(r), StatusCode::TOO_MANY_REQUESTS);
    let r = get_from(
        &t,
        "/v1/keys",
        "10.0.0.1",
        &[("x-forwarded-for", "203.0.113.2")],
    )
    .await;
    assert_eq!(
        status(r),
        StatusCode::OK,
        "another client behind the same proxy"
    );
    // A client that is not the proxy cannot pick its address with the header.
    for (n, expect) in [
        (1, StatusCode::OK),
        (2, StatusCode::OK),
        (3, StatusCode::TOO_MANY_REQUESTS),
    ] {
        let spoof = format!("198.18.0.{n}");
        let r = get_from(
            &t,
            "/v1/keys",
            "198.51.100.7",
            &[("x-forwarded-for", &spoof)],
        )
        .await;
        assert_eq!(status(r), expect, "request {n}");
    }
}

#[tokio::test]
async fn vk_needs_the_app_id_it_is_configured_for() {
    let mut config = ashyq_server::Config::new("127.0.0.1:8080");
    config.hosts.vk_app_secret = Some("vk-secret".into());
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1]).await;
    let now = t.state.now().to_string();
    let params = ashyq_core::hostproof::vk_launch_query(
        &[
            ("vk_user_id".to_string(), person(1).vk_id.to_string()),
            ("vk_app_id".to_string(), "51234567".to_string()),
            ("vk_ts".to_string(), now),
        ],
        "vk-secret",
    );
    let (s, v) = t
        .call(
            "POST",
            "/v1/session",
            None,
            Some(json!({"proof": {"kind": "vk", "launch_params": params}})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("host_not_configured")),
        "a secret without its app id accepts no app"
    );
}

#[tokio::test]
async fn check_ins_are_limited_per_person() {
    let mut config = common::config();
    config.person_rate_per_minute = 60;
    config.person_rate_burst = 3;
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1, 2]).await;
    let (_, entry, _) = t.venue("grocery", "180340021").await;
    let one = t.login(1).await;
    for i in 0..3 {
        let (s, v) = t
            .scan(&one, &entry, &format!("person-limit-1-{i:04}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = t.scan(&one, &entry, "person-limit-1-0003").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // A second session of the same person shares the limit; another person does not.
    let again = t.login(1).await;
    let (s, _) = t.scan(&again, &entry, "person-limit-1-0004").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let two = t.login(2).await;
    let (s, v) = t.scan(&two, &entry, "person-limit-2-0000").await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn responses_carry_no_store_hsts_and_permissions_policy() {
    let (dist, dev_dir) = dist_with_dev_page();
    for origin in ["https://ashyq.example.kz", "http://127.0.0.1:8080"] {
        let mut config = common::config();
        config.public_origin = origin.into();
        config.dist = Some(dist.clone());
        let t = setup_with(Backend::Sqlite, config).await.unwrap();
        t.citizens(&[1]).await;
        let https = origin.starts_with("https");
        let token = t.login(1).await;
        let auth = format!("Bearer {token}");
        for path in ["/v1/keys", "/v1/me/status", "/v1/nope", "/healthz"] {
            let r = get_from(&t, path, "127.0.0.1", &[("authorization", &auth)]).await;
            let h = r.headers();
            assert_eq!(h["cache-control"], "no-store", "{path}");
            assert_eq!(h.contains_key("strict-transport-security"), https, "{path}");
            assert!(!h.contains_key("permissions-policy"), "{path}");
        }
        let r = get_from(&t, "/", "127.0.0.1", &[]).await;
        let h = r.headers();
        assert_eq!(h["content-type"], "text/html; charset=utf-8");
        let pp = h["permissions-policy"].to_str().unwrap();
        assert!(pp.starts_with("camera=(self),"), "{pp}");
        assert!(
            pp.contains("microphone=()") && pp.contains("geolocation=()"),
            "{pp}"
        );
        if https {
            assert_eq!(h["strict-transport-security"], "max-age=31536000");
        }
    }
    let _ = std::fs::remove_dir_all(dist);
    let _ = std::fs::remove_dir_all(dev_dir);
}

#[tokio::test]
async fn api_keys_have_scopes() {
    // Random secrets, as the server requires.
    const IMPORT: &str = "a7cbfdf4463184bd90fb3439a1daf97a77f7dc906d4d9e82c12c14d0d49a6338";
    const OPS: &str = "4288bd6e1359f4ac3035800f3bdb0ac3307893c2f5fbf64ee0e028e3855a27ac";
    let mut config = ashyq_server::Config::new("127.0.0.1:8080");
    config.rate_per_minute = 0;
    config
        .api_keys
        .add_list(Scope::Import, &format!("lab-1:{IMPORT}"))
        .unwrap();
    config
        .api_keys
        .add_list(Scope::Ops, &format!("oncall:{OPS}"))
        .unwrap();
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let batch = json!({"batch_id": "scopes-1", "citizens": [{"iin": person(1).iin, "name": "A", "lastname": "B",
        "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}]});
    let (s, _) = t
        .call("POST", "/v1/import", Some(OPS), Some(batch.clone()))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "an ops key cannot import");
    let (s, v) = t
        .call("POST", "/v1/import", Some(IMPORT), Some(batch))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = t.call("GET", "/metrics", Some(IMPORT), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an import key cannot read metrics"
    );
    let (s, _) = t.call("GET", "/metrics", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = t
        .call("GET", "/metrics", Some(&format!("oncall:{OPS}")), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the id is not part of the secret: {v}"
    );
    let (s, _) = t.call("GET", "/metrics", Some(OPS), None).await;
    assert_eq!(s, StatusCode::OK);
    // The deprecated admin key (dev's) has both scopes.
    let dev = setup_with(Backend::Sqlite, common::config()).await.unwrap();
    let (s, _) = dev.call("GET", "/metrics", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK);
}

// ---------------------------------------------------------------- storage (both stores)

/// Issue 13: every record is deleted once no status rule can use it (DESIGN §4): aged past
/// each window in turn, each kind is gone and the others are still there.
async fn records_are_deleted_once_no_rule_can_use_them(t: T) {
    use ashyq_core::api::PcrRow;
    use ashyq_core::{DAY, HOUR};
    use ashyq_server::store::ValidRows;
    t.citizens(&[1, 2]).await;
    let iin = person(1).iin;
    let t0 = t.state.now();
    let batch = json!({
        "batch_id": "retention-1",
        "pcr": [{"iin": iin, "taken_at": t0, "positive": true}, {"iin": iin, "taken_at": t0, "positive": false}],
        "contacts": [{"iin": iin, "listed_at": t0}],
        "vaccinations": [{"iin": iin, "at": t0, "course_complete": true}],
        "recoveries": [{"iin": iin, "at": t0}]
    });
    let (s, v) = t.call("POST", "/v1/import", Some(ADMIN), Some(batch)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, entry, _) = t.venue("grocery", "180340021").await;
    let token = t.login(1).await;
    let (s, v) = t.scan(&token, &entry, "retention-visit-000001").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let store = t.state.store.clone();
    // A positive still queued for tracing (written as its import writes it, not yet traced).
    let queued = ValidRows {
        pcr: vec![(
            0,
            PcrRow {
                iin: person(2).iin,
                taken_at: t0,
                positive: true,
            },
        )],
        ..Default::default()
    };
    store
        .import(
            "retention-queue",
            "digest",
            &queued,
            0,
            t0,
            &t.state.config.policy,
            &common::test_actor(),
        )
        .await
        .unwrap();
    assert_eq!(store.pending_tracing().await.unwrap().len(), 1);

    // What is left, kind by kind: positive, negative, contacts, vaccinations,
    // recoveries, visits of person 1, queued positives.
    let left = || async {
        let r = store.health_records(&iin).await.unwrap();
        let visits = store
            .visits(&iin, t.state.now(), &t.state.config.policy, 100)
            .await
            .unwrap()
            .len();
        (
            r.pcr.iter().filter(|p| p.positive).count(),
            r.pcr.iter().filter(|p| !p.positive).count(),
            r.contacts.len(),
            r.vaccinations.len(),
            r.recoveries.len(),
            visits,
            store.pending_tracing().await.unwrap().len(),
        )
    };
    let purge_at = |at: i64| {
        let cutoffs = t.state.config.policy.cutoffs(at);
        let store = store.clone();
        async move { store.purge_expired(&cutoffs).await.unwrap() }
    };
    assert_eq!(left().await, (1, 1, 1, 1, 1, 1, 1));
    for (age, want) in [
        (7 * DAY - 1, (1, 1, 1, 1, 1, 1, 1)),
        (7 * DAY, (1, 0, 1, 1, 1, 1, 1)),
        // A positive outlasts its red period by the default stay: a stay that met the end
        // of its infectious window is traced when it ends.
        (10 * DAY, (1, 0, 1, 1, 1, 1, 1)),
        (10 * DAY + 3 * HOUR, (0, 0, 1, 1, 1, 1, 1)),
        (14 * DAY, (0, 0, 0, 1, 1, 1, 1)),
        // The visit was made on the running clock, a moment after t0.
        (21 * DAY + 60, (0, 0, 0, 1, 1, 0, 1)),
        // Queued tracing lists contacts up to 10 days after the test, YELLOW for 14.
        (24 * DAY, (0, 0, 0, 1, 1, 0, 0)),
        (90 * DAY, (0, 0, 0, 1, 0, 0, 0)),
        (365 * DAY, (0, 0, 0, 0, 0, 0, 0)),
    ] {
        purge_at(t0 + age).await;
        assert_eq!(left().await, want, "aged {age} s");
    }
    // Housekeeping runs the same purge on the clock.
    let batch = json!({"batch_id": "retention-2", "pcr": [{"iin": iin, "taken_at": t0, "positive": false}]});
    let (s, _) = t.call("POST", "/v1/import", Some(ADMIN), Some(batch)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(left().await.1, 1);
    t.state.clock.advance(8 * DAY);
    ashyq_server::housekeeping::run(&t.state).await;
    assert_eq!(left().await.1, 0);
}
on_both!(records_are_deleted_once_no_rule_can_use_them);

/// Issue 13: signing out ends the session on the server, not only in the app.
async fn signing_out_ends_the_session_on_the_server(t: T) {
    t.citizens(&[1, 2]).await;
    let phone = t.login(1).await;
    let laptop = t.login(1).await;
    let other = t.login(2).await;
    let (s, _) = t.call("DELETE", "/v1/session", Some(&phone), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for token in [&phone, &laptop] {
        let (s, v) = t.call("GET", "/v1/me/status", Some(token), None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthorized"))
        );
    }
    let (s, _) = t.call("DELETE", "/v1/session", Some(&phone), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an ended session cannot sign out again"
    );
    assert_eq!(
        t.status(&other).await,
        "BLUE",
        "other people stay signed in"
    );
    let again = t.login(1).await;
    assert_eq!(t.status(&again).await, "BLUE", "signing in again works");
}
on_both!(signing_out_ends_the_session_on_the_server);

/// Issue 13: an Aitu sign-in opens a session only for the registry entry that holds both
/// the signed Aitu id and the signed phone, compared in E.164 as they are.
async fn aitu_sign_in_needs_the_account_and_the_phone_of_one_person(t: T) {
    use ashyq_core::hostproof::aitu_sign;
    t.citizens(&[1, 2]).await;
    let batch = json!({"batch_id": "aitu-vn", "citizens": [
        {"iin": person(3).iin, "name": "Nguyen", "lastname": "Van", "phone": "+84 70 123 4567",
         "aitu_id": "aitu-vn", "telegram_id": null, "vk_id": null}]});
    let (s, v) = t.call("POST", "/v1/import", Some(ADMIN), Some(batch)).await;
    assert_eq!(
        (s, v["accepted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let key = ashyq_server::dev_secrets::AITU_API_KEY;
    let signed = |mut v: serde_json::Value| {
        v["sign"] = json!(aitu_sign(&v, key).unwrap());
        v
    };
    let sign_in = |id: &str, phone: &str| {
        let body = json!({"proof": {"kind": "aitu",
            "me": signed(json!({"id": id, "name": "Имя", "lastname": "Ф"})),
            "phone": signed(json!({"phone": phone}))}});
        let t = &t;
        async move {
            let (s, v) = t.call("POST", "/v1/session", None, Some(body)).await;
            (s, v["profile"]["masked_iin"].as_str().map(str::to_owned))
        }
    };
    let masked = |n: u32| Some(ashyq_core::id::mask(&person(n).iin));
    assert_eq!(
        sign_in("aitu-1", &person(1).phone).await,
        (StatusCode::OK, masked(1))
    );
    // Person 1's account with person 2's phone (each signed, but not one person's).
    assert_eq!(
        sign_in("aitu-1", &person(2).phone).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sign_in("aitu-2", &person(1).phone).await.0,
        StatusCode::NOT_FOUND
    );
    // A phone alone is not enough; an account alone is not either.
    assert_eq!(
        sign_in("aitu-9", &person(1).phone).await.0,
        StatusCode::NOT_FOUND
    );
    // The Vietnamese number matches itself only, never a Kazakh +7 470 …
    assert_eq!(
        sign_in("aitu-vn", "+84701234567").await,
        (StatusCode::OK, masked(3))
    );
    assert_eq!(
        sign_in("aitu-vn", "+7 470 123 4567").await.0,
        StatusCode::NOT_FOUND
    );
}
on_both!(aitu_sign_in_needs_the_account_and_the_phone_of_one_person);

/// Issue 13: a revoked key is refused at once and no longer published; the current keys
/// cannot be revoked (rotate first).
async fn revoked_keys_are_refused_and_unpublished(t: T) {
    use ashyq_core::keys::Signer;
    use ashyq_core::venue;
    // The current key cannot be revoked, an unknown one is not found, and only the ops
    // key may ask.
    let current = t.state.keys.current().venue_signer().key_id();
    let (s, v) = t
        .call(
            "POST",
            &format!("/v1/keys/{current}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("key_current"))
    );
    let unknown = Signer::from_seed([42; 32]).key_id();
    let (s, _) = t
        .call(
            "POST",
            &format!("/v1/keys/{unknown}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .call("POST", &format!("/v1/keys/{current}/revoke"), None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // An old key beside the current one (what a rotation leaves).
    let first = t.state.keys.current();
    let first_id = first.venue_signer().key_id();
    let old_pass = first.pass_signer().key_id();
    t.state
        .keys
        .rotate(t.state.store.as_ref(), 300, t.state.now())
        .await
        .unwrap();
    let node = &t;
    node.citizens(&[1]).await;
    let (_, entry, _) = node.venue("grocery", "180340021").await;
    let info = venue::parse(&entry, &node.state.keys.current().venue_set)
        .unwrap()
        .info;
    let by_first = venue::sign(&info, first.venue_signer()).unwrap().bare();
    let token = node.login(1).await;
    let (s, v) = node.scan(&token, &by_first, "revoke-visit-00000001").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "an old key's code works until revoked: {v}"
    );
    let (s, v) = node
        .call(
            "POST",
            &format!("/v1/keys/{first_id}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::OK, Some("venue")),
        "{v}"
    );
    let (s, v) = node.scan(&token, &by_first, "revoke-visit-00000002").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked"))
    );
    let (s, v) = node
        .call(
            "POST",
            &format!("/v1/keys/{old_pass}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::OK, Some("pass")),
        "{v}"
    );
    let (_, keys) = node.call("GET", "/v1/keys", None, None).await;
    assert!(
        keys["venue_keys"].get(first_id.to_string()).is_none(),
        "{keys}"
    );
    assert!(
        keys["pass_keys"].get(old_pass.to_string()).is_none(),
        "{keys}"
    );
    assert_eq!(keys["venue_keys"].as_object().unwrap().len(), 1);
    // The current key still signs codes that work.
    let (s, v) = node.scan(&token, &entry, "revoke-visit-00000003").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Another node on the same database learns it at its next refresh.
    let other = ashyq_server::AppState::new(common::config(), node.state.store.clone(), &node.dir)
        .await
        .unwrap();
    assert!(!other.revoked.contains(&first_id));
    ashyq_server::revocation::refresh(other.store.as_ref(), &other.revoked)
        .await
        .unwrap();
    assert!(other.revoked.contains(&first_id));
}
on_both!(revoked_keys_are_refused_and_unpublished);

/// Issue 12: the signing keys live in the database, sealed with the key-encryption key:
/// another node on the same database signs with the same keys and session secret, sees a
/// rotation at its next refresh, and a node without the KEK or with a wrong one refuses
/// to start, saying why. Keys an older version left in files are imported once.
async fn signing_keys_are_shared_sealed_and_refused_without_the_kek(t: T) {
    use ashyq_server::keystore::Kek;
    use std::sync::Arc;
    let store = t.state.store.clone();
    let node = |kek: Option<Arc<dyn ashyq_server::keystore::KeyWrap>>| {
        let mut config = common::config();
        config.kek = kek;
        let store = store.clone();
        async move {
            let dir = common::temp_dir("node");
            let r = ashyq_server::AppState::new(config, store, &dir).await;
            let _ = std::fs::remove_dir_all(dir);
            r
        }
    };
    let other = node(t.state.config.kek.clone()).await.unwrap();
    let (a, b) = (t.state.keys.current(), other.keys.current());
    assert_eq!(a.venue_signer().key_id(), b.venue_signer().key_id());
    assert_eq!(a.pass_signer().key_id(), b.pass_signer().key_id());
    assert_eq!(a.session_secret, b.session_secret, "sessions work on both");
    // Sealed: the database holds no seed in the clear.
    let rows = store.signing_keys().await.unwrap();
    assert_eq!(rows.len(), 3);
    let seed = ashyq_core::encoding::hex_encode(&a.venue_signer().seed());
    for r in &rows {
        assert!(
            r.sealed.starts_with("v1.") && !r.sealed.contains(&seed),
            "{r:?}"
        );
    }

    let r = t
        .state
        .keys
        .rotate(store.as_ref(), 300, t.state.now())
        .await
        .unwrap();
    assert_eq!(
        t.state.keys.current().venue_signer().key_id(),
        r.venue.key_id()
    );
    assert_ne!(
        other.keys.current().venue_signer().key_id(),
        r.venue.key_id()
    );
    assert!(other.keys.refresh(store.as_ref()).await.unwrap());
    assert_eq!(
        other.keys.current().venue_signer().key_id(),
        r.venue.key_id(),
        "the other node signs with the new key after its refresh"
    );
    assert_eq!(other.keys.current().pass_signer().key_id(), r.pass.key_id());
    assert!(!other.keys.refresh(store.as_ref()).await.unwrap());
    assert_eq!(other.keys.current().venue_set.len(), 2);

    let err = node(None).await.err().unwrap().to_string();
    assert!(err.contains("ASHYQ_KEY_ENCRYPTION_KEY"), "{err}");
    let wrong = Arc::new(Kek::from_bytes([7; 32]));
    let err = node(Some(wrong)).await.err().unwrap().to_string();
    assert!(err.contains("does not open"), "{err}");

    // Keys files of an older version, on a database without keys: imported once, sealed
    // with the deployment's own KEK (never the published dev one, which refuses them).
    let backend = if store.shared() {
        common::Backend::Postgres
    } else {
        common::Backend::Sqlite
    };
    let production = || {
        let mut config = ashyq_server::Config::new("127.0.0.1:8080");
        config.kek = Some(Arc::new(Kek::from_bytes([5; 32])));
        config
    };
    let dir = common::temp_dir("import-keys");
    let files = ashyq_server::keystore::load_or_create(&dir).unwrap();
    let fresh = common::store(backend, &dir).await.unwrap();
    let upgraded = ashyq_server::AppState::new(production(), fresh.clone(), &dir)
        .await
        .unwrap();
    let k = upgraded.keys.current();
    assert_eq!(
        k.venue_signer().key_id(),
        files.venue_signer().key_id(),
        "posters printed before the upgrade still verify"
    );
    assert_eq!(k.session_secret, files.session_secret);
    assert_eq!(fresh.signing_keys().await.unwrap().len(), 3);
    // A later start reads the database, not the files.
    std::fs::remove_dir_all(dir.join("keys")).unwrap();
    let again = ashyq_server::AppState::new(production(), fresh.clone(), &dir)
        .await
        .unwrap();
    assert_eq!(
        again.keys.current().venue_signer().key_id(),
        files.venue_signer().key_id()
    );
    let _ = std::fs::remove_dir_all(dir);
}
on_both!(signing_keys_are_shared_sealed_and_refused_without_the_kek);
