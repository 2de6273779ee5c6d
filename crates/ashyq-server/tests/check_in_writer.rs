//! The check-in writers (SQLite's group committer, PostgreSQL's batched lanes) under
//! concurrent scans through one store: every acknowledged scan is recorded once, one
//! person's scans are written in the order they arrived, and a scan that fails or is
//! refused inside a batch leaves the others of its batch recorded.
//!
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test check_in_writer
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::sync::Arc;
use std::task::Poll;

use ashyq_core::status::Policy;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::Timestamp;
use ashyq_server::store::{NewVenue, Scan, ScanResult, Store, StoreResult, Venue};
use common::{person, setup, Backend};
use futures::future::{join_all, maybe_done};

const PEOPLE: u32 = 40;
const SCANS_EACH: usize = 6;

fn scan(person: &str, venue: &Venue, id: String) -> Scan {
    Scan {
        client_visit_id: id,
        person: person.to_owned(),
        venue: venue.clone(),
        entrance: 1,
        direction: Direction::In,
        guard_staff: None,
    }
}

async fn venues(store: &Arc<dyn Store>, n: usize, now: Timestamp) -> Vec<Venue> {
    let mut out = Vec::new();
    for i in 0..n {
        let new = NewVenue {
            bin: ashyq_server::demo::complete_id("170540033"),
            business_name: format!("Кафе {i}"),
            address: "Алматы, Абай 1".into(),
            category: Category::Restaurant,
            pcr_required: false,
            entrances: 1,
        };
        out.push(store.add_venue(&new, now).await.unwrap());
    }
    out
}

/// Sends `scans` all at once, in this order: each is polled once (which queues it with
/// its writer) before the next, then all are awaited together.
async fn burst(
    store: &Arc<dyn Store>,
    scans: Vec<(Scan, Timestamp)>,
    policy: &Policy,
) -> Vec<StoreResult<ScanResult>> {
    let mut pending: Vec<_> = scans
        .into_iter()
        .map(|(s, at)| {
            Box::pin(maybe_done(
                async move { store.check_in(s, at, policy).await },
            ))
        })
        .collect();
    for fut in &mut pending {
        poll_fn(|cx| {
            let _ = fut.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
    }
    join_all(pending.iter_mut()).await;
    pending
        .iter_mut()
        .map(|f| f.as_mut().take_output().unwrap())
        .collect()
}

fn recorded(r: &StoreResult<ScanResult>) -> Option<&ScanResult> {
    r.as_ref()
        .ok()
        .filter(|r| matches!(r, ScanResult::Recorded { replay: false, .. }))
}

async fn concurrent_scans_are_recorded_once_and_in_order(backend: Backend) {
    let Some(t) = setup(backend).await else {
        return;
    };
    let ns: Vec<u32> = (1..=PEOPLE).collect();
    t.citizens(&ns).await;
    let store = t.state.store.clone();
    let policy = t.state.config.policy.clone();
    let now = t.state.now();
    let venues = venues(&store, SCANS_EACH, now).await;

    // Every person's scans interleaved with everyone else's, all at once: person n's
    // k-th scan at venue k, a second after their (k-1)-th.
    let mut scans = Vec::new();
    for (k, venue) in venues.iter().enumerate() {
        for &n in &ns {
            let iin = person(n).iin;
            let id = format!("writer-{n:03}-{k:02}-0123456789");
            scans.push((scan(&iin, venue, id), now + k as i64));
        }
    }
    let results = burst(&store, scans.clone(), &policy).await;

    for ((s, _), r) in scans.iter().zip(&results) {
        let Some(ScanResult::Recorded {
            visit,
            closed_visit_id,
            ..
        }) = recorded(r)
        else {
            panic!("{} not recorded: {r:?}", s.client_visit_id);
        };
        assert_eq!(visit.id, s.client_visit_id);
        // In arrival order: each scan closes the one its person sent before it.
        let k: usize = s.client_visit_id[11..13].parse().unwrap();
        let previous =
            (k > 0).then(|| format!("{}{:02}-0123456789", &s.client_visit_id[..11], k - 1));
        assert_eq!(closed_visit_id, &previous, "{}", s.client_visit_id);
    }

    // What was acknowledged is in the diary, once.
    for &n in &ns {
        let iin = person(n).iin;
        let diary = store
            .visits(&iin, now + SCANS_EACH as i64, &policy, 100)
            .await
            .unwrap();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for v in &diary {
            *seen.entry(v.id.as_str()).or_default() += 1;
        }
        assert_eq!(diary.len(), SCANS_EACH, "{iin}: {diary:?}");
        assert!(seen.values().all(|&c| c == 1), "{iin}: {diary:?}");
        // Newest first, each closed by the next one's entry.
        for pair in diary.windows(2) {
            assert_eq!(
                pair[1].exited_at,
                Some(pair[0].entered_at),
                "{iin}: {diary:?}"
            );
        }
    }

    // The same burst again is all replays: nothing written twice.
    let again = burst(&store, scans, &policy).await;
    assert!(again
        .iter()
        .all(|r| matches!(r, Ok(ScanResult::Recorded { replay: true, .. }))));
}

async fn one_bad_scan_leaves_its_batch_recorded(backend: Backend) {
    let Some(t) = setup(backend).await else {
        return;
    };
    let ns: Vec<u32> = (1..=PEOPLE).collect();
    t.citizens(&ns).await;
    let store = t.state.store.clone();
    let policy = t.state.config.policy.clone();
    let now = t.state.now();
    let venues = venues(&store, 2, now).await;
    let iin = |n: u32| person(n).iin;

    // Everyone is inside venue 0.
    let first: Vec<_> = ns
        .iter()
        .map(|&n| {
            (
                scan(&iin(n), &venues[0], format!("first-{n:03}-0123456789")),
                now,
            )
        })
        .collect();
    assert!(burst(&store, first, &policy)
        .await
        .iter()
        .all(|r| recorded(r).is_some()));

    // Then everyone moves to venue 1 at once, among them three bad scans: an id another
    // person holds, a replayed id with another venue, and a venue name PostgreSQL cannot
    // store (a NUL character; SQLite keeps it), written after the scan closed its
    // person's visit at venue 0.
    let mut poisoned = venues[1].clone();
    poisoned.business_name = "Кафе\0".into();
    let later = now + 60;
    let mut scans: Vec<_> = ns
        .iter()
        .map(|&n| {
            let s = scan(&iin(n), &venues[1], format!("second-{n:03}-0123456789"));
            (s, later)
        })
        .collect();
    scans[5].0.client_visit_id = "first-001-0123456789".into(); // person 6 uses person 1's id
    scans[10].0.client_visit_id = "first-011-0123456789".into(); // person 11's own, elsewhere
    scans[20].0.venue = poisoned;
    let results = burst(&store, scans, &policy).await;

    assert!(
        matches!(results[5], Ok(ScanResult::IdTaken)),
        "{:?}",
        results[5]
    );
    assert!(
        matches!(results[10], Ok(ScanResult::IdConflict)),
        "{:?}",
        results[10]
    );
    if backend == Backend::Postgres {
        assert!(results[20].is_err(), "{:?}", results[20]);
    }
    for (i, r) in results.iter().enumerate() {
        if ![5, 10, 20].contains(&i) {
            assert!(recorded(r).is_some(), "scan {i}: {r:?}");
        }
    }
    // The refused and failed scans wrote nothing: their people are still inside venue 0.
    for (i, n) in [(5, 6), (10, 11), (20, 21)] {
        if i == 20 && backend == Backend::Sqlite {
            continue;
        }
        let diary = store.visits(&iin(n), later, &policy, 10).await.unwrap();
        assert_eq!(diary.len(), 1, "person {n}: {diary:?}");
        assert_eq!(diary[0].venue_id, venues[0].id);
        assert_eq!(diary[0].exited_at, None, "person {n}: {diary:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_scans_are_recorded_once_and_in_order() {
    concurrent_scans_are_recorded_once_and_in_order(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_scans_are_recorded_once_and_in_order() {
    concurrent_scans_are_recorded_once_and_in_order(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_bad_scan_leaves_its_batch_recorded() {
    one_bad_scan_leaves_its_batch_recorded(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_bad_scan_leaves_its_batch_recorded() {
    one_bad_scan_leaves_its_batch_recorded(Backend::Postgres).await;
}
