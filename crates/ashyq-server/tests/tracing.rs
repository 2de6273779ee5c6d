//! Contact tracing and imports a health authority can rely on (issue 14), through the API,
//! on SQLite and PostgreSQL. Run: cargo test -p ashyq-server --test tracing
//! (PostgreSQL with ASHYQ_TEST_POSTGRES_URL; skipped without it unless
//! ASHYQ_REQUIRE_POSTGRES=1).
#![allow(clippy::unwrap_used)] // a panic is the failure report

mod common;

use ashyq_core::{DAY, HOUR, MINUTE};
use axum::http::StatusCode;
use common::{person, ADMIN, T};
use serde_json::{json, Value};

fn code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

async fn import(t: &T, batch: Value) -> (StatusCode, Value) {
    t.call("POST", "/v1/import", Some(ADMIN), Some(batch)).await
}

async fn positive(t: &T, n: u32, taken_at: i64, batch: &str) {
    let (s, v) = import(
        t,
        json!({"batch_id": batch, "pcr": [{"iin": person(n).iin, "taken_at": taken_at, "positive": true}]}),
    )
    .await;
    assert_eq!(
        (s, v["accepted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
}

/// When `n` has been listed as a contact, in order.
async fn listed(t: &T, n: u32) -> Vec<i64> {
    let mut at = t
        .state
        .store
        .health_records(&person(n).iin)
        .await
        .unwrap()
        .contacts;
    at.sort_unstable();
    at
}

async fn scan_ok(t: &T, token: &str, code: &str, id: &str) -> Value {
    let (s, v) = t.scan(token, code, id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn status(t: &T, token: &str) -> Value {
    let (s, v) = t.call("GET", "/v1/me/status", Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Item 1: exposure is found whenever the overlap comes into being, not only at import.
/// The case is inside when the positive arrives; visitors who come later are listed when
/// either of them leaves — by an exit scan, by checking in elsewhere, or by auto-close.
async fn visitors_who_come_after_the_positive_are_listed(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2, 3, 4, 5, 6]).await;
    let tok: Vec<String> = [
        t.login(1).await,
        t.login(2).await,
        t.login(3).await,
        t.login(4).await,
        t.login(5).await,
        t.login(6).await,
    ]
    .into();
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    let (_, shop, _) = t.venue("grocery", "180340021").await;
    scan_ok(&t, &tok[0], &cafe, "late-case-00000001").await;
    t.state.clock.advance(5 * MINUTE);
    positive(&t, 1, t.state.now(), "pcr-inside").await;
    assert!(t.state.store.pending_tracing().await.unwrap().is_empty());

    // 2 comes in and leaves by the exit code while the case is inside.
    t.state.clock.advance(5 * MINUTE);
    scan_ok(&t, &tok[1], &cafe, "late-near-00000001").await;
    // 3 comes in and moves on to the shop: the new entry ends the stay.
    scan_ok(&t, &tok[2], &cafe, "late-move-00000001").await;
    // 4 comes in and is still inside when the case leaves.
    scan_ok(&t, &tok[3], &cafe, "late-stay-00000001").await;
    t.state.clock.advance(20 * MINUTE);
    let left = t.state.now();
    scan_ok(&t, &tok[1], &cafe_out, "late-near-00000002").await;
    assert_eq!(listed(&t, 2).await, vec![left], "listed at their exit");
    assert_eq!(status(&t, &tok[1]).await["status"], "YELLOW");
    t.state.clock.advance(MINUTE);
    scan_ok(&t, &tok[2], &shop, "late-move-00000002").await;
    assert_eq!(listed(&t, 3).await, vec![left + MINUTE]);
    t.state.clock.advance(MINUTE);
    let case_left = t.state.now();
    scan_ok(&t, &tok[0], &cafe_out, "late-case-00000002").await;
    assert_eq!(
        listed(&t, 4).await,
        vec![case_left],
        "listed when the case left"
    );
    // 5 came after the case left: not a contact.
    scan_ok(&t, &tok[4], &cafe, "late-after-0000001").await;
    t.state.clock.advance(10 * MINUTE);
    scan_ok(&t, &tok[4], &cafe_out, "late-after-0000002").await;
    assert_eq!(listed(&t, 5).await, Vec::<i64>::new());
    assert_eq!(status(&t, &tok[4]).await["status"], "BLUE");

    // Someone RED checks in at the shop; 6 comes later; nobody scans out: housekeeping's
    // auto-close ends both stays and lists 6.
    t.state.clock.advance(HOUR);
    let red_in = t.state.now();
    scan_ok(&t, &tok[0], &shop, "late-case-00000003").await;
    t.state.clock.advance(30 * MINUTE);
    scan_ok(&t, &tok[5], &shop, "late-shop-00000001").await;
    t.state.clock.advance(4 * HOUR);
    ashyq_server::housekeeping::run(&t.state).await;
    assert_eq!(
        listed(&t, 6).await,
        vec![red_in + 3 * HOUR],
        "listed until the case's stay auto-closed"
    );
}
on_both!(visitors_who_come_after_the_positive_are_listed);

/// Item 2: a positive dated a few seconds ahead (a lab clock running fast) is traced and
/// leaves the queue.
async fn a_positive_dated_ahead_is_traced(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2]).await;
    let (case, near) = (t.login(1).await, t.login(2).await);
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    scan_ok(&t, &case, &cafe, "ahead-case-0000001").await;
    t.state.clock.advance(10 * MINUTE);
    scan_ok(&t, &near, &cafe, "ahead-near-0000001").await;
    t.state.clock.advance(20 * MINUTE);
    scan_ok(&t, &near, &cafe_out, "ahead-near-0000002").await;
    let now = t.state.now();
    positive(&t, 1, now + 5, "pcr-ahead").await;
    assert!(
        t.state.store.pending_tracing().await.unwrap().is_empty(),
        "traced, off the queue"
    );
    assert_eq!(status(&t, &case).await["status"], "BLUE", "RED in 5 s");
    assert_eq!(listed(&t, 2).await, vec![now]);
    assert_eq!(status(&t, &near).await["status"], "YELLOW");
    t.state.clock.advance(5);
    assert_eq!(status(&t, &case).await["status"], "RED");
}
on_both!(a_positive_dated_ahead_is_traced);

/// Item 3: a positive reported 12 days after it was taken never makes its person RED, but
/// its contacts, exposed within the last 14 days, are listed.
async fn a_late_reported_positive_lists_its_contacts(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2]).await;
    let (case, near) = (t.login(1).await, t.login(2).await);
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    let taken = t.state.now();
    scan_ok(&t, &case, &cafe, "lated-case-0000001").await;
    scan_ok(&t, &near, &cafe, "lated-near-0000001").await;
    t.state.clock.advance(HOUR);
    scan_ok(&t, &near, &cafe_out, "lated-near-0000002").await;
    let exposed = t.state.now();
    t.state.clock.advance(12 * DAY);
    positive(&t, 1, taken, "pcr-late").await;
    // Sessions do not last 12 days: signed in again.
    let (case, near) = (t.login(1).await, t.login(2).await);
    assert_eq!(status(&t, &case).await["status"], "BLUE", "never RED");
    assert_eq!(listed(&t, 2).await, vec![exposed]);
    let s = status(&t, &near).await;
    assert_eq!(s["status"], "YELLOW");
    assert_eq!(s["valid_until"], exposed + 14 * DAY);
}
on_both!(a_late_reported_positive_lists_its_contacts);

/// Item 4: YELLOW runs 14 days from the last exposure, not the first.
async fn yellow_runs_from_the_last_exposure(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2]).await;
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    for (day, ids) in [(0, ["a1", "a2", "a3", "a4"]), (1, ["b1", "b2", "b3", "b4"])] {
        if day > 0 {
            t.state.clock.advance(5 * DAY);
        }
        let (case, near) = (t.login(1).await, t.login(2).await);
        let id = |i: usize| format!("last-exposure-{}", ids[i]);
        scan_ok(&t, &case, &cafe, &id(0)).await;
        scan_ok(&t, &near, &cafe, &id(1)).await;
        t.state.clock.advance(HOUR);
        scan_ok(&t, &case, &cafe_out, &id(2)).await;
        scan_ok(&t, &near, &cafe_out, &id(3)).await;
    }
    let last = t.state.now();
    positive(&t, 1, last, "pcr-twice").await;
    assert_eq!(listed(&t, 2).await, vec![last]);
    assert_eq!(
        status(&t, &t.login(2).await).await["valid_until"],
        last + 14 * DAY
    );
    // 17 days after the first exposure, 12 after the last: still YELLOW.
    t.state.clock.advance(12 * DAY);
    assert_eq!(status(&t, &t.login(2).await).await["status"], "YELLOW");
    t.state.clock.advance(2 * DAY);
    assert_ne!(status(&t, &t.login(2).await).await["status"], "YELLOW");
}
on_both!(yellow_runs_from_the_last_exposure);

/// Item 5: a cancelled check-in leaves the diary (marked cancelled) but still counts for
/// tracing: the case's own, and a visitor's.
async fn cancelled_stays_still_count(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2, 3]).await;
    let tok: Vec<String> = [t.login(1).await, t.login(2).await, t.login(3).await].into();
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    scan_ok(&t, &tok[0], &cafe, "cancel-case-000001").await;
    t.state.clock.advance(10 * MINUTE);
    scan_ok(&t, &tok[1], &cafe, "cancel-near-000001").await;
    scan_ok(&t, &tok[2], &cafe, "cancel-self-000001").await;
    t.state.clock.advance(10 * MINUTE);
    for (token, id) in [
        (&tok[0], "cancel-case-000001"),
        (&tok[2], "cancel-self-000001"),
    ] {
        let (s, v) = t
            .call(
                "POST",
                &format!("/v1/visits/{id}/cancel"),
                Some(token),
                None,
            )
            .await;
        assert_eq!((s, &v["cancelled"]), (StatusCode::OK, &json!(true)), "{v}");
    }
    t.state.clock.advance(10 * MINUTE);
    let case_left = t.state.now();
    scan_ok(&t, &tok[0], &cafe_out, "cancel-case-000002").await;
    scan_ok(&t, &tok[1], &cafe_out, "cancel-near-000002").await;
    scan_ok(&t, &tok[2], &cafe_out, "cancel-self-000002").await;
    positive(&t, 1, case_left, "pcr-cancelled").await;
    assert_eq!(
        listed(&t, 2).await,
        vec![case_left],
        "the case's cancelled stay"
    );
    assert_eq!(
        listed(&t, 3).await,
        vec![case_left],
        "the visitor's cancelled stay"
    );
    // The diary still shows the cancelled check-in as cancelled.
    let (_, diary) = t.call("GET", "/v1/visits", Some(&tok[2]), None).await;
    let cancelled = diary["visits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "cancel-self-000001")
        .unwrap();
    assert_eq!(cancelled["cancelled"], true);
}
on_both!(cancelled_stays_still_count);

/// Item 6: the same batch again is a no-op; other rows under the same id are refused with
/// 409 `batch_conflict` naming the batch, and nothing of them is written.
async fn a_reused_batch_id_with_other_rows_is_refused(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1, 2]).await;
    let now = t.state.now();
    let first = json!({"batch_id": "lab-7", "pcr": [{"iin": person(1).iin, "taken_at": now, "positive": false}]});
    let (s, v) = import(&t, first.clone()).await;
    assert_eq!((s, &v["duplicate_batch"]), (StatusCode::OK, &json!(false)));
    let (s, v) = import(&t, first).await;
    assert_eq!(
        (s, &v["duplicate_batch"]),
        (StatusCode::OK, &json!(true)),
        "{v}"
    );
    let other = json!({"batch_id": "lab-7", "pcr": [
        {"iin": person(1).iin, "taken_at": now, "positive": false},
        {"iin": person(2).iin, "taken_at": now, "positive": true}]});
    let (s, v) = import(&t, other).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::CONFLICT, "batch_conflict"),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("lab-7"),
        "{v}"
    );
    let records = t.state.store.health_records(&person(2).iin).await.unwrap();
    assert!(records.pcr.is_empty(), "nothing written: {records:?}");
    assert_eq!(status(&t, &t.login(2).await).await["status"], "BLUE");
    // The same rows as CSV under a new id are a new batch; sent again, a retry.
    let csv = format!("iin,taken_at,positive\n{},{now},true\n", person(2).iin);
    for duplicate in [false, true] {
        let (s, v) = t
            .raw(
                "POST",
                "/v1/import?kind=pcr&batch_id=lab-8",
                Some(ADMIN),
                Some(&csv),
                Some("text/csv"),
            )
            .await;
        assert_eq!(
            (s, &v["duplicate_batch"]),
            (StatusCode::OK, &json!(duplicate)),
            "{v}"
        );
    }
}
on_both!(a_reused_batch_id_with_other_rows_is_refused);

/// Item 7: a client visit id sent again with the same code is a retry; with another code,
/// 409 `visit_id_conflict` and nothing is written.
async fn a_reused_visit_id_with_another_code_is_refused(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1]).await;
    let tok = t.login(1).await;
    let (_, cafe, cafe_out) = t.venue("restaurant", "170540033").await;
    let (_, shop, _) = t.venue("grocery", "180340021").await;
    let first = scan_ok(&t, &tok, &cafe, "reused-id-00000001").await;
    let again = scan_ok(&t, &tok, &cafe, "reused-id-00000001").await;
    assert_eq!(again["visit"], first["visit"]);
    for other in [&shop, &cafe_out] {
        let (s, v) = t.scan(&tok, other, "reused-id-00000001").await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::CONFLICT, "visit_id_conflict"),
            "{v}"
        );
    }
    let (_, diary) = t.call("GET", "/v1/visits", Some(&tok), None).await;
    let visits = diary["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "nothing written: {diary}");
    assert_eq!(visits[0], first["visit"], "still open at the cafe");
}
on_both!(a_reused_visit_id_with_another_code_is_refused);

/// Item 8: `since` is when the current status began: RED until yesterday and vaccinated 30
/// days ago is GREEN since yesterday.
async fn since_is_when_the_current_status_began(t: T) {
    t.state.clock.freeze();
    t.citizens(&[1]).await;
    let now = t.state.now();
    let (s, v) = import(
        &t,
        json!({"batch_id": "since-1",
               "pcr": [{"iin": person(1).iin, "taken_at": now - 11 * DAY, "positive": true}],
               "vaccinations": [{"iin": person(1).iin, "at": now - 30 * DAY, "course_complete": true}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let s = status(&t, &t.login(1).await).await;
    assert_eq!(s["status"], "GREEN");
    assert_eq!(s["since"], now - DAY);
}
on_both!(since_is_when_the_current_status_began);
