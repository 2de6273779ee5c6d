//! The handlers of the v1 API (DESIGN §6; the contract is `docs/openapi.yaml`). Types are
//! `ashyq_core::api`; rules are `ashyq_core::{status, visit, venue, pass}`.

use std::sync::atomic::Ordering;

use ashyq_core::api::{
    CheckInRequest, CheckInResponse, HostProof, ImportBatch, KeysResponse, PassResponse, Profile,
    RegisterVenueRequest, SessionRequest, SessionResponse, StatusResponse, Visit, VisitList,
};
use ashyq_core::hostproof::{self, ProofError};
use ashyq_core::pass::{self, PassClaims};
use ashyq_core::status::{self, Status};
use ashyq_core::venue::{self, Direction};
use ashyq_core::visit::{self, CancelError};
use ashyq_core::{id, Timestamp};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{body_bytes, parse_json, Admin, ApiJson, Person};
use crate::store::{normalize_phone, Citizen, Lookup, Scan, ScanResult};
use crate::{import, poster, session, venues, AppState};

// ---------------------------------------------------------------- session

fn proof_error(host: &str, e: ProofError) -> AppError {
    let status = match e {
        ProofError::Malformed => StatusCode::BAD_REQUEST,
        ProofError::BadSignature | ProofError::Stale => StatusCode::UNAUTHORIZED,
    };
    AppError::new(status, e.code(), format!("{host} proof: {e}"))
}

fn not_configured(host: &str) -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "host_not_configured",
        format!("sign-in through {host} is not configured on this server"),
    )
}

async fn link(state: &AppState, by: Lookup) -> AppResult<Citizen> {
    state.store.find_citizen(&by).await?.ok_or_else(|| {
        AppError::not_found(
            "citizen_not_found",
            "no citizen in the registry matches this identity",
        )
    })
}

/// `POST /v1/session`: a host proof → a session token.
pub async fn session(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SessionRequest>,
) -> AppResult<Json<SessionResponse>> {
    let now = state.now();
    let hosts = &state.config.hosts;
    let (citizen, host) = match &req.proof {
        HostProof::Aitu { me, phone } => {
            let key = hosts
                .aitu_api_key
                .as_deref()
                .ok_or_else(|| not_configured("Aitu"))?;
            hostproof::verify_aitu(me, key).map_err(|e| proof_error("Aitu GetMe", e))?;
            hostproof::verify_aitu(phone, key).map_err(|e| proof_error("Aitu GetPhone", e))?;
            let raw = phone
                .get("phone")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| proof_error("Aitu GetPhone", ProofError::Malformed))?;
            let number = normalize_phone(raw)
                .ok_or_else(|| proof_error("Aitu GetPhone", ProofError::Malformed))?;
            (link(&state, Lookup::Phone(number)).await?, "aitu")
        }
        HostProof::Telegram { init_data } => {
            let token = hosts
                .telegram_bot_token
                .as_deref()
                .ok_or_else(|| not_configured("Telegram"))?;
            let user =
                hostproof::verify_telegram(init_data, token, now, state.config.proof_max_age)
                    .map_err(|e| proof_error("Telegram", e))?;
            (link(&state, Lookup::Telegram(user.id)).await?, "telegram")
        }
        HostProof::Vk { launch_params } => {
            let secret = hosts
                .vk_app_secret
                .as_deref()
                .ok_or_else(|| not_configured("VK"))?;
            let launch =
                hostproof::verify_vk(launch_params, secret, now, state.config.proof_max_age)
                    .map_err(|e| proof_error("VK", e))?;
            if hosts.vk_app_id.is_some_and(|id| id != launch.app_id) {
                return Err(AppError::new(
                    StatusCode::UNAUTHORIZED,
                    "proof_wrong_app",
                    "VK proof: launched for another app",
                ));
            }
            (link(&state, Lookup::Vk(launch.user_id)).await?, "vk")
        }
        HostProof::Dev { iin } => {
            if !state.config.dev {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "dev_disabled",
                    "dev identities are accepted only in dev mode",
                ));
            }
            id::validate_iin(iin)
                .map_err(|e| AppError::bad_request(e.code(), format!("iin: {e}")))?;
            (link(&state, Lookup::Iin(iin.clone())).await?, "dev")
        }
    };
    let expires_at = now + state.config.session_ttl;
    tracing::info!(host, person = %id::mask(&citizen.iin), "session opened");
    Ok(Json(SessionResponse {
        token: session::issue(&state.keys.session_secret, citizen.id, expires_at),
        expires_at,
        profile: Profile {
            masked_name: id::mask_name(&citizen.name, &citizen.lastname),
            masked_iin: id::mask(&citizen.iin),
        },
    }))
}

// ---------------------------------------------------------------- status

async fn status_of(state: &AppState, iin: &str, now: Timestamp) -> AppResult<StatusResponse> {
    let records = state.store.health_records(iin).await?;
    let r = status::evaluate(&records, now, &state.config.policy);
    Ok(StatusResponse {
        status: r.status,
        since: r.since,
        valid_until: r.valid_until,
        as_of: now,
    })
}

/// `GET /v1/me/status`.
pub async fn me_status(
    State(state): State<AppState>,
    person: Person,
) -> AppResult<Json<StatusResponse>> {
    Ok(Json(status_of(&state, person.iin(), state.now()).await?))
}

// ---------------------------------------------------------------- visits

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
    let token = pass::sign(&claims, state.keys.pass_signer()).map_err(AppError::internal)?;
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
) -> AppResult<Json<CheckInResponse>> {
    if !visit::is_valid_client_visit_id(&req.client_visit_id) {
        return Err(AppError::bad_request(
            "bad_visit_id",
            "client_visit_id must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -",
        ));
    }
    let code = venue::parse(&req.code, &state.keys.venue_set)
        .map_err(|e| AppError::unprocessable(e.code(), e.to_string()))?;
    let info = code.info;
    let venue = state
        .store
        .venue(info.venue_id)
        .await?
        .filter(|v| v.bin == info.bin && info.entrance <= v.entrances)
        .ok_or_else(|| {
            AppError::not_found(
                "venue_not_registered",
                "this venue or entrance is not in the registry",
            )
        })?;
    let now = state.now();
    let policy = &state.config.policy;
    let scan = Scan {
        client_visit_id: req.client_visit_id,
        person: person.iin().to_owned(),
        venue: venue.clone(),
        entrance: info.entrance,
        direction: info.direction,
    };
    let (visit, direction, closed_visit_id, replay) =
        match state.store.check_in(scan, now, policy).await? {
            ScanResult::Recorded {
                visit,
                direction,
                closed_visit_id,
                replay,
            } => (visit, direction, closed_visit_id, replay),
            ScanResult::IdTaken => {
                return Err(AppError::conflict(
                    "visit_id_taken",
                    "this client_visit_id is already used; make a new one",
                ))
            }
            ScanResult::Gone => {
                return Err(AppError::conflict(
                    "visit_gone",
                    "this visit has been deleted",
                ))
            }
        };
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
    Ok(Json(CheckInResponse {
        visit,
        direction,
        status,
        admission,
        pass,
        closed_visit_id,
    }))
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

// ---------------------------------------------------------------- keys

/// `GET /v1/keys`.
pub async fn keys(State(state): State<AppState>) -> Response {
    let k = &state.keys;
    let body = KeysResponse {
        venue_keys: k.venue_set.to_b64_map(),
        pass_keys: k.pass_set.to_b64_map(),
        current_venue_key: k.venue_signer().key_id().to_string(),
        current_pass_key: k.pass_signer().key_id().to_string(),
    };
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

// ---------------------------------------------------------------- business

/// `POST /v1/venues`.
pub async fn register_venue(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(req): ApiJson<RegisterVenueRequest>,
) -> AppResult<Response> {
    let now = state.now();
    let new = venues::check_registration(&req, now)?;
    let v = state.store.add_venue(&new, now).await?;
    tracing::info!(venue_id = v.id, "venue registered");
    Ok((StatusCode::CREATED, Json(venues::response(&state, &v)?)).into_response())
}

fn parse_venue_id(s: &str) -> AppResult<u64> {
    s.parse::<u64>()
        .ok()
        .filter(|&n| (1..=venue::MAX_VENUE_ID).contains(&n))
        .ok_or_else(|| AppError::not_found("venue_not_found", "no such venue"))
}

async fn registered(state: &AppState, id: &str) -> AppResult<crate::store::Venue> {
    state
        .store
        .venue(parse_venue_id(id)?)
        .await?
        .ok_or_else(|| AppError::not_found("venue_not_found", "no such venue"))
}

/// `GET /v1/venues/{id}`.
pub async fn get_venue(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> AppResult<Json<ashyq_core::api::VenueResponse>> {
    let v = registered(&state, &id).await?;
    Ok(Json(venues::response(&state, &v)?))
}

#[derive(Debug, Deserialize)]
pub struct PosterQuery {
    pub entrance: Option<String>,
    pub direction: Option<String>,
}

/// `GET /v1/venues/{id}/poster.svg?entrance=1&direction=in`.
pub async fn poster(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<PosterQuery>,
) -> AppResult<Response> {
    let v = registered(&state, &id).await?;
    let entrance = match q.entrance.as_deref() {
        None => 1,
        Some(s) => s
            .parse::<u8>()
            .ok()
            .filter(|e| (1..=v.entrances).contains(e))
            .ok_or_else(|| {
                AppError::bad_request("bad_entrance", "no such entrance at this venue")
            })?,
    };
    let direction = match q.direction.as_deref() {
        None => Direction::In,
        Some(s) => Direction::parse(s)
            .ok_or_else(|| AppError::bad_request("bad_direction", "direction is in or out"))?,
    };
    let svg = poster_svg(&state, &v, entrance, direction)?;
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml; charset=utf-8"),
            ),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        svg,
    )
        .into_response())
}

pub fn poster_svg(
    state: &AppState,
    v: &crate::store::Venue,
    entrance: u8,
    direction: Direction,
) -> AppResult<String> {
    let code = venues::code(state, v, entrance, direction)?;
    poster::svg(v, entrance, direction, &venues::url(state, &code)).map_err(AppError::internal)
}

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    pub kind: Option<String>,
    pub batch_id: Option<String>,
}

/// `POST /v1/import`: an `ImportBatch` as JSON, or one kind of rows as `text/csv`.
pub async fn import(
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<ImportQuery>,
    req: Request,
) -> AppResult<Response> {
    let csv = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("text/csv"));
    let bytes = body_bytes(req, &state).await?;
    let report = if csv {
        let kind = q.kind.as_deref().unwrap_or("");
        let batch_id = q
            .batch_id
            .as_deref()
            .ok_or_else(|| AppError::bad_request("bad_batch_id", "CSV imports need ?batch_id="))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| AppError::bad_request("bad_csv", "the CSV is not UTF-8"))?;
        let (batch, errors, lines) = import::csv_batch(kind, batch_id, text)?;
        import::run(&state, &batch, errors, Some(&lines)).await?
    } else {
        let batch: ImportBatch = parse_json(&bytes)?;
        import::run(&state, &batch, Vec::new(), None).await?
    };
    Ok(Json(report).into_response())
}

// ---------------------------------------------------------------- operations

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /dev/api/demo` (only with `--dev`).
pub async fn demo(State(state): State<AppState>) -> AppResult<Response> {
    let info = state.demo.get().ok_or_else(|| {
        AppError::not_found("demo_not_seeded", "start the server with --dev --demo")
    })?;
    Ok(Json(info).into_response())
}

pub async fn not_found() -> AppError {
    AppError::not_found("not_found", "no such endpoint")
}

pub async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

/// A JSON 404 for API paths that matched no route (used by the static fallback).
pub fn api_not_found() -> Response {
    AppError::not_found("not_found", "no such endpoint").into_response()
}
