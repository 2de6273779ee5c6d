//! Shared test harness: a fresh store per test (a temp SQLite file, or a fresh PostgreSQL
//! schema from ASHYQ_TEST_POSTGRES_URL), the app as a Router, and request helpers.
#![allow(dead_code, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use ashyq_core::api::{BusinessRow, CitizenRow, ImportBatch, RegisterVenueRequest};
use ashyq_core::venue::Category;
use ashyq_server::store::{Actor, PgStore, SqliteStore, Store};
use ashyq_server::{app, demo, import, venues, AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const ADMIN: &str = ashyq_server::dev_secrets::ADMIN_API_KEY;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct T {
    pub app: Router,
    pub state: AppState,
    pub dir: PathBuf,
}

impl Drop for T {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ashyq-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a line to the real stderr, past the test harness's output capture.
pub fn loud(line: &str) {
    use std::io::Write;
    match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
        Ok(mut f) => {
            let _ = writeln!(f, "\n*** {line} ***\n");
        }
        Err(_) => eprintln!("*** {line} ***"),
    }
}

/// The PostgreSQL URL for tests, or None after a loud SKIP. Panics instead when
/// ASHYQ_REQUIRE_POSTGRES=1, so CI cannot silently skip.
pub fn pg_url() -> Option<String> {
    match std::env::var("ASHYQ_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("ASHYQ_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("ASHYQ_REQUIRE_POSTGRES=1 but ASHYQ_TEST_POSTGRES_URL is not set");
            }
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                loud("SKIP: PostgreSQL tests of ashyq-server skipped: set ASHYQ_TEST_POSTGRES_URL=postgres://… to run them")
            });
            None
        }
    }
}

pub async fn store(backend: Backend, dir: &std::path::Path) -> Option<Arc<dyn Store>> {
    Some(match backend {
        Backend::Sqlite => Arc::new(SqliteStore::open(&dir.join("ashyq.db")).await.unwrap()),
        Backend::Postgres => {
            let url = pg_url()?;
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let schema = format!("t_{}_{n}_{nanos}", std::process::id());
            Arc::new(PgStore::connect(&url, Some(&schema), 4).await.unwrap())
        }
    })
}

pub async fn setup_with(backend: Backend, config: Config) -> Option<T> {
    let dir = temp_dir("test");
    let store = store(backend, &dir).await?;
    let state = AppState::new(config, store, &dir).await.unwrap();
    Some(T {
        app: app(state.clone()),
        state,
        dir,
    })
}

/// Dev config, rate limit off.
pub fn config() -> Config {
    let mut c = Config::dev("127.0.0.1:8080");
    c.rate_per_minute = 0;
    // Tests of guard mode make more requests than a door does; the limits' own tests set
    // them.
    c.guard_burst = 1000;
    c.guard_venue_burst = 1000;
    c
}

pub async fn setup(backend: Backend) -> Option<T> {
    setup_with(backend, config()).await
}

/// What the audit log names for imports the tests make directly.
pub fn test_actor() -> Actor {
    Actor {
        kind: "operator",
        id: "test".into(),
    }
}

pub struct Person {
    pub iin: String,
    pub phone: String,
    pub telegram_id: i64,
    pub vk_id: i64,
}

/// Telegram init data for test person `n`, dated now and signed with `bot`'s token: what a
/// test that starts the real binary signs in with.
pub fn telegram_init_now(n: u32, bot: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let pairs = vec![
        (
            "user".to_string(),
            format!(r#"{{"id":{},"first_name":"Test"}}"#, person(n).telegram_id),
        ),
        ("auth_date".to_string(), now.to_string()),
    ];
    ashyq_core::hostproof::telegram_init_data(&pairs, bot)
}

pub fn person(n: u32) -> Person {
    Person {
        iin: demo::complete_id(&format!("90{:02}{:02}300", n / 28 + 1, n % 28 + 1)),
        phone: format!("+7702{:07}", n),
        telegram_id: 500_000 + i64::from(n),
        vk_id: 700_000 + i64::from(n),
    }
}

impl T {
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string());
        self.raw(method, path, token, body.as_deref(), None).await
    }

    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        content_type: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        req = req.header("content-type", content_type.unwrap_or("application/json"));
        let req = req.body(Body::from(body.unwrap_or("").to_owned())).unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    /// Registers citizens 1..=n (each with phone, telegram and vk ids).
    pub async fn citizens(&self, ns: &[u32]) {
        let batch = ImportBatch {
            batch_id: format!(
                "citizens-{}",
                ns.iter().map(u32::to_string).collect::<Vec<_>>().join("-")
            ),
            citizens: ns
                .iter()
                .map(|&n| {
                    let p = person(n);
                    CitizenRow {
                        iin: p.iin,
                        name: format!("Имя{n}"),
                        lastname: "Фамилия".into(),
                        phone: Some(p.phone),
                        aitu_id: Some(format!("aitu-{n}")),
                        telegram_id: Some(p.telegram_id),
                        vk_id: Some(p.vk_id),
                        parent_iin: None,
                        relink: false,
                        change_parent: false,
                    }
                })
                .collect(),
            ..Default::default()
        };
        let report = import::run(&self.state, &test_actor(), &batch, Vec::new(), None)
            .await
            .unwrap();
        assert_eq!(report.rejected, 0, "{report:?}");
    }

    pub async fn login(&self, n: u32) -> String {
        self.login_iin(&person(n).iin).await
    }

    pub async fn login_iin(&self, iin: &str) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/v1/session",
                None,
                Some(serde_json::json!({"proof": {"kind": "dev", "iin": iin}})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    /// Registers a venue as an operator does (`ashyq-server venue add`: no API takes a key
    /// for this); returns (venue id, entry code of entrance 1, exit code of entrance 1).
    pub async fn venue(&self, category: &str, bin_prefix: &str) -> (u64, String, String) {
        let req = RegisterVenueRequest {
            bin: demo::complete_id(bin_prefix),
            business_name: format!("Тест {category}"),
            address: "Алматы, Абай 1".into(),
            category: Category::parse(category).unwrap(),
            pcr_required: None,
            entrances: 2,
        };
        let now = self.state.now();
        let new = venues::check_registration(&req, now).unwrap();
        let v = self.state.store.add_venue(&new, now).await.unwrap();
        let r = venues::response(&self.state, &v).await.unwrap();
        (
            r.venue_id,
            r.entrances[0].entry_code.clone(),
            r.entrances[0].exit_code.clone(),
        )
    }

    /// Imports a business (BIN from a 9-digit prefix) owned by the given people; returns
    /// its BIN.
    pub async fn business(&self, bin_prefix: &str, owners: &[u32]) -> String {
        let bin = demo::complete_id(bin_prefix);
        let batch = ImportBatch {
            batch_id: format!("business-{bin}-{owners:?}"),
            businesses: vec![BusinessRow {
                bin: bin.clone(),
                name: format!("ТОО «Бизнес {bin_prefix}»"),
                owner_iins: owners.iter().map(|&n| person(n).iin).collect(),
            }],
            ..Default::default()
        };
        let report = import::run(&self.state, &test_actor(), &batch, Vec::new(), None)
            .await
            .unwrap();
        assert_eq!(report.rejected, 0, "{report:?}");
        bin
    }

    /// Registers premises as their owner; returns the `Premises` JSON.
    pub async fn premises(&self, token: &str, bin: &str, category: &str, entrances: u8) -> Value {
        let (s, v) = self
            .call(
                "POST",
                &format!("/v1/business/{bin}/premises"),
                Some(token),
                Some(serde_json::json!({
                    "name": format!("Тест {category}"),
                    "address": "Алматы, Абай 1",
                    "category": category,
                    "pcr_required": null,
                    "entrances": entrances
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    pub async fn scan(&self, token: &str, code: &str, visit_id: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/visits",
            Some(token),
            Some(serde_json::json!({"code": code, "client_visit_id": visit_id})),
        )
        .await
    }

    /// Guard mode's first step as staff (`token`) at `venue`: the challenge's answer.
    pub async fn guard_challenge(&self, token: &str, venue: u64, iin: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            &format!("/v1/premises/{venue}/guard-checkin/challenge"),
            Some(token),
            Some(serde_json::json!({"iin": iin})),
        )
        .await
    }

    /// The newest one-time code the dev outbox sent to `phone`, waiting for it a little
    /// (codes leave after the answer).
    pub async fn sms_code(&self, phone: &str, skip: usize) -> Option<String> {
        for _ in 0..100 {
            let outbox = self.state.config.dev_outbox.as_ref().expect("dev outbox");
            let codes: Vec<String> = outbox
                .messages()
                .into_iter()
                .filter(|m| m.to == phone)
                .map(|m| m.body[6..12].to_owned())
                .collect();
            if codes.len() > skip {
                return codes.last().cloned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        None
    }

    /// Both steps of guard mode, the visitor (test person `n`) reading out their code.
    pub async fn guard_check_in(
        &self,
        token: &str,
        venue: u64,
        n: u32,
        visit_id: &str,
    ) -> (StatusCode, Value) {
        let p = person(n);
        let before = self.state.config.dev_outbox.as_ref().map_or(0, |o| {
            o.messages().iter().filter(|m| m.to == p.phone).count()
        });
        let (s, c) = self.guard_challenge(token, venue, &p.iin).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{c}");
        let code = self
            .sms_code(&p.phone, before)
            .await
            .expect("a code by SMS");
        self.call(
            "POST",
            &format!("/v1/premises/{venue}/guard-checkin"),
            Some(token),
            Some(
                serde_json::json!({"challenge_id": c["challenge_id"], "code": code,
                "client_visit_id": visit_id}),
            ),
        )
        .await
    }

    pub async fn status(&self, token: &str) -> String {
        let (s, v) = self.call("GET", "/v1/me/status", Some(token), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["status"].as_str().unwrap().to_owned()
    }
}

/// Runs one async test body on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            use super::common::{setup, Backend};
            #[tokio::test]
            async fn sqlite() {
                if let Some(t) = setup(Backend::Sqlite).await {
                    super::$name(t).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = setup(Backend::Postgres).await {
                    super::$name(t).await;
                }
            }
        }
    };
}
