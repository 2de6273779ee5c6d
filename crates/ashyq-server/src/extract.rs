//! Request extractors that fail with our typed errors: JSON bodies (`bad_json`,
//! `body_too_large`), query strings (`bad_query`), and the visitor's session.

use ashyq_core::id;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::apikeys::{ImportKey, OpsKey, Scope};
use crate::error::AppError;
use crate::session;
use crate::state::AppState;
use crate::store::{Citizen, Lookup};

/// A JSON body, whatever Content-Type says (clients and tools differ; the body decides);
/// it must fit the route's limit.
pub struct ApiJson<T>(pub T);

pub async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is too large",
            )
        } else {
            AppError::bad_request("bad_body", "the request body could not be read")
        }
    })
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde's message names the field or position, never the value: safe to show.
        AppError::bad_request(
            "bad_json",
            format!("the body is not the expected JSON: {e}"),
        )
    })
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A query string read into `T`, failing with the JSON error (`bad_query`) where axum's
/// `Query` answers `text/plain` (a repeated parameter, `?entrance=1&entrance=2`, is one).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, AppError> {
        Query::try_from_uri(&parts.uri)
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                // serde_urlencoded's message names the parameter, never its value.
                AppError::bad_request(
                    "bad_query",
                    format!("the query string is not readable: {}", e.body_text()),
                )
            })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A valid session token, not yet checked against the registry (its citizen may have
/// signed out since): for handlers that read the citizen together with other records.
pub struct Session(pub session::Claims);

impl Session {
    /// `citizen` (read by this session's citizen id), when this session is still theirs:
    /// 401 when there is no such citizen or the token is from before they signed out.
    pub fn check(&self, citizen: Option<Citizen>) -> Result<Citizen, AppError> {
        citizen
            .filter(|c| c.session_epoch == self.0.epoch)
            .ok_or_else(AppError::unauthorized)
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or_else(AppError::unauthorized)?;
        session::verify(&state.keys.current().session_secret, token, state.now())
            .map(Session)
            .ok_or_else(AppError::unauthorized)
    }
}

/// The visitor behind a valid session token.
pub struct Person(pub Citizen);

impl Person {
    pub fn iin(&self) -> &str {
        &self.0.iin
    }
    pub fn masked_name(&self) -> String {
        id::mask_name(&self.0.name, &self.0.lastname)
    }
}

impl FromRequestParts<AppState> for Person {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state).await?;
        let citizen = state
            .store
            .find_citizen(&Lookup::Id(session.0.citizen_id))
            .await?;
        Ok(Person(session.check(citizen)?))
    }
}

// ---------------------------------------------------------------- API keys

/// The id of the `scope` key the request's bearer token is, or 401.
fn key_of(parts: &Parts, state: &AppState, scope: Scope) -> Result<String, AppError> {
    let token = bearer(parts).ok_or_else(AppError::unauthorized)?;
    state
        .config
        .api_keys
        .find(scope, token)
        .map(str::to_owned)
        .ok_or_else(AppError::unauthorized)
}

impl FromRequestParts<AppState> for ImportKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        key_of(parts, state, Scope::Import).map(|id| ImportKey { id })
    }
}

impl FromRequestParts<AppState> for OpsKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        key_of(parts, state, Scope::Ops).map(|id| OpsKey { id })
    }
}
