//! Two API nodes on one PostgreSQL database, as in production behind a load balancer: two
//! real server processes, one schema, the signing keys sealed in it. Requests are spread
//! across both: a session from one node works on the other, the same client_visit_id sent
//! to both at once makes one visit, a positive imported through both nodes at once lists
//! each contact once, a key rotation on one node is in use on the other within its
//! refresh interval, and both publish the same keys.
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test two_nodes
//! (skipped loudly without the URL; ASHYQ_REQUIRE_POSTGRES=1 makes it fail instead).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ashyq_core::keys::KeySet;
use common::{person, telegram_init_now};
use serde_json::{json, Value};

const BOT: &str = "424242:two-nodes-bot-token";
const IMPORT_KEY: &str = "b867109993cb6e165d679b46ef459a6b74d84ec3546340a439052b4b2652d43b";
const OPS_KEY: &str = "7bf66b64c8cbc0ba8a31dafde58acc781a5341d9ff536d469ae2a817961b4930";
const KEK: &str = "74776f206e6f646573206b65792d656e6372797074696f6e206b657921212121";

struct Node {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(url: &str) -> Node {
    let port = free_port();
    let dir = common::temp_dir("node");
    let child = Command::new(env!("CARGO_BIN_EXE_ashyq-server"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--rate-limit-per-minute", "0"])
        .args(["--person-rate-limit-per-minute", "0"])
        .args(["--telegram-bot-token", BOT])
        .args(["--import-api-keys", &format!("import:{IMPORT_KEY}")])
        .args(["--ops-api-keys", &format!("ops:{OPS_KEY}")])
        .args(["--database-url", url])
        .arg("--data-dir")
        .arg(&dir)
        .env("ASHYQ_KEY_ENCRYPTION_KEY", KEK)
        .env("ASHYQ_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let node = Node {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{}/healthz", node.base)).send().await {
            if r.status() == 200 {
                return node;
            }
        }
        assert!(Instant::now() < deadline, "a node did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(
    client: &reqwest::Client,
    node: &Node,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, format!("{}{path}", node.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn login(client: &reqwest::Client, node: &Node, n: u32) -> String {
    let init = telegram_init_now(n, BOT);
    let (s, v) = call(
        client,
        node,
        "POST",
        "/v1/session",
        None,
        Some(json!({"proof": {"kind": "telegram", "init_data": init}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

/// Visits with this id in a person's diary, as a node lists them.
async fn visits_with_id(client: &reqwest::Client, node: &Node, token: &str, id: &str) -> usize {
    let (s, v) = call(client, node, "GET", "/v1/visits", Some(token), None).await;
    assert_eq!(s, 200, "{v}");
    v["visits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["id"] == id)
        .count()
}

async fn status(client: &reqwest::Client, node: &Node, token: &str) -> String {
    let (s, v) = call(client, node, "GET", "/v1/me/status", Some(token), None).await;
    assert_eq!(s, 200, "{v}");
    v["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_nodes_share_one_postgresql() {
    let Some(url) = common::pg_url() else { return };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("two_nodes_{}_{nanos}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let node_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    // Both start at once on the empty schema: one makes the keys, both use them.
    let (a, b) = tokio::join!(start(&node_url), start(&node_url));
    let nodes = [&a, &b];
    let client = reqwest::Client::new();

    let (_, keys_a) = call(&client, &a, "GET", "/v1/keys", None, None).await;
    let (_, keys_b) = call(&client, &b, "GET", "/v1/keys", None, None).await;
    assert_eq!(keys_a, keys_b, "both nodes publish the same keys");

    // Citizens and the business registry through node A; the owner signs in on A and
    // registers premises on B with that session.
    let people: Vec<u32> = (1..=12).collect();
    let citizens: Vec<Value> = people
        .iter()
        .map(|&n| {
            json!({"iin": person(n).iin, "name": "Node", "lastname": "Test", "phone": null,
                "aitu_id": null, "telegram_id": person(n).telegram_id, "vk_id": null})
        })
        .collect();
    let bin = ashyq_server::demo::complete_id("180340021");
    let batch = json!({"batch_id": "two-nodes-registry", "citizens": citizens,
        "businesses": [{"bin": bin, "name": "Two nodes", "owner_iins": [person(1).iin]}]});
    let (s, v) = call(
        &client,
        &a,
        "POST",
        "/v1/import",
        Some(IMPORT_KEY),
        Some(batch),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let owner = login(&client, &a, 1).await;
    let premises = json!({"name": "Two nodes", "address": "Астана", "category": "grocery",
        "pcr_required": false, "entrances": 1});
    let (s, v) = call(
        &client,
        &b,
        "POST",
        &format!("/v1/business/{bin}/premises"),
        Some(&owner),
        Some(premises.clone()),
    )
    .await;
    assert_eq!(s, 201, "a session from node A works on node B: {v}");
    let entry = v["entrances"][0]["entry_code"].as_str().unwrap().to_owned();
    let exit = v["entrances"][0]["exit_code"].as_str().unwrap().to_owned();

    // Load spread over both nodes: every person checks in through one node, and sends
    // the same client_visit_id to both at once as a retry would; one visit each.
    let mut tokens = Vec::new();
    for &n in &people {
        tokens.push(login(&client, nodes[n as usize % 2], n).await);
    }
    let scans = people.iter().zip(&tokens).map(|(&n, token)| {
        let (client, entry, a, b) = (client.clone(), entry.clone(), &a, &b);
        let id = format!("two-nodes-visit-{n:08}");
        async move {
            let body = json!({"code": entry, "client_visit_id": id});
            let (ra, rb) = tokio::join!(
                call(
                    &client,
                    a,
                    "POST",
                    "/v1/visits",
                    Some(token),
                    Some(body.clone())
                ),
                call(&client, b, "POST", "/v1/visits", Some(token), Some(body)),
            );
            (id, ra, rb)
        }
    });
    for (id, (sa, va), (sb, vb)) in futures::future::join_all(scans).await {
        assert_eq!((sa, sb), (200, 200), "{va} {vb}");
        assert_eq!(va["visit"]["id"], id);
        assert_eq!(
            va["visit"], vb["visit"],
            "both nodes answer with the one visit"
        );
    }
    for (&n, token) in people.iter().zip(&tokens) {
        let id = format!("two-nodes-visit-{n:08}");
        for node in nodes {
            assert_eq!(visits_with_id(&client, node, token, &id).await, 1);
        }
    }
    let visits: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {schema}.visits WHERE id LIKE 'two-nodes-visit-%'"
    ))
    .fetch_one(&admin)
    .await
    .unwrap();
    assert_eq!(visits, people.len() as i64);

    // Person 1 tests positive after the stays (1 s long) ended through either node. The
    // result reaches node A, and a second later node B (a second lab's feed): each node
    // traces it, and everyone who was inside with them is listed once, not once per node.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (&n, token) in people.iter().zip(&tokens) {
        let (s, v) = call(
            &client,
            nodes[(n as usize + 1) % 2],
            "POST",
            "/v1/visits",
            Some(token),
            Some(json!({"code": exit, "client_visit_id": format!("two-nodes-exit-{n:08}")})),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let taken_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    let pcr = |batch: &str| json!({"batch_id": batch, "pcr": [{"iin": person(1).iin, "taken_at": taken_at, "positive": true}]});
    let (s, v) = call(
        &client,
        &a,
        "POST",
        "/v1/import",
        Some(IMPORT_KEY),
        Some(pcr("lab-a")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, v) = call(
        &client,
        &b,
        "POST",
        "/v1/import",
        Some(IMPORT_KEY),
        Some(pcr("lab-b")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for (&n, token) in people.iter().zip(&tokens).skip(1) {
        for node in nodes {
            assert_eq!(status(&client, node, token).await, "YELLOW", "person {n}");
        }
    }
    let listed: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT iin, COUNT(*) FROM {schema}.contacts GROUP BY iin ORDER BY iin"
    ))
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(listed.len(), people.len() - 1, "{listed:?}");
    assert!(
        listed.iter().all(|(_, times)| *times == 1),
        "each contact listed once: {listed:?}"
    );

    // A key rotation on node A: in use on node B within its refresh interval (5 s).
    let (s, rotated) = call(&client, &a, "POST", "/v1/keys/rotate", Some(OPS_KEY), None).await;
    assert_eq!(s, 200, "{rotated}");
    let new_venue = rotated["current_venue_key"].as_str().unwrap().to_owned();
    assert_ne!(keys_a["current_venue_key"], new_venue.as_str());
    let deadline = Instant::now() + ashyq_server::revocation::REFRESH + Duration::from_secs(3);
    let keys_b = loop {
        let (_, k) = call(&client, &b, "GET", "/v1/keys", None, None).await;
        if k["current_venue_key"] == new_venue.as_str() {
            break k;
        }
        assert!(
            Instant::now() < deadline,
            "node B still signs with the old key: {k}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (_, keys_a) = call(&client, &a, "GET", "/v1/keys", None, None).await;
    assert_eq!(keys_a, keys_b, "both nodes publish the same keys");
    assert_eq!(keys_b["venue_keys"].as_object().unwrap().len(), 2);
    // Node B signs new codes with the new key: they verify against it alone.
    let (s, v) = call(
        &client,
        &b,
        "POST",
        &format!("/v1/business/{bin}/premises"),
        Some(&owner),
        Some(premises),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let new_entry = v["entrances"][0]["entry_code"].as_str().unwrap();
    let new_key = keys_b["venue_keys"][&new_venue]
        .as_str()
        .unwrap()
        .to_owned();
    let only_new = KeySet::from_b64_pairs([(&new_venue, &new_key)]).unwrap();
    assert!(
        ashyq_core::venue::parse(new_entry, &only_new).is_ok(),
        "node B signed with the rotated key"
    );
    // The old code still works on both (old keys stay published).
    let (s, v) = call(
        &client,
        &a,
        "POST",
        "/v1/visits",
        Some(&tokens[1]),
        Some(json!({"code": new_entry, "client_visit_id": "two-nodes-after-rotation"})),
    )
    .await;
    assert_eq!(s, 200, "a code node B signed checks in on node A: {v}");

    drop((a, b));
    sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
}
