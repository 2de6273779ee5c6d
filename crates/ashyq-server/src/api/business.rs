//! The business side, authorised by the signed-in session and the business registry,
//! never by an API key: owners list their businesses and premises, register premises, get
//! posters, re-issue an entrance's codes and appoint or remove door staff (guard mode, what
//! staff do with their powers, is `guard.rs`).
//!
//! Premises of another business, and premises that do not exist, answer the same 403
//! (`not_owner`, `not_staff`), so nobody learns which venue ids exist.

use std::sync::atomic::Ordering;

use ashyq_core::api::{
    AppointStaffRequest, Business, BusinessList, EntranceCodes, Premises, RegisterPremisesRequest,
    RegisterVenueRequest, StaffMember,
};
use ashyq_core::id;
use ashyq_core::venue::Direction;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::guard::audit_subject;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, Person};
use crate::poster::{self, Lang, Size};
use crate::state::AppState;
use crate::store::{Actor, AuditEntry, BusinessRecord, Lookup, StaffRecord, Venue};
use crate::venues;

fn not_owner() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "not_owner",
        "the business registry does not list you as an owner of these premises",
    )
}

fn bad_iin(e: id::IdError) -> AppError {
    AppError::bad_request("bad_iin", format!("iin: {e}"))
}

/// The business `bin` when the registry lets this person act for it.
async fn owned_business(state: &AppState, person: &Person, bin: &str) -> AppResult<BusinessRecord> {
    state
        .store
        .businesses_of(person.iin())
        .await?
        .into_iter()
        .find(|b| b.bin == bin)
        .ok_or_else(not_owner)
}

/// Premises this person owns (through its BIN); 403 for any other id, existing or not.
async fn owned_premises(state: &AppState, person: &Person, venue_id: &str) -> AppResult<Venue> {
    let id = venue_id.parse::<u64>().map_err(|_| not_owner())?;
    let v = state.store.venue(id).await?.ok_or_else(not_owner)?;
    owned_business(state, person, &v.bin).await?;
    Ok(v)
}

fn owner_audit(person: &Person, action: &'static str, venue_id: u64, now: i64) -> AuditEntry {
    AuditEntry {
        at: now,
        actor: Actor::person("owner", person.0.id),
        action,
        venue_id: Some(venue_id),
        subject: None,
        detail: String::new(),
    }
}

fn staff_member(s: &StaffRecord) -> StaffMember {
    StaffMember {
        staff_id: s.id.to_string(),
        masked_iin: id::mask(&s.iin),
        appointed_at: s.appointed_at,
    }
}

async fn premises(state: &AppState, v: &Venue) -> AppResult<Premises> {
    let staff = state.store.staff_of(v.id).await?;
    Ok(Premises {
        venue_id: v.id,
        bin: v.bin.clone(),
        name: v.business_name.clone(),
        address: v.address.clone(),
        category: v.category,
        pcr_required: v.pcr_required,
        entrances: venues::all_codes(state, v).await?,
        staff: staff.iter().map(staff_member).collect(),
    })
}

/// `GET /v1/business`: the businesses this person owns, with their premises.
pub async fn list(State(state): State<AppState>, person: Person) -> AppResult<Json<BusinessList>> {
    let mut businesses = Vec::new();
    for b in state.store.businesses_of(person.iin()).await? {
        let mut list = Vec::new();
        for v in state.store.venues_of(&b.bin).await? {
            list.push(premises(&state, &v).await?);
        }
        businesses.push(Business {
            bin: b.bin,
            name: b.name,
            premises: list,
        });
    }
    Ok(Json(BusinessList { businesses }))
}

/// `POST /v1/business/{bin}/premises`.
pub async fn register_premises(
    State(state): State<AppState>,
    person: Person,
    Path(bin): Path<String>,
    ApiJson(req): ApiJson<RegisterPremisesRequest>,
) -> AppResult<Response> {
    let business = owned_business(&state, &person, &bin).await?;
    let name = if req.name.trim().is_empty() {
        business.name.clone()
    } else {
        req.name
    };
    let now = state.now();
    let new = venues::check_registration(
        &RegisterVenueRequest {
            bin: business.bin,
            business_name: name,
            address: req.address,
            category: req.category,
            pcr_required: req.pcr_required,
            entrances: req.entrances,
        },
        now,
    )?;
    let v = state.store.add_venue(&new, now).await?;
    state
        .store
        .audit(&owner_audit(&person, "register_premises", v.id, now))
        .await?;
    tracing::info!(venue_id = v.id, "premises registered by an owner");
    Ok((StatusCode::CREATED, Json(premises(&state, &v).await?)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PosterQuery {
    pub entrance: Option<String>,
    pub direction: Option<String>,
    pub lang: Option<String>,
    pub size: Option<String>,
}

fn entrance_of(v: &Venue, s: Option<&str>) -> AppResult<u8> {
    match s {
        None => Ok(1),
        Some(s) => s
            .parse::<u8>()
            .ok()
            .filter(|e| (1..=v.entrances).contains(e))
            .ok_or_else(|| AppError::bad_request("bad_entrance", "no such entrance at this venue")),
    }
}

/// `GET /v1/premises/{venue_id}/poster.svg?entrance=1&direction=in&lang=kk&size=a4`.
pub async fn poster(
    State(state): State<AppState>,
    person: Person,
    Path(venue_id): Path<String>,
    ApiQuery(q): ApiQuery<PosterQuery>,
) -> AppResult<Response> {
    let v = owned_premises(&state, &person, &venue_id).await?;
    let entrance = entrance_of(&v, q.entrance.as_deref())?;
    let direction = match q.direction.as_deref() {
        None => Direction::In,
        Some(s) => Direction::parse(s)
            .ok_or_else(|| AppError::bad_request("bad_direction", "direction is in or out"))?,
    };
    let lang = match q.lang.as_deref() {
        None => Lang::Kk,
        Some(s) => Lang::parse(s)
            .ok_or_else(|| AppError::bad_request("bad_lang", "lang is kk, ru or en"))?,
    };
    let size = match q.size.as_deref() {
        None => Size::A4,
        Some(s) => {
            Size::parse(s).ok_or_else(|| AppError::bad_request("bad_size", "size is a4 or card"))?
        }
    };
    let svg = poster_svg(&state, &v, entrance, direction, lang, size).await?;
    let file = format!(
        "attachment; filename=\"ashyq-{}-{entrance}-{}-{}-{}.svg\"",
        v.id,
        direction.as_str(),
        lang.code(),
        size.as_str()
    );
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml; charset=utf-8"),
            ),
            (
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&file).map_err(AppError::internal)?,
            ),
        ],
        svg,
    )
        .into_response())
}

/// The poster of an entrance's current code.
pub async fn poster_svg(
    state: &AppState,
    v: &Venue,
    entrance: u8,
    direction: Direction,
    lang: Lang,
    size: Size,
) -> AppResult<String> {
    let valid_from = state.store.entrance_valid_from(v.id).await?;
    let at = venues::issued_at(v, &valid_from, entrance);
    let code = venues::code_at(state, v, entrance, direction, at)?;
    poster::svg(
        v,
        entrance,
        direction,
        &venues::url(state, &code),
        lang,
        size,
    )
    .map_err(AppError::internal)
}

/// `POST /v1/premises/{venue_id}/entrances/{n}/reissue`: new codes for one entrance; its
/// old codes then fail at check-in with `code_revoked`.
pub async fn reissue(
    State(state): State<AppState>,
    person: Person,
    Path((venue_id, n)): Path<(String, String)>,
) -> AppResult<Json<EntranceCodes>> {
    let v = owned_premises(&state, &person, &venue_id).await?;
    let entrance = entrance_of(&v, Some(&n))?;
    let now = state.now();
    let valid_from = state.store.entrance_valid_from(v.id).await?;
    let previous = venues::issued_at(&v, &valid_from, entrance);
    let mut audit = owner_audit(&person, "reissue_codes", v.id, now);
    audit.detail = format!("entrance {entrance}");
    let at = state
        .store
        .reissue_entrance(v.id, entrance, previous, now, &audit)
        .await?;
    tracing::info!(venue_id = v.id, entrance, "entrance codes re-issued");
    Ok(Json(venues::entrance_codes(
        &state,
        &v,
        &[(entrance, at)],
        entrance,
    )?))
}

/// `POST /v1/premises/{venue_id}/staff`: appoints an IIN as door staff. Never the owner
/// themselves; the same answer whether or not the registry holds the IIN (an appointment
/// of an unknown IIN gives nobody powers until that IIN signs in); rate-limited per owner
/// and audited, misses too.
pub async fn appoint_staff(
    State(state): State<AppState>,
    person: Person,
    Path(venue_id): Path<String>,
    ApiJson(req): ApiJson<AppointStaffRequest>,
) -> AppResult<Response> {
    let v = owned_premises(&state, &person, &venue_id).await?;
    id::validate_iin(&req.iin).map_err(bad_iin)?;
    if req.iin == person.iin() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "self_appointment",
            "an owner cannot appoint themselves as door staff; appoint someone else",
        ));
    }
    if !state.appoint_limiter.allow(person.0.id) {
        state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many appointments; wait a minute and try again",
        ));
    }
    let citizen = state
        .store
        .find_citizen(&Lookup::Iin(req.iin.clone()))
        .await?;
    let now = state.now();
    let mut audit = owner_audit(&person, "appoint_staff", v.id, now);
    audit.subject = Some(audit_subject(
        &state,
        &req.iin,
        citizen.as_ref().map(|c| c.id),
    ));
    audit.detail = if citizen.is_some() {
        "registered"
    } else {
        "not in the registry"
    }
    .into();
    let staff = state
        .store
        .appoint_staff(v.id, &req.iin, person.0.id, now, &audit)
        .await?;
    Ok((StatusCode::CREATED, Json(staff_member(&staff))).into_response())
}

/// `DELETE /v1/premises/{venue_id}/staff/{staff_id}`.
pub async fn remove_staff(
    State(state): State<AppState>,
    person: Person,
    Path((venue_id, staff_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let v = owned_premises(&state, &person, &venue_id).await?;
    let no_such = || AppError::not_found("staff_not_found", "no such appointment here");
    let staff_id = staff_id.parse::<i64>().map_err(|_| no_such())?;
    let before = state.store.staff_of(v.id).await?;
    let target = before
        .iter()
        .find(|s| s.id == staff_id)
        .ok_or_else(no_such)?;
    let now = state.now();
    let mut audit = owner_audit(&person, "remove_staff", v.id, now);
    audit.subject = Some(audit_subject(&state, &target.iin, None));
    if state.store.remove_staff(v.id, staff_id, &audit).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_such())
    }
}
