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
use common::{person, setup_with, Backend, ADMIN};
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

fn dist_with_dev_page() -> std::path::PathBuf {
    let dist = common::temp_dir("dist");
    std::fs::create_dir_all(dist.join("dev")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Ashyq</title>",
    )
    .unwrap();
    std::fs::write(dist.join("dev/index.html"), "<p>emulator").unwrap();
    dist
}

#[tokio::test]
async fn dev_paths_are_404_on_a_non_dev_server_however_spelled() {
    let dist = dist_with_dev_page();
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
        config.dist = Some(dist.clone());
        let t = setup_with(Backend::Sqlite, config).await.unwrap();
        for path in spellings {
            let r = get_from(&t, path, "127.0.0.1", &[]).await;
            let want = if dev {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status(), want, "dev={dev} {path}");
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
        &[("forwarded", "for=203.0.113.2")],
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
    let dist = dist_with_dev_page();
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
}

#[tokio::test]
async fn api_keys_have_scopes() {
    let mut config = ashyq_server::Config::new("127.0.0.1:8080");
    config.rate_per_minute = 0;
    config
        .api_keys
        .add_list(Scope::Import, "lab-1:import-secret-0001")
        .unwrap();
    config
        .api_keys
        .add_list(Scope::Ops, "oncall:ops-secret-000001")
        .unwrap();
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    let batch = json!({"batch_id": "scopes-1", "citizens": [{"iin": person(1).iin, "name": "A", "lastname": "B",
        "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}]});
    let (s, _) = t
        .call(
            "POST",
            "/v1/import",
            Some("ops-secret-000001"),
            Some(batch.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "an ops key cannot import");
    let (s, v) = t
        .call(
            "POST",
            "/v1/import",
            Some("import-secret-0001"),
            Some(batch),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = t
        .call("GET", "/metrics", Some("import-secret-0001"), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an import key cannot read metrics"
    );
    let (s, _) = t.call("GET", "/metrics", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = t
        .call("GET", "/metrics", Some("oncall:ops-secret-000001"), None)
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the id is not part of the secret: {v}"
    );
    let (s, _) = t
        .call("GET", "/metrics", Some("ops-secret-000001"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    // The deprecated admin key (dev's) has both scopes.
    let dev = setup_with(Backend::Sqlite, common::config()).await.unwrap();
    let (s, _) = dev.call("GET", "/metrics", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK);
}
