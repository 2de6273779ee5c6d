//! Visits: check-in by a scanned venue code, the diary, cancelling, and fresh passes.

use std::sync::atomic::Ordering;

use ashyq_core::api::{
    CheckInRequest, CheckInResponse, PartyMember, PassResponse, Visit, VisitList,
};
use ashyq_core::pass::{self, PassClaims};
use ashyq_core::status::{self, Status};
use ashyq_core::venue::{self, Direction};
use ashyq_core::visit::{self, CancelError};
use ashyq_core::{id, Timestamp};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::session::status_of;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, Person};
use crate::family;
use crate::state::AppState;
use crate::store::{Citizen, Scan, ScanResult, Venue};

fn issue_pass(
    state: &AppState,
    person: &Person,
    visit: &Visit,
    status: Status,
    direction: Direction,
    now: Timestamp,
) -> AppResult<PassResponse> {
    let expires_at = now + state.config.policy.pass_lifetime;
    let claims = PassClaims {
        visit_id: visit.id.clone(),
        masked_name: person.masked_name(),
        status,
        venue_id: visit.venue_id,
        entrance: visit.entrance,
        direction,
        issued_at: now,
        expires_at,
    };
    let token =
        pass::sign(&claims, state.keys.current().pass_signer()).map_err(AppError::internal)?;
    Ok(PassResponse {
        token,
        issued_at: now,
        expires_at,
    })
}

/// `POST /v1/visits`: a scanned venue code.
pub async fn check_in(
    State(state): State<AppState>,
    person: Person,
    ApiJson(req): ApiJson<CheckInRequest>,
) -> AppResult<Response> {
    // Per person, wherever they connect from: one identity cannot spray check-ins
    // (each one could make others contacts).
    if !state.person_limiter.allow(person.0.id) {
        return Ok(crate::middleware::too_many(&state));
    }
    if !visit::is_valid_client_visit_id(&req.client_visit_id) {
        return Err(AppError::bad_request(
            "bad_visit_id",
            "client_visit_id must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -",
        ));
    }
    let code = state
        .codes
        .parse(&req.code, &state.keys.current().venue_set)
        .map_err(|e| AppError::unprocessable(e.code(), e.to_string()))?;
    if state.revoked.contains(&code.key_id) {
        return Err(AppError::unprocessable(
            "key_revoked",
            "this code was signed with a key that has been revoked",
        ));
    }
    let info = code.info;
    let (venue, valid_from) = state
        .store
        .venue_for_scan(info.venue_id, info.entrance)
        .await?
        .filter(|(v, _)| v.bin == info.bin && info.entrance <= v.entrances)
        .ok_or_else(|| {
            AppError::not_found(
                "venue_not_registered",
                "this venue or entrance is not in the registry",
            )
        })?;
    // A code older than its entrance's last re-issue is a replaced poster.
    if valid_from.is_some_and(|from| info.issued_at < from) {
        return Err(AppError::conflict(
            "code_revoked",
            "this poster has been replaced; scan the new one",
        ));
    }
    let now = state.now();
    // Every dependant is checked before anything is written: one that is not this
    // visitor's refuses the whole check-in.
    let party = party_of(&state, &person, &req.dependants, now).await?;
    let policy = &state.config.policy;
    let scan = Scan {
        client_visit_id: req.client_visit_id.clone(),
        person: person.iin().to_owned(),
        venue: venue.clone(),
        entrance: info.entrance,
        direction: info.direction,
        guard_staff: None,
    };
    let (visit, direction, closed_visit_id, replay) =
        recorded(&state, state.store.check_in(scan, now, policy).await?)?;
    let m = &state.metrics;
    if replay {
        m.checkin_replays.fetch_add(1, Ordering::Relaxed);
    } else if direction == Direction::In {
        m.checkins_in.fetch_add(1, Ordering::Relaxed);
    } else {
        m.checkins_out.fetch_add(1, Ordering::Relaxed);
    }
    let status = status_of(&state, person.iin(), now).await?;
    let admission = status::admission(status.status, venue.category, venue.pcr_required);
    let pass = issue_pass(&state, &person, &visit, status.status, direction, now)?;
    let mut members = Vec::with_capacity(party.len());
    for (dependant_id, child) in party {
        members.push(
            party_member(
                &state,
                &req.client_visit_id,
                &venue,
                &info,
                dependant_id,
                &child,
                now,
            )
            .await?,
        );
    }
    Ok(Json(CheckInResponse {
        visit,
        direction,
        status,
        admission,
        pass,
        closed_visit_id,
        party: members,
    })
    .into_response())
}

/// Most dependants checked in with one scan.
const MAX_PARTY: usize = 12;

/// The dependants named in a check-in, each once; 403 `not_your_dependant` when the
/// registry does not link one of them to this visitor (now, as a child under 18).
async fn party_of(
    state: &AppState,
    person: &Person,
    ids: &[String],
    now: Timestamp,
) -> AppResult<Vec<(String, Citizen)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > MAX_PARTY {
        return Err(AppError::bad_request(
            "too_many_dependants",
            format!("at most {MAX_PARTY} dependants check in with one scan"),
        ));
    }
    let mine = family::dependants(state, &person.0, now).await?;
    let mut party: Vec<(String, Citizen)> = Vec::new();
    for wanted in ids {
        if party.iter().any(|(id, _)| id == wanted) {
            continue;
        }
        let found = mine.iter().find(|(id, _)| id == wanted).ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::FORBIDDEN,
                "not_your_dependant",
                "the citizen registry does not link this dependant to you",
            )
        })?;
        party.push(found.clone());
    }
    Ok(party)
}

type Recorded = (Visit, Direction, Option<String>, bool);

/// A scan's outcome as the API answers it; counts the contacts it listed (an overlap with
/// a case that came into being with this scan).
pub(super) fn recorded(state: &AppState, result: ScanResult) -> AppResult<Recorded> {
    match result {
        ScanResult::Recorded {
            visit,
            direction,
            closed_visit_id,
            replay,
            listed,
        } => {
            state
                .metrics
                .contacts_listed
                .fetch_add(listed, Ordering::Relaxed);
            Ok((visit, direction, closed_visit_id, replay))
        }
        ScanResult::IdTaken => Err(AppError::conflict(
            "visit_id_taken",
            "this client_visit_id is already used; make a new one",
        )),
        ScanResult::IdConflict => Err(AppError::conflict(
            "visit_id_conflict",
            "this client_visit_id was used with another venue code; make a new one",
        )),
        ScanResult::Gone => Err(AppError::conflict(
            "visit_gone",
            "this visit has been deleted",
        )),
    }
}

/// Records one dependant's own visit (the same scan, the dependant's own visit id derived
/// from the parent's) and their status there.
async fn party_member(
    state: &AppState,
    client_visit_id: &str,
    venue: &Venue,
    info: &venue::VenueInfo,
    dependant_id: String,
    child: &Citizen,
    now: Timestamp,
) -> AppResult<PartyMember> {
    let scan = Scan {
        client_visit_id: family::party_visit_id(client_visit_id, &child.iin),
        person: child.iin.clone(),
        venue: venue.clone(),
        entrance: info.entrance,
        direction: info.direction,
        guard_staff: None,
    };
    let (visit, direction, _, replay) = recorded(
        state,
        state
            .store
            .check_in(scan, now, &state.config.policy)
            .await?,
    )?;
    let m = &state.metrics;
    if replay {
        m.checkin_replays.fetch_add(1, Ordering::Relaxed);
    } else if direction == Direction::In {
        m.checkins_in.fetch_add(1, Ordering::Relaxed);
    } else {
        m.checkins_out.fetch_add(1, Ordering::Relaxed);
    }
    let status = status_of(state, &child.iin, now).await?;
    Ok(PartyMember {
        dependant_id,
        masked_name: id::mask_name(&child.name, &child.lastname),
        visit_id: visit.id,
        status: status.status,
        admission: status::admission(status.status, venue.category, venue.pcr_required),
    })
}

/// `GET /v1/visits`: the diary, newest first.
pub async fn list_visits(
    State(state): State<AppState>,
    person: Person,
) -> AppResult<Json<VisitList>> {
    let visits = state
        .store
        .visits(person.iin(), state.now(), &state.config.policy, 200)
        .await?;
    Ok(Json(VisitList { visits }))
}

async fn own_visit(state: &AppState, person: &Person, id: &str) -> AppResult<Visit> {
    if !visit::is_valid_client_visit_id(id) {
        return Err(AppError::not_found("visit_not_found", "no such visit"));
    }
    state
        .store
        .visit(person.iin(), id)
        .await?
        .ok_or_else(|| AppError::not_found("visit_not_found", "no such visit"))
}

/// `POST /v1/visits/{id}/cancel`.
pub async fn cancel_visit(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> AppResult<Json<Visit>> {
    let visit = own_visit(&state, &person, &id).await?;
    visit::can_cancel(
        visit.entered_at,
        visit.cancelled,
        state.now(),
        &state.config.policy,
    )
    .map_err(|e| match e {
        CancelError::AlreadyCancelled => AppError::conflict("already_cancelled", e.to_string()),
        CancelError::TooLate => AppError::conflict("cancel_too_late", e.to_string()),
    })?;
    state.store.set_cancelled(person.iin(), &id).await?;
    Ok(Json(own_visit(&state, &person, &id).await?))
}

/// `POST /v1/visits/{id}/pass`: a fresh pass for an open visit.
pub async fn refresh_pass(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> AppResult<Json<PassResponse>> {
    let visit = own_visit(&state, &person, &id).await?;
    let now = state.now();
    if !visit::is_open(&visit, now, &state.config.policy) {
        return Err(AppError::conflict(
            "visit_closed",
            "this visit is over; scan the entry code again",
        ));
    }
    let status = status_of(&state, person.iin(), now).await?;
    Ok(Json(issue_pass(
        &state,
        &person,
        &visit,
        status.status,
        Direction::In,
        now,
    )?))
}
