//! The business side and the door (issue 9), on SQLite and on PostgreSQL: owners by the
//! business registry, premises, posters' codes re-issued, door staff and guard mode,
//! family check-in, re-linking identities, and what the audit log records. (Cancelled
//! visits counting for tracing: tests/tracing.rs.)
//!   ASHYQ_TEST_POSTGRES_URL=postgres://… cargo test -p ashyq-server --test business
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use ashyq_core::id;
use ashyq_server::demo::complete_id;
use axum::http::StatusCode;
use common::{person, setup_with, Backend, ADMIN, T};
use serde_json::{json, Value};

fn code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

async fn session(t: &T, iin: &str) -> Value {
    let (s, v) = t
        .call(
            "POST",
            "/v1/session",
            None,
            Some(json!({"proof": {"kind": "dev", "iin": iin}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The audit rows that act upon people (leaving out the rows of each import itself).
fn people_acts(log: &[ashyq_server::store::AuditRecord]) -> Vec<ashyq_server::store::AuditRecord> {
    log.iter()
        .filter(|e| e.action != "import")
        .cloned()
        .collect()
}

async fn import(t: &T, key: &str, batch: Value) -> (StatusCode, Value) {
    t.call("POST", "/v1/import", Some(key), Some(batch)).await
}

/// No key registers premises; an owner acts only for the businesses the registry gives
/// them, and another business's premises (or ones that do not exist) answer 403.
async fn owners_act_only_for_their_own_business(t: T) {
    t.citizens(&[1, 2, 3]).await;
    let a = t.business("180340021", &[1]).await;
    let b = t.business("190440012", &[2]).await;
    let (one, two, three) = (t.login(1).await, t.login(2).await, t.login(3).await);

    // No API key registers premises, by the old route or the new one.
    let body = json!({"bin": a, "business_name": "A", "address": "B", "category": "grocery", "pcr_required": null, "entrances": 1});
    let (s, v) = t.call("POST", "/v1/venues", Some(ADMIN), Some(body)).await;
    assert_eq!((s, code_of(&v)), (StatusCode::NOT_FOUND, "not_found"));
    let premises_body = json!({"name": "", "address": "Алматы, Абай 1", "category": "grocery", "pcr_required": null, "entrances": 2});
    let (s, v) = t
        .call(
            "POST",
            &format!("/v1/business/{a}/premises"),
            Some(ADMIN),
            Some(premises_body.clone()),
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));

    // The owner registers premises; an empty name takes the business's.
    let (s, pa) = t
        .call(
            "POST",
            &format!("/v1/business/{a}/premises"),
            Some(&one),
            Some(premises_body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pa}");
    assert_eq!(pa["name"], "ТОО «Бизнес 180340021»");
    assert_eq!(pa["entrances"].as_array().unwrap().len(), 2);
    let pb = t.premises(&two, &b, "pharmacy", 1).await;
    let (va, vb) = (
        pa["venue_id"].as_u64().unwrap(),
        pb["venue_id"].as_u64().unwrap(),
    );

    // Each sees their own business only; a non-owner sees none.
    let (s, list) = t.call("GET", "/v1/business", Some(&one), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["businesses"].as_array().unwrap().len(), 1);
    assert_eq!(list["businesses"][0]["bin"], a.as_str());
    assert_eq!(list["businesses"][0]["premises"][0]["venue_id"], va);
    let (_, list) = t.call("GET", "/v1/business", Some(&three), None).await;
    assert_eq!(list["businesses"], json!([]));
    let roles = session(&t, &person(1).iin).await["roles"].clone();
    assert_eq!(roles["owner_of"][0]["bin"], a.as_str());
    assert_eq!(roles["staff_at"], json!([]));
    assert_eq!(
        session(&t, &person(3).iin).await["roles"],
        json!({"owner_of": [], "staff_at": []})
    );

    // Owner 1 cannot touch business B's premises, nor premises that do not exist.
    for vid in [vb, 999_999] {
        let calls: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", format!("/v1/premises/{vid}/poster.svg"), None),
            (
                "POST",
                format!("/v1/premises/{vid}/entrances/1/reissue"),
                None,
            ),
            (
                "POST",
                format!("/v1/premises/{vid}/staff"),
                Some(json!({"iin": person(3).iin})),
            ),
            ("DELETE", format!("/v1/premises/{vid}/staff/1"), None),
        ];
        for (method, path, body) in calls {
            let (s, v) = t.call(method, &path, Some(&one), body).await;
            assert_eq!(
                (s, code_of(&v)),
                (StatusCode::FORBIDDEN, "not_owner"),
                "{method} {path}"
            );
        }
    }
    let (s, v) = t
        .call(
            "POST",
            &format!("/v1/business/{b}/premises"),
            Some(&one),
            Some(premises_body),
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_owner"));
    // Nothing of B changed.
    let (_, list) = t.call("GET", "/v1/business", Some(&two), None).await;
    assert_eq!(list["businesses"][0]["premises"], json!([pb]));

    // A later registry batch takes the BIN from owner 1.
    let (s, _) = import(
        &t,
        ADMIN,
        json!({"batch_id": "owners-2", "businesses": [{"bin": a, "name": "ТОО А", "owner_iins": [person(3).iin]}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = t
        .call(
            "GET",
            &format!("/v1/premises/{va}/poster.svg"),
            Some(&one),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_owner"));
    let (s, _) = t
        .call(
            "GET",
            &format!("/v1/premises/{va}/poster.svg"),
            Some(&three),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
on_both!(owners_act_only_for_their_own_business);

/// The business registry import: BIN and IIN check digits, CSV with `;`-separated owners,
/// idempotent batches.
async fn business_registry_import(t: T) {
    let good = complete_id("180340021");
    let (s, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "biz-1", "businesses": [
            {"bin": good, "name": "ТОО Береке", "owner_iins": [person(1).iin, person(2).iin]},
            {"bin": "180340021792", "name": "Bad BIN", "owner_iins": []},
            {"bin": good, "name": "Bad owner", "owner_iins": ["900101300002"]},
            {"bin": good, "name": " ", "owner_iins": []}
        ]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(1), Some(3))
    );
    let errors: Vec<(u64, &str)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(errors[0], (1, "id_bad_check_digit"));
    assert_eq!(errors[2], (3, "bad_name"));
    assert_eq!(errors[1].0, 2);
    assert!(r["errors"][1]["message"]
        .as_str()
        .unwrap()
        .starts_with("owner_iins"));
    let owners = t.state.store.businesses_of(&person(2).iin).await.unwrap();
    assert_eq!(owners[0].name, "ТОО Береке");

    // CSV: owners separated by `;`; the row's list replaces the previous one.
    let csv = format!(
        "bin,name,owner_iins\n{good},\"ТОО Береке, Астана\",{} ; {}\n",
        person(3).iin,
        person(1).iin
    );
    let (s, r) = t
        .raw(
            "POST",
            "/v1/import?kind=businesses&batch_id=biz-csv-1",
            Some(ADMIN),
            Some(&csv),
            Some("text/csv"),
        )
        .await;
    assert_eq!(
        (s, r["accepted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{r}"
    );
    assert!(t
        .state
        .store
        .businesses_of(&person(2).iin)
        .await
        .unwrap()
        .is_empty());
    let b = t.state.store.businesses_of(&person(3).iin).await.unwrap();
    assert_eq!(
        (b[0].bin.as_str(), b[0].name.as_str()),
        (good.as_str(), "ТОО Береке, Астана")
    );
    assert_eq!(
        t.state
            .store
            .businesses_of(&person(1).iin)
            .await
            .unwrap()
            .len(),
        1
    );
    // The same batch again changes nothing; the same batch id with other rows is refused.
    let again = |body: String| {
        let t = &t;
        async move {
            t.raw(
                "POST",
                "/v1/import?kind=businesses&batch_id=biz-csv-1",
                Some(ADMIN),
                Some(&body),
                Some("text/csv"),
            )
            .await
        }
    };
    let (_, r) = again(csv).await;
    assert_eq!(r["duplicate_batch"], true, "{r}");
    let csv2 = format!("bin,name,owner_iins\n{good},X,{}\n", person(2).iin);
    let (s, r) = again(csv2).await;
    assert_eq!(
        (s, code_of(&r)),
        (StatusCode::CONFLICT, "batch_conflict"),
        "{r}"
    );
    assert!(t
        .state
        .store
        .businesses_of(&person(2).iin)
        .await
        .unwrap()
        .is_empty());
}
on_both!(business_registry_import);

/// An import moves a host identity only with `relink`, and the audit log records the move
/// with the key's id and masked IINs.
async fn relinking_an_identity_needs_the_field_and_is_audited(t: T) {
    t.citizens(&[1]).await;
    let tg = person(1).telegram_id;
    let row = |relink: bool| {
        json!({"iin": person(2).iin, "name": "Второй", "lastname": "Ф", "phone": null,
               "aitu_id": null, "telegram_id": tg, "vk_id": null, "relink": relink})
    };
    let (_, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "steal-1", "citizens": [row(false)]}),
    )
    .await;
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(0), Some(1)),
        "{r}"
    );
    assert_eq!(r["errors"][0]["code"], "identity_taken");
    let telegram = ashyq_server::store::Lookup::Telegram(tg);
    let holder = t
        .state
        .store
        .find_citizen(&telegram)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holder.iin, person(1).iin, "not moved");
    assert!(
        people_acts(&t.state.store.audit_log(10).await.unwrap()).is_empty(),
        "a refused relink writes no relink row"
    );

    // A citizen's own identity is not replaced without relink either.
    let (_, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "replace-1", "citizens": [{"iin": person(1).iin, "name": "Имя1",
            "lastname": "Фамилия", "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": 1}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "identity_linked", "{r}");

    let (_, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "steal-2", "citizens": [row(true)]}),
    )
    .await;
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    let holder = t
        .state
        .store
        .find_citizen(&telegram)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holder.iin, person(2).iin, "moved");
    let all = t.state.store.audit_log(10).await.unwrap();
    // Each import is a row of its own, by key id.
    assert!(all
        .iter()
        .any(|e| e.action == "import" && e.actor_kind == "key" && e.actor_id == "dev"));
    let log = people_acts(&all);
    assert_eq!(log.len(), 1, "{log:?}");
    let e = &log[0];
    // The key by its id, never its secret.
    assert_eq!(
        (e.actor_kind.as_str(), e.action.as_str()),
        ("key", "relink")
    );
    assert!(
        e.actor_id == "dev" && e.actor_id != ADMIN,
        "the dev key's id: {e:?}"
    );
    // People by their row ids, never by a masked IIN several people share.
    let row_id = |n: u32| {
        let t = &t;
        async move {
            let c = t
                .state
                .store
                .find_citizen(&ashyq_server::store::Lookup::Iin(person(n).iin))
                .await
                .unwrap()
                .unwrap();
            ashyq_server::store::subject(c.id)
        }
    };
    assert_eq!(e.subject.as_deref(), Some(row_id(2).await.as_str()));
    assert_eq!(
        e.detail,
        format!("telegram_id moved from {}", row_id(1).await)
    );
    assert_no_full_iin(&t, &[&person(1).iin, &person(2).iin]).await;
    // A row that leaves an identity out does not unlink it.
    let (_, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "rename-1", "citizens": [{"iin": person(2).iin, "name": "Новое",
            "lastname": "Ф", "phone": null, "aitu_id": null, "telegram_id": null, "vk_id": null}]}),
    )
    .await;
    assert_eq!(r["accepted"].as_u64(), Some(1), "{r}");
    let holder = t
        .state
        .store
        .find_citizen(&telegram)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (holder.iin, holder.name),
        (person(2).iin, "Новое".to_owned())
    );
}
on_both!(relinking_an_identity_needs_the_field_and_is_audited);

async fn assert_no_full_iin(t: &T, iins: &[&str]) {
    for e in t.state.store.audit_log(1000).await.unwrap() {
        let text = format!("{e:?}");
        for iin in iins {
            assert!(!text.contains(iin), "a full IIN in the audit log: {text}");
        }
    }
}

/// A re-issued entrance's old codes fail with `code_revoked`; its new codes, and the
/// other entrances' codes, work.
async fn reissued_entrance_revokes_its_old_codes(t: T) {
    t.citizens(&[1, 2]).await;
    let bin = t.business("180340021", &[1]).await;
    let (owner, visitor) = (t.login(1).await, t.login(2).await);
    let p = t.premises(&owner, &bin, "grocery", 2).await;
    let vid = p["venue_id"].as_u64().unwrap();
    let old_in = p["entrances"][0]["entry_code"].as_str().unwrap().to_owned();
    let old_out = p["entrances"][0]["exit_code"].as_str().unwrap().to_owned();
    let other = p["entrances"][1]["entry_code"].as_str().unwrap().to_owned();
    let reissue = |n: u8| {
        let (t, owner) = (&t, &owner);
        async move {
            let (s, v) = t
                .call(
                    "POST",
                    &format!("/v1/premises/{vid}/entrances/{n}/reissue"),
                    Some(owner),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let new = reissue(1).await;
    assert_eq!(new["entrance"], 1);
    let new_in = new["entry_code"].as_str().unwrap().to_owned();
    assert_ne!(new_in, old_in);
    for (code, id) in [
        (&old_in, "revoked-in-00000001"),
        (&old_out, "revoked-out-0000001"),
    ] {
        let (s, v) = t.scan(&visitor, code, id).await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::CONFLICT, "code_revoked"),
            "{v}"
        );
    }
    let (s, v) = t.scan(&visitor, &new_in, "reissued-in-0000001").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = t.scan(&visitor, &other, "other-entrance-00001").await;
    assert_eq!(s, StatusCode::OK, "another entrance keeps its codes");
    // The owner's list shows the new codes.
    let (_, list) = t.call("GET", "/v1/business", Some(&owner), None).await;
    assert_eq!(list["businesses"][0]["premises"][0]["entrances"][0], new);
    // Re-issued twice in the same second: the second's codes are still strictly newer.
    let newer = reissue(1).await;
    assert_ne!(newer["entry_code"], new["entry_code"]);
    let (s, v) = t.scan(&visitor, &new_in, "revoked-in-00000002").await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "code_revoked"));
    let (s, _) = t
        .scan(
            &visitor,
            newer["entry_code"].as_str().unwrap(),
            "reissued-in-0000002",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = t
        .call(
            "POST",
            &format!("/v1/premises/{vid}/entrances/3/reissue"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_entrance"));
    let log = t.state.store.audit_log(10).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "reissue_codes" && e.venue_id == Some(vid)));
}
on_both!(reissued_entrance_revokes_its_old_codes);

/// Staff appointed by IIN (the same answer for an IIN the registry does not hold); guard
/// mode records a visit only with the code the visitor received, answers admitted and the
/// masked name (no colour), only to staff of that venue, and is audited by row ids.
async fn staff_and_guard_mode(t: T) {
    t.citizens(&[1, 2, 3, 4]).await;
    let bin = t.business("180340021", &[1]).await;
    let other_bin = t.business("190440012", &[4]).await;
    let owner = t.login(1).await;
    let p = t.premises(&owner, &bin, "pharmacy", 1).await;
    let vid = p["venue_id"].as_u64().unwrap();
    let elsewhere = t
        .premises(&t.login(4).await, &other_bin, "grocery", 1)
        .await["venue_id"]
        .as_u64()
        .unwrap();
    let appoint = |iin: String| {
        let (t, owner) = (&t, &owner);
        async move {
            t.call(
                "POST",
                &format!("/v1/premises/{vid}/staff"),
                Some(owner),
                Some(json!({"iin": iin})),
            )
            .await
        }
    };
    let mut bad = person(2).iin;
    bad.replace_range(11.., if bad.ends_with('0') { "1" } else { "0" });
    let (s, v) = appoint(bad.clone()).await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_iin"));
    // An unknown IIN is answered like a known one: the owner learns nothing about it.
    let (s, unknown) = appoint(person(9).iin).await;
    assert_eq!(s, StatusCode::CREATED, "{unknown}");
    let (s, staff) = appoint(person(2).iin).await;
    assert_eq!(s, StatusCode::CREATED, "{staff}");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&unknown), keys(&staff));
    assert_eq!(staff["masked_iin"], id::mask(&person(2).iin));
    assert!(!staff.to_string().contains(&person(2).iin));
    assert!(!staff.to_string().contains("Имя2"), "no name: {staff}");
    let (s, again) = appoint(person(2).iin).await;
    assert_eq!(
        (s, &again["staff_id"]),
        (StatusCode::CREATED, &staff["staff_id"])
    );
    let roles = session(&t, &person(2).iin).await["roles"].clone();
    assert_eq!(roles["staff_at"][0]["venue_id"], vid);
    let (_, list) = t.call("GET", "/v1/business", Some(&owner), None).await;
    assert_eq!(
        list["businesses"][0]["premises"][0]["staff"],
        json!([unknown, staff])
    );

    let guard = t.login(2).await;
    let challenge = |token: String, venue: u64, body: Value| {
        let t = &t;
        async move {
            t.call(
                "POST",
                &format!("/v1/premises/{venue}/guard-checkin/challenge"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (s, v) = challenge(guard.clone(), vid, json!({"iin": bad})).await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_iin"));
    let (s, v) = challenge(
        guard.clone(),
        vid,
        json!({"iin": person(3).iin, "entrance": 5}),
    )
    .await;
    assert_eq!((s, code_of(&v)), (StatusCode::BAD_REQUEST, "bad_entrance"));
    let (s, v) = t.guard_check_in(&guard, vid, 3, "guard-visit-000002").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"admitted": true, "masked_name": "Имя3 Ф.", "visit_id": "guard-visit-000002"})
    );
    // The visit is the visitor's own, in their diary, marked as recorded by staff.
    let (_, diary) = t
        .call("GET", "/v1/visits", Some(&t.login(3).await), None)
        .await;
    assert_eq!(diary["visits"][0]["id"], "guard-visit-000002");
    assert_eq!(diary["visits"][0]["by_staff"], true);
    assert_eq!(diary["visits"][0]["disputed"], false);
    // Someone else's visit id is not taken over.
    let (s, v2) = t.guard_check_in(&guard, vid, 4, "guard-visit-000002").await;
    assert_eq!((s, code_of(&v2)), (StatusCode::CONFLICT, "visit_id_taken"));
    // Only staff of this venue.
    for (token, venue) in [
        (t.login(3).await, vid),
        (owner.clone(), vid),
        (guard.clone(), elsewhere),
        (guard.clone(), 999_999),
    ] {
        let (s, v) = challenge(token, venue, json!({"iin": person(3).iin})).await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::FORBIDDEN, "not_staff"),
            "{venue}"
        );
    }
    let log = t.state.store.audit_log(100).await.unwrap();
    let staff_rows: Vec<_> = log
        .iter()
        .filter(|e| e.action == "guard_checkin" || e.action == "guard_lookup")
        .collect();
    assert_eq!(staff_rows.len(), 4, "{staff_rows:?}");
    let guard_id = t
        .state
        .store
        .find_citizen(&ashyq_server::store::Lookup::Iin(person(2).iin))
        .await
        .unwrap()
        .unwrap()
        .id;
    for e in &staff_rows {
        assert_eq!(
            (e.actor_kind.as_str(), e.actor_id.clone()),
            ("staff", ashyq_server::store::subject(guard_id))
        );
        assert_eq!(e.venue_id, Some(vid));
    }
    assert!(log.iter().any(|e| e.action == "appoint_staff"));
    assert_no_full_iin(
        &t,
        &[
            &person(1).iin,
            &person(2).iin,
            &person(3).iin,
            &person(4).iin,
            &person(9).iin,
        ],
    )
    .await;

    // Removed staff are staff no more.
    let sid = staff["staff_id"].as_str().unwrap();
    let (s, _) = t
        .call(
            "DELETE",
            &format!("/v1/premises/{vid}/staff/{sid}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t
        .call(
            "DELETE",
            &format!("/v1/premises/{vid}/staff/{sid}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::NOT_FOUND, "staff_not_found"));
    let (s, v) = challenge(guard, vid, json!({"iin": person(3).iin})).await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_staff"));
}
on_both!(staff_and_guard_mode);

/// Guard lookups are limited per staff member: one over the limit gets 429, another
/// staff member is not affected; and per premises, whoever asks.
#[tokio::test]
async fn guard_lookups_are_rate_limited_per_staff_member_and_premises() {
    let mut config = common::config();
    config.guard_per_minute = 1;
    config.guard_burst = 3;
    config.guard_venue_per_minute = 1;
    config.guard_venue_burst = 5;
    let t = setup_with(Backend::Sqlite, config).await.unwrap();
    t.citizens(&[1, 2, 3, 4, 5]).await;
    let bin = t.business("180340021", &[1]).await;
    let owner = t.login(1).await;
    let vid = t.premises(&owner, &bin, "grocery", 1).await["venue_id"]
        .as_u64()
        .unwrap();
    for n in [2, 3, 5] {
        let (s, _) = t
            .call(
                "POST",
                &format!("/v1/premises/{vid}/staff"),
                Some(&owner),
                Some(json!({"iin": person(n).iin})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (a, b, c) = (t.login(2).await, t.login(3).await, t.login(5).await);
    for _ in 0..3 {
        let (s, v) = t.guard_challenge(&a, vid, &person(4).iin).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    }
    let (s, v) = t.guard_challenge(&a, vid, &person(4).iin).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let (s, _) = t.guard_challenge(&b, vid, &person(4).iin).await;
    assert_eq!(
        s,
        StatusCode::ACCEPTED,
        "another staff member has their own limit"
    );
    // Five lookups at these premises so far (one refused still counted): the premises'
    // burst is spent for everyone.
    let (s, v) = t.guard_challenge(&c, vid, &person(4).iin).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}

/// A visitor checks in their dependants with one scan; a dependant the registry does not
/// link to them refuses the whole check-in and nothing is written.
async fn family_check_in(t: T) {
    t.citizens(&[1, 2]).await;
    let child = complete_id("150310500");
    let grown = complete_id("900310300");
    let other_child = complete_id("160420600");
    let row = |iin: &str, name: &str, parent: &str| {
        json!({"iin": iin, "name": name, "lastname": "Бала", "phone": null, "aitu_id": null,
               "telegram_id": null, "vk_id": null, "parent_iin": parent})
    };
    let (s, r) = import(
        &t,
        ADMIN,
        json!({"batch_id": "family-1", "citizens": [
            row(&child, "Алихан", &person(1).iin),
            row(&grown, "Ержан", &person(1).iin),
            row(&other_child, "Аяна", &person(2).iin),
        ], "vaccinations": [{"iin": child, "at": t.state.now() - 86_400, "course_complete": true}]}),
    )
    .await;
    assert_eq!(
        (s, r["rejected"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{r}"
    );
    let parent = session(&t, &person(1).iin).await;
    let deps = parent["dependants"].as_array().unwrap().clone();
    assert_eq!(deps.len(), 1, "only children under 18: {deps:?}");
    assert_eq!(deps[0]["masked_name"], "Алихан Б.");
    assert_eq!(deps[0]["masked_iin"], id::mask(&child));
    assert!(!parent.to_string().contains(&child));
    let dep_id = deps[0]["id"].as_str().unwrap().to_owned();
    let foreign = session(&t, &person(2).iin).await["dependants"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = parent["token"].as_str().unwrap().to_owned();
    let (_, entry, _) = t.venue("restaurant", "170540033").await;
    let family = |deps: Vec<&str>, visit: &'static str| {
        let (t, token, entry) = (&t, &token, &entry);
        let deps: Vec<String> = deps.into_iter().map(str::to_owned).collect();
        async move {
            t.call(
                "POST",
                "/v1/visits",
                Some(token),
                Some(json!({"code": entry, "client_visit_id": visit, "dependants": deps})),
            )
            .await
        }
    };
    // Someone else's dependant (or a made-up id): refused whole, nothing written.
    for bad in [foreign.as_str(), "made-up-id"] {
        let (s, v) = family(vec![&dep_id, bad], "family-visit-000001").await;
        assert_eq!(
            (s, code_of(&v)),
            (StatusCode::FORBIDDEN, "not_your_dependant"),
            "{v}"
        );
    }
    let now = t.state.now();
    let policy = &t.state.config.policy;
    for iin in [&person(1).iin, &child, &other_child] {
        assert!(
            t.state
                .store
                .visits(iin, now, policy, 10)
                .await
                .unwrap()
                .is_empty(),
            "{iin}"
        );
    }
    let (s, v) = family(vec![&dep_id], "family-visit-000002").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let party = v["party"].as_array().unwrap();
    assert_eq!(party.len(), 1);
    assert_eq!(party[0]["dependant_id"], dep_id.as_str());
    assert_eq!(party[0]["masked_name"], "Алихан Б.");
    assert_eq!(party[0]["status"], "GREEN");
    assert_eq!(
        party[0]["admission"],
        json!({"admitted": true, "reason": "allowed"})
    );
    assert_eq!(v["status"]["status"], "BLUE");
    let child_visits = t.state.store.visits(&child, now, policy, 10).await.unwrap();
    assert_eq!(child_visits.len(), 1);
    assert_eq!(party[0]["visit_id"], child_visits[0].id.as_str());
    assert_ne!(child_visits[0].id, v["visit"]["id"].as_str().unwrap());
    // A retry makes no second visit for anyone.
    let (_, again) = family(vec![&dep_id, &dep_id], "family-visit-000002").await;
    assert_eq!(again["party"], v["party"]);
    assert_eq!(
        t.state
            .store
            .visits(&child, now, policy, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
on_both!(family_check_in);

/// The demo data plays every role: owners (and a second business out of the first
/// owner's reach), staff, and a dependant.
#[tokio::test]
async fn demo_data_plays_every_role() {
    let t = common::setup(Backend::Sqlite).await.unwrap();
    let info = ashyq_server::demo::seed(&t.state).await.unwrap();
    assert_eq!(info.businesses.len(), 5);
    let green = &info.businesses[0].owner_iin;
    let red_business = info.businesses.last().unwrap();
    assert_ne!(&red_business.owner_iin, green);
    let owner = session(&t, green).await;
    assert_eq!(owner["roles"]["owner_of"].as_array().unwrap().len(), 4);
    let token = owner["token"].as_str().unwrap();
    let (s, v) = t
        .call(
            "GET",
            &format!("/v1/premises/{}/poster.svg", red_business.venue_ids[0]),
            Some(token),
            None,
        )
        .await;
    assert_eq!((s, code_of(&v)), (StatusCode::FORBIDDEN, "not_owner"));
    let staff = &info.staff[0];
    let s = session(&t, &staff.iin).await;
    assert_eq!(s["roles"]["staff_at"][0]["venue_id"], staff.venue_id);
    assert_eq!(staff.venue_id, info.venues[0].venue_id);
    let d = &info.dependants[0];
    let parent = session(&t, &d.parent_iin).await;
    assert_eq!(parent["dependants"][0]["masked_iin"], id::mask(&d.iin));
    let records = t.state.store.health_records(&d.iin).await.unwrap();
    let now = t.state.now();
    let status = ashyq_core::status::evaluate(&records, now, &t.state.config.policy).status;
    assert_eq!(status, d.expected_status);
    // Seeding twice appoints nobody twice.
    ashyq_server::demo::seed(&t.state).await.unwrap();
    assert_eq!(
        t.state.store.staff_of(staff.venue_id).await.unwrap().len(),
        1
    );
}
