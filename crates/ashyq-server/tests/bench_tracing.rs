//! Contact-tracing benchmark (ignored in normal runs; prints numbers, asserts only that the
//! work was done). On SQLite and PostgreSQL, at a venue with 10,000 visits in one day:
//! - import: a positive whose case was there for 3 hours, its contacts listed;
//! - scans while a RED person is inside: visitors' entries and exits (an exit is traced
//!   against the case's stay), against the same at a venue with no case; then the case's
//!   own exit (traced against everyone around it).
//!
//!   scripts/bench_tracing.sh   (or: cargo test --profile server -p ashyq-server
//!   --test bench_tracing -- --ignored --nocapture; PostgreSQL from ASHYQ_TEST_POSTGRES_URL)
#![allow(clippy::unwrap_used)] // a benchmark: a panic is the failure report

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use ashyq_core::api::{ImportBatch, PcrRow};
use ashyq_core::status::Policy;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::{Timestamp, HOUR, MINUTE};
use ashyq_server::store::{NewVenue, Scan, ScanResult, Store, Venue};
use common::{person, setup, Backend, T};
use tokio::task::JoinSet;

const VISITS: usize = 10_000;
const DAY_LENGTH: i64 = 12 * HOUR;
const PROBES: usize = 200;

fn scan(person: &str, venue: &Venue, direction: Direction, id: String) -> Scan {
    Scan {
        client_visit_id: id,
        person: person.to_owned(),
        venue: venue.clone(),
        entrance: 1,
        direction,
        guard_staff: None,
    }
}

async fn check_in(store: &Arc<dyn Store>, s: Scan, now: Timestamp, policy: &Policy) -> u64 {
    let id = s.client_visit_id.clone();
    let result = store.check_in(s, now, policy).await;
    match result.unwrap_or_else(|e| panic!("scan {id} at {now}: {e}")) {
        ScanResult::Recorded { listed, .. } => listed,
        other => panic!("scan not recorded: {other:?}"),
    }
}

async fn venue(store: &Arc<dyn Store>, name: &str, day0: Timestamp) -> Venue {
    let new = NewVenue {
        bin: ashyq_server::demo::complete_id("170540033"),
        business_name: name.into(),
        address: "Алматы, Абай 1".into(),
        category: Category::Restaurant,
        pcr_required: false,
        entrances: 1,
    };
    store.add_venue(&new, day0).await.unwrap()
}

/// `VISITS` visitors over `DAY_LENGTH` from `day0`, each in and out after 20–60 minutes,
/// written by 64 clients at once (SQLite commits them in groups, as under load).
async fn fill(store: &Arc<dyn Store>, venue: &Venue, day0: Timestamp, tag: &str, policy: &Policy) {
    let mut tasks = JoinSet::new();
    for client in 0..64 {
        let (store, venue, tag, policy) =
            (store.clone(), venue.clone(), tag.to_owned(), policy.clone());
        tasks.spawn(async move {
            for i in (client..VISITS).step_by(64) {
                let person = format!("{tag}{i:09}");
                let at = day0 + DAY_LENGTH * i as i64 / VISITS as i64;
                let stay = (20 + (i as i64 * 7) % 40) * MINUTE;
                let id = |d: &str| format!("{tag}-{i:09}-{d}-fill");
                check_in(
                    &store,
                    scan(&person, &venue, Direction::In, id("in")),
                    at,
                    &policy,
                )
                .await;
                let out = scan(&person, &venue, Direction::Out, id("out"));
                check_in(&store, out, at + stay, &policy).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

fn millis(mut samples: Vec<f64>) -> String {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let mean = samples.iter().sum::<f64>() / n as f64;
    let p = |q: f64| samples[((n as f64 * q) as usize).min(n - 1)];
    format!(
        "n={n} mean={mean:.2} ms p50={:.2} ms p99={:.2} ms",
        p(0.5),
        p(0.99)
    )
}

/// `PROBES` visitors, one after another: in at `at + i s`, out 10 minutes later. Returns
/// the entry and exit latencies and how many contacts the exits listed.
async fn probes(
    store: &Arc<dyn Store>,
    venue: &Venue,
    at: Timestamp,
    tag: &str,
    policy: &Policy,
) -> (Vec<f64>, Vec<f64>, u64) {
    let (mut ins, mut outs, mut listed) = (Vec::new(), Vec::new(), 0);
    for i in 0..PROBES {
        let person = format!("{tag}{i:09}");
        let id = |d: &str| format!("{tag}-{i:09}-{d}-probe");
        let start = Instant::now();
        check_in(
            store,
            scan(&person, venue, Direction::In, id("in")),
            at + i as i64,
            policy,
        )
        .await;
        ins.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    for i in 0..PROBES {
        let person = format!("{tag}{i:09}");
        let id = |d: &str| format!("{tag}-{i:09}-{d}-probe");
        let out = scan(&person, venue, Direction::Out, id("out"));
        let start = Instant::now();
        listed += check_in(store, out, at + 10 * MINUTE + i as i64, policy).await;
        outs.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    (ins, outs, listed)
}

async fn bench(t: T, backend: &str) {
    let store = t.state.store.clone();
    let policy = t.state.config.policy.clone();
    let day0 = t.state.now();
    let listed = || t.state.metrics.contacts_listed.load(Ordering::Relaxed);

    let cafe = venue(&store, "Кафе", day0).await;
    let hall = venue(&store, "Зал", day0).await;
    let quiet = venue(&store, "Тихо", day0).await;
    let start = Instant::now();
    for (v, tag) in [(&cafe, "A"), (&hall, "B"), (&quiet, "C")] {
        fill(&store, v, day0, tag, &policy).await;
    }
    println!(
        "{backend}: wrote 3 venues x {VISITS} visits in one day ({} scans) in {:.1} s",
        6 * VISITS,
        start.elapsed().as_secs_f64()
    );

    // Import: the case was at the cafe from hour 8 to hour 11.
    let case = person(1).iin;
    let case = case.as_str();
    let (case_in, case_out) = (day0 + 8 * HOUR, day0 + 11 * HOUR);
    check_in(
        &store,
        scan(case, &cafe, Direction::In, "case-in-000000001".into()),
        case_in,
        &policy,
    )
    .await;
    check_in(
        &store,
        scan(case, &cafe, Direction::Out, "case-out-00000001".into()),
        case_out,
        &policy,
    )
    .await;
    t.state.clock.advance(DAY_LENGTH + HOUR);
    let batch = ImportBatch {
        batch_id: "bench-positive".into(),
        pcr: vec![PcrRow {
            iin: case.into(),
            taken_at: t.state.now(),
            positive: true,
        }],
        ..Default::default()
    };
    let before = listed();
    let start = Instant::now();
    let report =
        ashyq_server::import::run(&t.state, &common::test_actor(), &batch, Vec::new(), None)
            .await
            .unwrap();
    let took = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(report.accepted, 1);
    let contacts = listed() - before;
    assert!(contacts > 1000, "{contacts} contacts");
    println!(
        "{backend}: import of one positive, case 3 h at a venue with {VISITS} visits that day: \
         {took:.1} ms, {contacts} contacts listed"
    );

    // Scans at the end of the busy day (the last 3 hours of visits within reach), with a
    // RED person inside the hall; the quiet venue has no case.
    let red = person(2).iin;
    let red = red.as_str();
    let now = day0 + DAY_LENGTH;
    let batch = ImportBatch {
        batch_id: "bench-red".into(),
        pcr: vec![PcrRow {
            iin: red.into(),
            taken_at: day0,
            positive: true,
        }],
        ..Default::default()
    };
    ashyq_server::import::run(&t.state, &common::test_actor(), &batch, Vec::new(), None)
        .await
        .unwrap();
    // Warm-up (caches, connections), not measured.
    probes(&store, &quiet, now - HOUR, "W", &policy).await;
    check_in(
        &store,
        scan(red, &hall, Direction::In, "red-in-0000000001".into()),
        now,
        &policy,
    )
    .await;
    let (ins, outs, exposed) = probes(&store, &hall, now + 1, "P", &policy).await;
    assert_eq!(exposed, PROBES as u64, "every visitor's exit lists them");
    let (q_ins, q_outs, none) = probes(&store, &quiet, now + 1, "Q", &policy).await;
    assert_eq!(none, 0);
    println!(
        "{backend}: entry scan, RED person inside, {VISITS} visits that day: {}",
        millis(ins)
    );
    println!(
        "{backend}: exit scan, RED person inside (lists the visitor):  {}",
        millis(outs)
    );
    println!(
        "{backend}: entry scan, no case at the venue:                  {}",
        millis(q_ins)
    );
    println!(
        "{backend}: exit scan, no case at the venue:                   {}",
        millis(q_outs)
    );
    let start = Instant::now();
    let red_out = scan(red, &hall, Direction::Out, "red-out-000000001".into());
    let by_case = check_in(&store, red_out, now + HOUR, &policy).await;
    println!(
        "{backend}: the RED person's exit after 1 h (traced against every stay around it): \
         {:.1} ms, {by_case} contacts listed",
        start.elapsed().as_secs_f64() * 1000.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by scripts/bench_tracing.sh"]
async fn tracing_at_a_busy_venue() {
    for (backend, name) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
        match setup(backend).await {
            Some(t) => bench(t, name).await,
            None => println!("{name}: skipped (no database)"),
        }
    }
}
