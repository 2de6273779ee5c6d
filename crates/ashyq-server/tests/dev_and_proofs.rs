//! Issue 25 (items 4, 6, 7): `--dev` never meets production data or a deployment, an
//! Aitu proof pair opens one session at a time, no key holds both scopes, a child's parent
//! changes only when an import says so, batch ids are per importer, and the data is the
//! owner's only on disk.
//!   cargo test -p ashyq-server --test dev_and_proofs
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test dev_and_proofs
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ashyq_core::hostproof::aitu_sign;
use ashyq_server::apikeys::Scope;
use ashyq_server::keystore::{Kek, KeyRing, KeyWrap};
use ashyq_server::{dev_secrets, AppState, Config};
use axum::http::StatusCode;
use common::{person, setup_with, Backend, ADMIN, T};
use serde_json::{json, Value};

/// Runs each test on SQLite and, with ASHYQ_TEST_POSTGRES_URL, on PostgreSQL.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            use super::common::Backend;
            #[tokio::test]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(Backend::Postgres).await;
            }
        }
    };
}

const AITU_KEY: &str = "production-aitu-api-key";
const LAB_A: &str = "f4f33fc535ee3fad5b3e7eb1b11254b13225e0e6f5b4bd9173da277011cca253";
const LAB_B: &str = "61f6f60b5d091f13a5dfc207195bd848a89c904aea6deca4f056b80e57393c48";
/// A deployment's own key-encryption key (64 hex digits).
const KEK: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// A production server: Aitu configured, two integrators, its own KEK, no rate limit.
fn production() -> Config {
    let mut c = Config::new("127.0.0.1:8080");
    c.rate_per_minute = 0;
    c.hosts.aitu_api_key = Some(AITU_KEY.into());
    c.api_keys
        .add_list(Scope::Import, &format!("lab-a:{LAB_A},lab-b:{LAB_B}"))
        .unwrap();
    c.kek = Some(Arc::new(Kek::parse(KEK).unwrap()));
    c
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

// ---------------------------------------------------------------- the real binary

/// The binary with a clean environment: nothing from the caller's ASHYQ_* leaks in.
fn server(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ashyq-server"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ASHYQ_LOG", "warn")
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd
}

/// Runs the binary to its end: (succeeded, stdout and stderr).
fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = server(args, env).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve --dev` on `dir` and waits until it answers; killed on drop.
struct DevServer(std::process::Child);

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_dev(dir: &Path) -> Result<DevServer, String> {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = DevServer(
        server(&["serve", "--dev", "--listen", &listen], &[])
            .arg("--data-dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = server.0.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            if let Some(mut stderr) = server.0.stderr.take() {
                stderr.read_to_string(&mut err).unwrap();
            }
            return Err(format!("exited ({status}): {err}"));
        }
        if let Ok(r) = client.get(format!("http://{listen}/healthz")).send().await {
            if r.status() == 200 {
                return Ok(server);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("did not answer within 30 s".into())
}

/// `--dev` behind a proxy, with an https:// origin, or on a data dir production made
/// refuses to start and says why; on its own data dir it starts, again and again.
#[tokio::test]
async fn dev_mode_refuses_a_proxy_an_https_origin_and_production_data() {
    let root = common::temp_dir("devprod");
    let dev_dir = root.join("dev");
    let dir = dev_dir.to_str().unwrap();
    let dev = |extra: &[&str]| {
        let mut args = vec![
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir,
        ];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    let (ok, err) = dev(&["--trusted-proxies", "10.0.0.1"]);
    assert!(!ok && err.contains("--trusted-proxies"), "{err}");
    let (ok, err) = run(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir,
        ],
        &[("ASHYQ_TRUSTED_PROXIES", "10.0.0.0/8")],
    );
    assert!(!ok && err.contains("--trusted-proxies"), "{err}");
    let (ok, err) = dev(&["--public-origin", "https://ashyq.example.kz"]);
    assert!(!ok && err.contains("https://ashyq.example.kz"), "{err}");
    assert!(
        !dev_dir.exists(),
        "a refused --dev touches no data dir: it refuses before opening one"
    );

    // Its own data dir: it starts, marks the database as dev's, and starts again on it.
    let server = start_dev(&dev_dir).await.unwrap();
    drop(server);
    let again = start_dev(&dev_dir).await;
    assert!(
        again.is_ok(),
        "dev restarts on its own data: {:?}",
        again.err()
    );
    drop(again);

    // A data dir production made: a database with data and keys sealed with its own KEK.
    let prod_dir = root.join("prod");
    let prod = prod_dir.to_str().unwrap();
    let batch = root.join("batch.json");
    std::fs::write(
        &batch,
        json!({"batch_id": "registry-1", "citizens": [{"iin": person(1).iin, "name": "A",
            "lastname": "B", "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}]})
        .to_string(),
    )
    .unwrap();
    let (ok, out) = run(
        &["import", batch.to_str().unwrap(), "--data-dir", prod],
        &[("ASHYQ_KEY_ENCRYPTION_KEY", KEK)],
    );
    assert!(ok, "{out}");
    let (ok, err) = run(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            prod,
        ],
        &[],
    );
    assert!(!ok && err.contains("not made by --dev"), "{err}");
    // The dev server did not claim it meanwhile: production still opens its own data.
    let (ok, out) = run(
        &["import", batch.to_str().unwrap(), "--data-dir", prod],
        &[("ASHYQ_KEY_ENCRYPTION_KEY", KEK)],
    );
    assert!(ok && out.contains("\"duplicate_batch\": true"), "{out}");

    // A data dir with key files (a single production node without a KEK): refused too.
    let files_dir = root.join("files");
    ashyq_server::keystore::load_or_create(&files_dir).unwrap();
    let (ok, err) = run(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            files_dir.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!ok && err.contains("signing key files"), "{err}");
    let _ = std::fs::remove_dir_all(root);
}

/// The published dev key-encryption key is refused by a server without `--dev`, and by
/// the admin commands on a database that is not a dev server's; on a dev server's own
/// data the admin commands use it (posters for the emulator).
#[tokio::test]
async fn the_dev_kek_opens_only_dev_data() {
    let root = common::temp_dir("devkek");
    let dev_dir = root.join("dev");
    drop(start_dev(&dev_dir).await.unwrap());
    let dev_kek = [("ASHYQ_KEY_ENCRYPTION_KEY", dev_secrets::KEY_ENCRYPTION_KEY)];
    let venue = |dir: &Path, env: &[(&str, &str)]| {
        let bin = ashyq_server::demo::complete_id("180340021");
        run(
            &[
                "venue",
                "add",
                "--data-dir",
                dir.to_str().unwrap(),
                "--bin",
                &bin,
                "--name",
                "Дәмді",
                "--address",
                "Абай 1",
                "--category",
                "restaurant",
            ],
            env,
        )
    };
    let (ok, out) = venue(&dev_dir, &dev_kek);
    assert!(ok, "the dev KEK opens a dev server's data: {out}");

    let prod_dir = root.join("prod");
    let (ok, out) = venue(&prod_dir, &[("ASHYQ_KEY_ENCRYPTION_KEY", KEK)]);
    assert!(ok, "{out}");
    let (ok, err) = venue(&prod_dir, &dev_kek);
    assert!(!ok && err.contains("dev one"), "{err}");
    let (ok, err) = run(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            root.join("fresh").to_str().unwrap(),
        ],
        &dev_kek,
    );
    assert!(!ok && err.contains("dev one"), "{err}");
    let (ok, err) = run(
        &["keys", "reseal", "--data-dir", prod_dir.to_str().unwrap()],
        &[
            ("ASHYQ_KEY_ENCRYPTION_KEY", KEK),
            (
                "ASHYQ_NEW_KEY_ENCRYPTION_KEY",
                dev_secrets::KEY_ENCRYPTION_KEY,
            ),
        ],
    );
    assert!(!ok && err.contains("dev one"), "{err}");
    let _ = std::fs::remove_dir_all(root);
}

/// `ASHYQ_ADMIN_API_KEYS` is gone: set, with or without `--dev`, the server refuses to
/// start and names the keys to use instead.
#[test]
fn admin_api_keys_are_refused() {
    let root = common::temp_dir("adminkeys");
    let dir = root.to_str().unwrap();
    for dev in [false, true] {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", dir];
        if dev {
            args.push("--dev");
        }
        let (ok, err) = run(
            &args,
            &[("ASHYQ_ADMIN_API_KEYS", "old-admin-secret-000001")],
        );
        assert!(!ok, "dev {dev}: started with admin keys");
        assert!(
            err.contains("ASHYQ_ADMIN_API_KEYS") && err.contains("ASHYQ_IMPORT_API_KEYS"),
            "dev {dev}: {err}"
        );
        assert!(
            !err.contains("old-admin-secret"),
            "the secret is repeated: {err}"
        );
        args.extend(["--admin-api-keys", "old-admin-secret-000001"]);
        let (ok, err) = run(&args, &[]);
        assert!(
            !ok && err.contains("ASHYQ_ADMIN_API_KEYS"),
            "dev {dev}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(root);
}

/// The data dir is made 0700 and the database files 0600 — the `-wal` and `-shm` files a
/// running server keeps beside it too.
#[tokio::test]
async fn the_data_dir_and_database_files_are_private() {
    let root = common::temp_dir("modes");
    let dir = root.join("a").join("data");
    let server = start_dev(&dir).await.unwrap();
    assert_eq!(mode(&dir), 0o700);
    for name in ["ashyq.db", "ashyq.db-wal", "ashyq.db-shm"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    drop(server);
    // Files an older version left readable by others are narrowed on open.
    let old = root.join("old");
    std::fs::create_dir_all(&old).unwrap();
    let db = old.join("ashyq.db");
    drop(ashyq_server::store::SqliteStore::open(&db).await.unwrap());
    for suffix in ["", "-wal", "-shm"] {
        let file = old.join(format!("ashyq.db{suffix}"));
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let _store = ashyq_server::store::SqliteStore::open(&db).await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = old.join(format!("ashyq.db{suffix}"));
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    let _ = std::fs::remove_dir_all(root);
}

// ---------------------------------------------------------------- in process

/// Key files made outside dev are never sealed with the dev KEK: a dev server refuses a
/// data dir holding them, and so does the key ring itself; a reseal to it is refused.
async fn imported_keys_are_never_sealed_with_the_dev_kek(backend: Backend) {
    let dir = common::temp_dir("devseal");
    ashyq_server::keystore::load_or_create(&dir).unwrap();
    let Some(store) = common::store(backend, &dir).await else {
        return;
    };
    let err = AppState::new(common::config(), store.clone(), &dir)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("signing key files"), "{err}");
    let dev: Arc<dyn KeyWrap> = Arc::new(Kek::parse(dev_secrets::KEY_ENCRYPTION_KEY).unwrap());
    let err = KeyRing::open(store.as_ref(), Some(dev.clone()), &dir, 1_800_000_000)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("dev one"), "{err}");
    assert!(
        store.signing_keys().await.unwrap().is_empty(),
        "nothing was sealed"
    );
    // Imported with the deployment's own KEK, then a reseal to the dev KEK is refused.
    let own = Kek::parse(KEK).unwrap();
    KeyRing::open(
        store.as_ref(),
        Some(Arc::new(Kek::parse(KEK).unwrap())),
        &dir,
        1_800_000_000,
    )
    .await
    .unwrap();
    let err = ashyq_server::keystore::reseal(store.as_ref(), &own, dev.as_ref())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("dev one"), "{err}");
    let rows = store.signing_keys().await.unwrap();
    assert!(rows.iter().all(|r| r.kek_id == own.id()), "{rows:?}");
    let _ = std::fs::remove_dir_all(dir);
}
both!(imported_keys_are_never_sealed_with_the_dev_kek);

/// A signed Aitu GetMe/GetPhone pair for test person `n`.
fn aitu_pair(n: u32) -> Value {
    let mut me = json!({"id": format!("aitu-{n}"), "name": "Имя", "lastname": "Фамилия"});
    me["sign"] = json!(aitu_sign(&me, AITU_KEY).unwrap());
    let mut phone = json!({"phone": person(n).phone});
    phone["sign"] = json!(aitu_sign(&phone, AITU_KEY).unwrap());
    json!({"proof": {"kind": "aitu", "me": me, "phone": phone}})
}

async fn sign_in(t: &T, proof: &Value) -> (StatusCode, Value) {
    t.call("POST", "/v1/session", None, Some(proof.clone()))
        .await
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A replayed Aitu pair is refused while the session it opened lasts, on every node and
/// after signing out; once that session has ended the pair opens one more (Aitu signs no
/// time: the user's next launch sends the same bytes).
async fn a_replayed_aitu_pair_is_refused(backend: Backend) {
    let Some(t) = setup_with(backend, production()).await else {
        return;
    };
    t.state.clock.freeze();
    t.citizens(&[1, 2]).await;
    let pair = aitu_pair(1);
    let (s, first) = sign_in(&t, &pair).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let token = first["token"].as_str().unwrap().to_owned();

    let (s, v) = sign_in(&t, &pair).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already opened a session"));
    // Padding the GetMe with fields the sign skips does not make it a new pair.
    let mut padded = pair.clone();
    padded["proof"]["me"]["avatar"] = json!("");
    let (s, v) = sign_in(&t, &padded).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));
    // Another person's pair is theirs to use.
    let (s, v) = sign_in(&t, &aitu_pair(2)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The session the pair opened works.
    let (s, _) = t.call("GET", "/v1/me/status", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);

    // Another node on the same database refuses it too.
    let dir = common::temp_dir("node2");
    let other = AppState::new(production(), t.state.store.clone(), &dir)
        .await
        .unwrap();
    other.clock.freeze();
    let node2 = T {
        app: ashyq_server::app(other.clone()),
        state: other,
        dir,
    };
    let (s, v) = sign_in(&node2, &pair).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));

    // Signing out ends the session for good: the token is dead and the pair cannot
    // reopen one.
    let (s, _) = t.call("DELETE", "/v1/session", Some(&token), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t.call("GET", "/v1/me/status", Some(&token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = sign_in(&t, &pair).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));

    // The session it opened could not outlive the hour: after it, the same pair opens
    // one session again — and only one. Housekeeping forgets the old digest meanwhile.
    let lasts = first["expires_at"].as_i64().unwrap() - t.state.now();
    assert!(lasts <= ashyq_core::HOUR, "an Aitu session lasts {lasts} s");
    t.state.clock.advance(lasts - 1);
    let (s, v) = sign_in(&t, &pair).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));
    t.state.clock.advance(1);
    ashyq_server::housekeeping::run(&t.state).await;
    let (s, v) = sign_in(&t, &pair).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = sign_in(&t, &pair).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "proof_replayed"));
}
both!(a_replayed_aitu_pair_is_refused);

/// The database keeps a digest of the pair, never the proof.
async fn used_pairs_are_kept_as_digests(backend: Backend) {
    let Some(t) = setup_with(backend, production()).await else {
        return;
    };
    t.citizens(&[1]).await;
    let pair = aitu_pair(1);
    assert_eq!(sign_in(&t, &pair).await.0, StatusCode::OK);
    let me_sign = pair["proof"]["me"]["sign"].as_str().unwrap();
    let phone_sign = pair["proof"]["phone"]["sign"].as_str().unwrap();
    let now = t.state.now();
    // The digest of this pair is taken; its signs are not.
    let digest = ashyq_core::encoding::hex_encode(
        &ashyq_core::hostproof::verify_aitu(
            &pair["proof"]["me"],
            &pair["proof"]["phone"],
            AITU_KEY,
        )
        .unwrap()
        .pair,
    );
    assert!(!t
        .state
        .store
        .use_host_proof(&digest, now + 60, now)
        .await
        .unwrap());
    for sign in [me_sign, phone_sign] {
        assert!(t
            .state
            .store
            .use_host_proof(sign, now + 60, now)
            .await
            .unwrap());
    }
}
both!(used_pairs_are_kept_as_digests);

/// In `--dev` (which opens a session for any IIN without a proof) the emulator signs the
/// same person in again with the same pair: no replay refusal there.
#[tokio::test]
async fn dev_mode_lets_the_emulator_sign_in_again() {
    let t = setup_with(Backend::Sqlite, common::config()).await.unwrap();
    t.citizens(&[1]).await;
    let mut me = json!({"id": "aitu-1", "name": "Имя", "lastname": "Фамилия"});
    me["sign"] = json!(aitu_sign(&me, dev_secrets::AITU_API_KEY).unwrap());
    let mut phone = json!({"phone": person(1).phone});
    phone["sign"] = json!(aitu_sign(&phone, dev_secrets::AITU_API_KEY).unwrap());
    let pair = json!({"proof": {"kind": "aitu", "me": me, "phone": phone}});
    for _ in 0..2 {
        let (s, v) = sign_in(&t, &pair).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

fn citizen(iin: &str, name: &str, parent: &str) -> Value {
    json!({"iin": iin, "name": name, "lastname": "Бала", "phone": null, "aitu_id": null,
           "telegram_id": null, "vk_id": null, "parent_iin": parent})
}

async fn dependants_of(t: &T, n: u32) -> Vec<String> {
    let (s, v) = t
        .call(
            "POST",
            "/v1/session",
            None,
            Some(json!({"proof": {"kind": "dev", "iin": person(n).iin}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["dependants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["masked_name"].as_str().unwrap().to_owned())
        .collect()
}

/// An import gives a child another parent only with `change_parent`, and the audit log
/// records it with the key that did it; without the flag that row alone is refused.
async fn a_childs_parent_changes_only_with_the_flag_and_is_audited(t: common::T) {
    t.citizens(&[1, 2]).await;
    let child = ashyq_server::demo::complete_id("150310500");
    let sibling = ashyq_server::demo::complete_id("160420600");
    let (s, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "family-1",
                "citizens": [citizen(&child, "Алихан", &person(1).iin)]})),
        )
        .await;
    assert_eq!(
        (s, r["rejected"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{r}"
    );
    assert_eq!(dependants_of(&t, 1).await, vec!["Алихан Б."]);

    // Without the flag: the parent stays; the rest of the batch is imported.
    let (s, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "family-2", "citizens": [
                citizen(&child, "Алихан", &person(2).iin),
                citizen(&sibling, "Аяна", &person(1).iin),
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["errors"][0]["code"], "parent_linked");
    assert_eq!(r["errors"][0]["row"], 0);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("change_parent"),
        "{r}"
    );
    assert_eq!(dependants_of(&t, 1).await, vec!["Алихан Б.", "Аяна Б."]);
    assert!(dependants_of(&t, 2).await.is_empty());
    // The same parent again is no change: no flag needed.
    let (_, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "family-3",
                "citizens": [citizen(&child, "Алихан", &person(1).iin)]})),
        )
        .await;
    assert_eq!(r["rejected"].as_u64(), Some(0), "{r}");
    let audited = |log: &[ashyq_server::store::AuditRecord]| {
        log.iter()
            .filter(|e| e.action == "change_parent")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(audited(&t.state.store.audit_log(50).await.unwrap()).is_empty());

    // With the flag: the child is the other parent's now, and the log says who did it.
    let mut row = citizen(&child, "Алихан", &person(2).iin);
    row["change_parent"] = json!(true);
    let (_, r) = t
        .call(
            "POST",
            "/v1/import",
            Some(ADMIN),
            Some(json!({"batch_id": "family-4", "citizens": [row]})),
        )
        .await;
    assert_eq!(r["rejected"].as_u64(), Some(0), "{r}");
    assert_eq!(dependants_of(&t, 1).await, vec!["Аяна Б."]);
    assert_eq!(dependants_of(&t, 2).await, vec!["Алихан Б."]);
    let log = audited(&t.state.store.audit_log(50).await.unwrap());
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (log[0].actor_kind.as_str(), log[0].actor_id.as_str()),
        ("key", "dev")
    );
    let child_id = t
        .state
        .store
        .find_citizen(&ashyq_server::store::Lookup::Iin(child.clone()))
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        log[0].subject.as_deref(),
        Some(ashyq_server::store::subject(child_id).as_str())
    );
    assert!(!log[0].detail.contains(&person(1).iin), "{:?}", log[0]);

    // CSV carries the flag as a column.
    let csv = format!(
        "iin,name,lastname,parent_iin,change_parent\n{child},Алихан,Бала,{},yes\n",
        person(1).iin
    );
    let (s, r) = t
        .raw(
            "POST",
            "/v1/import?kind=citizens&batch_id=family-5",
            Some(ADMIN),
            Some(&csv),
            Some("text/csv"),
        )
        .await;
    assert_eq!(
        (s, r["rejected"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{r}"
    );
    assert_eq!(dependants_of(&t, 1).await, vec!["Алихан Б.", "Аяна Б."]);
}
on_both!(a_childs_parent_changes_only_with_the_flag_and_is_audited);

/// Two integrators using the same batch id each import their own batch; a retry is
/// matched with the sender's own batch only.
async fn batch_ids_are_per_import_key(backend: Backend) {
    let Some(t) = setup_with(backend, production()).await else {
        return;
    };
    let row = |n: u32| {
        json!({"iin": person(n).iin, "name": format!("Имя{n}"), "lastname": "Ф",
               "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null})
    };
    let a = json!({"batch_id": "daily-2026-11-28", "citizens": [row(1)]});
    let b = json!({"batch_id": "daily-2026-11-28", "citizens": [row(2), row(3)]});
    let import = |key: &'static str, batch: &Value| {
        let (t, batch) = (&t, batch.clone());
        async move { t.call("POST", "/v1/import", Some(key), Some(batch)).await }
    };
    let (s, r) = import(LAB_A, &a).await;
    assert_eq!(
        (s, r["accepted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{r}"
    );
    let (s, r) = import(LAB_B, &b).await;
    assert_eq!(
        (s, r["accepted"].as_u64(), r["duplicate_batch"].as_bool()),
        (StatusCode::OK, Some(2), Some(false)),
        "another key's batch id is no conflict: {r}"
    );
    for n in [1, 2, 3] {
        let found = t
            .state
            .store
            .find_citizen(&ashyq_server::store::Lookup::Iin(person(n).iin))
            .await
            .unwrap();
        assert!(found.is_some(), "person {n} imported");
    }
    // Retries: each key sees its own batch, with its own counts.
    let (s, r) = import(LAB_A, &a).await;
    assert_eq!(
        (s, r["accepted"].as_u64(), r["duplicate_batch"].as_bool()),
        (StatusCode::OK, Some(1), Some(true)),
        "{r}"
    );
    let (_, r) = import(LAB_B, &b).await;
    assert_eq!(
        (r["accepted"].as_u64(), r["duplicate_batch"].as_bool()),
        (Some(2), Some(true)),
        "{r}"
    );
    // Other rows under one's own id are still a conflict.
    let (s, r) = import(LAB_A, &b).await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::CONFLICT, "batch_conflict"),
        "{r}"
    );
}
both!(batch_ids_are_per_import_key);
