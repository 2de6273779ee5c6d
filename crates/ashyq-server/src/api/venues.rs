//! The venue registry for businesses (admin key): registering, reading, posters.

use ashyq_core::api::{RegisterVenueRequest, VenueResponse};
use ashyq_core::venue::{self, Direction};
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::apikeys::{audit, ImportKey, Scope};
use crate::error::{AppError, AppResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::Venue;
use crate::{poster, venues};

/// `POST /v1/venues`.
pub async fn register_venue(
    State(state): State<AppState>,
    key: ImportKey,
    ApiJson(req): ApiJson<RegisterVenueRequest>,
) -> AppResult<Response> {
    let now = state.now();
    let new = venues::check_registration(&req, now)?;
    let v = state.store.add_venue(&new, now).await?;
    audit(
        Scope::Import,
        &key.id,
        "venue_registered",
        &v.id.to_string(),
    );
    Ok((StatusCode::CREATED, Json(venues::response(&state, &v)?)).into_response())
}

fn parse_venue_id(s: &str) -> AppResult<u64> {
    s.parse::<u64>()
        .ok()
        .filter(|&n| (1..=venue::MAX_VENUE_ID).contains(&n))
        .ok_or_else(|| AppError::not_found("venue_not_found", "no such venue"))
}

async fn registered(state: &AppState, id: &str) -> AppResult<Venue> {
    state
        .store
        .venue(parse_venue_id(id)?)
        .await?
        .ok_or_else(|| AppError::not_found("venue_not_found", "no such venue"))
}

/// `GET /v1/venues/{id}`.
pub async fn get_venue(
    State(state): State<AppState>,
    _key: ImportKey,
    Path(id): Path<String>,
) -> AppResult<Json<VenueResponse>> {
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
    _key: ImportKey,
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
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        svg,
    )
        .into_response())
}

pub fn poster_svg(
    state: &AppState,
    v: &Venue,
    entrance: u8,
    direction: Direction,
) -> AppResult<String> {
    let code = venues::code(state, v, entrance, direction)?;
    poster::svg(v, entrance, direction, &venues::url(state, &code)).map_err(AppError::internal)
}
