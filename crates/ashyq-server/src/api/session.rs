//! Signing in: a host proof (Aitu, Telegram, VK, or a dev identity) → a session token;
//! and the signed-in person's status.

use ashyq_core::api::{
    BusinessRef, Dependant, HostProof, Profile, Roles, SessionRequest, SessionResponse, StaffPost,
    StatusResponse,
};
use ashyq_core::hostproof::{self, ProofError};
use ashyq_core::status::{self, HealthRecords};
use ashyq_core::{id, Timestamp};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, Person, Session};
use crate::state::AppState;
use crate::store::{Citizen, Lookup};
use crate::{family, session};

fn proof_error(host: &str, e: ProofError) -> AppError {
    let status = match e {
        ProofError::Malformed => StatusCode::BAD_REQUEST,
        ProofError::BadSignature
        | ProofError::Stale
        | ProofError::FromTheFuture
        | ProofError::WrongApp => StatusCode::UNAUTHORIZED,
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
    // The Aitu pair's digest: remembered once the session is sure to open.
    let mut aitu_pair = None;
    let (citizen, host) = match &req.proof {
        HostProof::Aitu { me, phone } => {
            let key = hosts
                .aitu_api_key
                .as_deref()
                .ok_or_else(|| not_configured("Aitu"))?;
            let aitu =
                hostproof::verify_aitu(me, phone, key).map_err(|e| proof_error("Aitu", e))?;
            aitu_pair = Some(aitu.pair);
            let by = Lookup::Aitu {
                id: aitu.id,
                phone: aitu.phone,
            };
            (link(&state, by).await?, "aitu")
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
            // A secret alone does not say which app it belongs to: no app id, no VK.
            let app_id = hosts.vk_app_id.ok_or_else(|| not_configured("VK"))?;
            let launch = hostproof::verify_vk(
                launch_params,
                secret,
                app_id,
                now,
                state.config.proof_max_age,
            )
            .map_err(|e| proof_error("VK", e))?;
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
    let ttl = if host == "aitu" {
        state.config.session_ttl.min(hostproof::AITU_MAX_SESSION)
    } else {
        state.config.session_ttl
    };
    let expires_at = now + ttl;
    let roles = roles_of(&state, &citizen.iin).await?;
    let dependants = family::dependants(&state, &citizen, now)
        .await?
        .into_iter()
        .map(|(id, c)| Dependant {
            id,
            masked_name: id::mask_name(&c.name, &c.lastname),
            masked_iin: id::mask(&c.iin),
        })
        .collect();
    // Aitu signs no time: a pair is refused until the session it opened has ended, on
    // every node (the database remembers its digest, never the proof). Not in dev, which
    // opens a session for any IIN without a proof anyway.
    if let (Some(pair), false) = (aitu_pair, state.config.dev) {
        let digest = ashyq_core::encoding::hex_encode(&pair);
        if !state.store.use_host_proof(&digest, expires_at, now).await? {
            tracing::warn!(person = %id::mask(&citizen.iin), "replayed Aitu proof refused");
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "proof_replayed",
                "Aitu proof: this GetMe/GetPhone pair has already opened a session. Aitu \
                 signs no time, so the same pair opens another only once that session has \
                 ended (at most an hour after it was opened)",
            ));
        }
    }
    tracing::info!(host, person = %id::mask(&citizen.iin), "session opened");
    Ok(Json(SessionResponse {
        token: session::issue(
            &state.keys.current().session_secret,
            citizen.id,
            citizen.session_epoch,
            expires_at,
        ),
        expires_at,
        profile: Profile {
            masked_name: id::mask_name(&citizen.name, &citizen.lastname),
            masked_iin: id::mask(&citizen.iin),
        },
        roles,
        dependants,
    }))
}

/// What the registries say this person may do: the businesses they own, the premises
/// where they are door staff.
pub(super) async fn roles_of(state: &AppState, iin: &str) -> AppResult<Roles> {
    let owner_of = state
        .store
        .businesses_of(iin)
        .await?
        .into_iter()
        .map(|b| BusinessRef {
            bin: b.bin,
            name: b.name,
        })
        .collect();
    let staff_at = state
        .store
        .staff_posts(iin)
        .await?
        .into_iter()
        .map(|v| StaffPost {
            venue_id: v.id,
            venue_name: v.business_name,
            address: v.address,
            category: v.category,
            pcr_required: v.pcr_required,
        })
        .collect();
    Ok(Roles { owner_of, staff_at })
}

pub(super) async fn status_of(
    state: &AppState,
    iin: &str,
    now: Timestamp,
) -> AppResult<StatusResponse> {
    let records = state.store.health_records(iin).await?;
    Ok(status_from(state, &records, now))
}

fn status_from(state: &AppState, records: &HealthRecords, now: Timestamp) -> StatusResponse {
    let r = status::evaluate(records, now, &state.config.policy);
    StatusResponse {
        status: r.status,
        since: r.since,
        valid_until: r.valid_until,
        as_of: now,
    }
}

/// `DELETE /v1/session`: signs out on the server. Ends every session of the person issued
/// so far (this device's and any other), so a copied token is worth nothing after it.
pub async fn end_session(State(state): State<AppState>, person: Person) -> AppResult<StatusCode> {
    state.store.end_sessions(person.0.id).await?;
    tracing::info!(person = %id::mask(person.iin()), "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me/status`: the citizen and their records in one read.
pub async fn me_status(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Json<StatusResponse>> {
    let found = state.store.citizen_status(session.0.citizen_id).await?;
    let (citizen, records) = found.unzip();
    session.check(citizen)?;
    Ok(Json(status_from(
        &state,
        &records.unwrap_or_default(),
        state.now(),
    )))
}
