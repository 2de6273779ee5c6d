//! A database left behind by the server before sqlx migrations (schema v2, its versions in
//! `schema_migrations`) opens with today's server with every row intact, and the app works
//! on it. The fixtures were made by that server (`tests/fixtures/make_v2_fixtures.sh`).
//!
//!   cargo test -p ashyq-server --test upgrade
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::str::FromStr;
use std::sync::Arc;

use ashyq_core::venue::Direction;
use ashyq_server::store::{Lookup, PgStore, SqliteStore};
use ashyq_server::{app, venues, AppState};
use axum::http::StatusCode;
use common::{config, pg_url, temp_dir, T};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// Every table of schema v2 with all its columns.
const TABLES: &[(&str, &[&str])] = &[
    ("schema_migrations", &["version", "applied_at"]),
    (
        "citizens",
        &[
            "id",
            "iin",
            "name",
            "lastname",
            "phone",
            "aitu_id",
            "telegram_id",
            "vk_id",
            "updated_at",
        ],
    ),
    (
        "venues",
        &[
            "id",
            "bin",
            "business_name",
            "address",
            "category",
            "pcr_required",
            "entrances",
            "created_at",
        ],
    ),
    (
        "visits",
        &[
            "id",
            "person",
            "venue_id",
            "venue_name",
            "address",
            "category",
            "entrance",
            "entered_at",
            "exited_at",
            "exit_kind",
            "cancelled",
        ],
    ),
    (
        "scans",
        &[
            "id",
            "person",
            "visit_id",
            "direction",
            "closed_visit_id",
            "at",
        ],
    ),
    ("pcr", &["iin", "taken_at", "positive"]),
    ("contacts", &["iin", "listed_at"]),
    ("vaccinations", &["iin", "at", "course_complete"]),
    ("recoveries", &["iin", "at"]),
    (
        "import_batches",
        &["batch_id", "imported_at", "accepted", "rejected"],
    ),
    ("pending_tracing", &["iin", "taken_at", "queued_at"]),
];

/// One line of text per row (`table: a | b | NULL`), sorted; the same SQL in both dialects.
fn snapshot_sql(table: &str, columns: &[&str]) -> String {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), 'NULL')"))
        .collect();
    format!(
        "SELECT '{table}: ' || {} AS line FROM {table} ORDER BY 1",
        cells.join(" || ' | ' || ")
    )
}

async fn snapshot_sqlite(pool: &SqlitePool) -> Vec<String> {
    let mut lines = Vec::new();
    for (table, columns) in TABLES {
        let rows: Vec<String> = sqlx::query_scalar(&snapshot_sql(table, columns))
            .fetch_all(pool)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "the fixture has rows in {table}");
        lines.extend(rows);
    }
    lines
}

async fn snapshot_pg(pool: &PgPool) -> Vec<String> {
    let mut lines = Vec::new();
    for (table, columns) in TABLES {
        let rows: Vec<String> = sqlx::query_scalar(&snapshot_sql(table, columns))
            .fetch_all(pool)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "the fixture has rows in {table}");
        lines.extend(rows);
    }
    lines
}

/// The fixtures are an older `--dev --demo` run's database, and the checks below sign in
/// with dev identities. A dev server now refuses data it did not mark as its own
/// (`devmode::claim`); the mark is what that run would have left.
const AN_OLDER_DEV_RUN: &str = "INSERT INTO server_instance (name, value) VALUES ('mode', 'dev')";

const SQLX_VERSIONS: &str = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";

/// Every migration version in a dialect's directory: an upgraded database has them all.
fn all_versions(dialect: &str) -> Vec<i64> {
    let dir = format!("{}/migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.split('_').next()?.parse().ok()
        })
        .collect();
    v.sort();
    v
}

/// The v2 rows as migration 0004 leaves them: phones in E.164 (v2 kept digits only).
fn after_v4(before: &[String]) -> Vec<String> {
    before
        .iter()
        .map(|line| {
            let Some(row) = line.strip_prefix("citizens: ") else {
                return line.clone();
            };
            let mut cols: Vec<String> = row.split(" | ").map(str::to_owned).collect();
            if cols[4] != "NULL" && !cols[4].starts_with('+') {
                cols[4] = format!("+{}", cols[4]);
            }
            format!("citizens: {}", cols.join(" | "))
        })
        .collect()
}

/// What the fixture's rows mean to the app: found through the store, and a check-in on a
/// venue and by a citizen that the old server registered.
async fn the_app_works_on_the_old_rows(t: &T) {
    let store = &t.state.store;
    let venues = store.venues().await.unwrap();
    assert_eq!(venues.len(), 5);
    let cafe = venues
        .iter()
        .find(|v| v.business_name == "Кафе «Достық»")
        .unwrap()
        .clone();
    assert_eq!(cafe.entrances, 2);
    // The demo's RED citizen: the demo's positive and the CSV's.
    let red = store.health_records("850312300002").await.unwrap();
    assert_eq!(red.pcr.len(), 2);
    let imported = store.health_records("850101400031").await.unwrap();
    assert_eq!(
        (
            imported.pcr.len(),
            imported.vaccinations.len(),
            imported.recoveries.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(
        store.pending_tracing().await.unwrap(),
        vec![("850101400031".to_owned(), 1_764_000_000)]
    );
    let by_phone = store
        .find_citizen(&Lookup::Phone("+77051112233".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_phone.iin, "850101400031");

    let token = t.login_iin("920721400008").await;
    let (s, v) = t.call("GET", "/v1/visits", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["visits"][0]["id"], "fixture-visit-in-2-0000");
    assert_eq!(v["visits"][0]["cancelled"], true);

    let code = venues::code(&t.state, &cafe, 1, Direction::In).unwrap();
    let token = t.login_iin("850101400031").await;
    let (s, v) = t
        .scan(&token, &venues::url(&t.state, &code), "after-upgrade-0001")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["visit"]["id"], "after-upgrade-0001");
    assert_eq!(v["visit"]["venue_id"], cafe.id);
}

#[tokio::test]
async fn a_sqlite_database_of_schema_v2_upgrades_in_place() {
    let dir = temp_dir("upgrade");
    let db = dir.join("ashyq.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v2.sqlite"),
        &db,
    )
    .unwrap();
    let direct = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&db))
        .await
        .unwrap();
    let before = snapshot_sqlite(&direct).await;

    let store = Arc::new(SqliteStore::open(&db).await.unwrap());
    assert_eq!(snapshot_sqlite(&direct).await, after_v4(&before));
    let versions: Vec<i64> = sqlx::query_scalar(SQLX_VERSIONS)
        .fetch_all(&direct)
        .await
        .unwrap();
    assert_eq!(versions, all_versions("sqlite"));
    // Opening again finds nothing to adopt or apply.
    SqliteStore::open(&db).await.unwrap();

    sqlx::query(AN_OLDER_DEV_RUN)
        .execute(&direct)
        .await
        .unwrap();
    let state = AppState::new(config(), store, &dir).await.unwrap();
    let t = T {
        app: app(state.clone()),
        state,
        dir,
    };
    the_app_works_on_the_old_rows(&t).await;
}

#[tokio::test]
async fn a_postgres_schema_of_schema_v2_upgrades_in_place() {
    let Some(url) = pg_url() else { return };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("upgrade_{}_{nanos}", std::process::id());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let dump = include_str!("fixtures/v2.postgres.sql").replace("@SCHEMA@", &schema);
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}; {dump}"))
        .execute(&admin)
        .await
        .unwrap();
    let direct = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            PgConnectOptions::from_str(&url)
                .unwrap()
                .options([("search_path", schema.as_str())]),
        )
        .await
        .unwrap();
    let before = snapshot_pg(&direct).await;

    let store = Arc::new(PgStore::connect(&url, Some(&schema), 4).await.unwrap());
    assert_eq!(snapshot_pg(&direct).await, after_v4(&before));
    let versions: Vec<i64> = sqlx::query_scalar(SQLX_VERSIONS)
        .fetch_all(&direct)
        .await
        .unwrap();
    assert_eq!(versions, all_versions("postgres"));
    PgStore::connect(&url, Some(&schema), 1).await.unwrap();

    sqlx::query(AN_OLDER_DEV_RUN)
        .execute(&direct)
        .await
        .unwrap();
    let dir = temp_dir("upgrade-pg");
    let state = AppState::new(config(), store, &dir).await.unwrap();
    let t = T {
        app: app(state.clone()),
        state,
        dir,
    };
    the_app_works_on_the_old_rows(&t).await;
    drop(t);
    direct.close().await;
    sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
}
