//! Guard mode: door staff check in a visitor who has no smartphone. Knowing an IIN is not
//! enough: the staff member asks for a one-time code, the server sends it to the phone the
//! registry holds for that IIN, and the visitor reads it out at the door. Only then is the
//! visit recorded, marked as a guard-mode visit, which the visitor can dispute from their
//! diary. The door learns admitted yes / no and the masked name, never the colour or the
//! reason (docs/SECURITY.md, "Door staff").

use std::sync::atomic::Ordering;

use ashyq_core::api::{
    GuardChallenge, GuardChallengeRequest, GuardCheckInRequest, GuardCheckInResponse, Visit,
};
use ashyq_core::encoding::hex_encode as hex;
use ashyq_core::venue::Direction;
use ashyq_core::{id, status, visit, Timestamp};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::session::status_of;
use crate::apikeys::ImportKey;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, Person};
use crate::sms;
use crate::state::AppState;
use crate::store::{
    subject, Actor, AuditEntry, Challenge, DisputeResult, Lookup, Scan, ScanResult, Venue,
};

/// How long a code may be read out.
pub const CODE_LIFETIME: Timestamp = 5 * 60;
/// Wrong codes a challenge takes before it is spent.
pub const MAX_ATTEMPTS: i64 = 5;

fn not_staff() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "not_staff",
        "you are not door staff at these premises",
    )
}

fn not_proven() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "presence_not_proven",
        "the code is wrong, expired or used up; ask for a new code for the visitor",
    )
}

fn rate_limited() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many guard-mode requests; wait a minute and try again",
    )
}

/// The premises and this person's appointment there, while the owner who appointed them
/// still owns the business; 403 for anything else, existing or not.
async fn staff_post(state: &AppState, person: &Person, venue_id: &str) -> AppResult<(Venue, i64)> {
    let id = venue_id.parse::<u64>().map_err(|_| not_staff())?;
    let v = state.store.venue(id).await?.ok_or_else(not_staff)?;
    let staff_id = state
        .store
        .staff_powers(v.id, person.iin())
        .await?
        .ok_or_else(not_staff)?;
    Ok((v, staff_id))
}

/// Both caps, per staff member and per premises: every request counts, found or not.
fn within_limits(state: &AppState, person: &Person, venue_id: u64) -> AppResult<()> {
    let staff_ok = state.guard_limiter.allow(person.0.id);
    let venue_ok = state.guard_venue_limiter.allow(venue_id);
    if staff_ok && venue_ok {
        Ok(())
    } else {
        state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        Err(rate_limited())
    }
}

fn keyed(state: &AppState, parts: &[&[u8]]) -> [u8; 32] {
    let keys = state.keys.current();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.session_secret)
        .expect("unreachable: HMAC takes keys of any length");
    for p in parts {
        mac.update(&(p.len() as u64).to_be_bytes());
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// How the audit log names the person an IIN belongs to: their row id, or for an IIN the
/// registry does not hold a keyed hash, so the health authority can still match repeated
/// lookups of one IIN without the log holding it.
pub fn audit_subject(state: &AppState, iin: &str, citizen_id: Option<i64>) -> String {
    match citizen_id {
        Some(id) => subject(id),
        None => format!(
            "iin-hmac:{}",
            hex(&keyed(state, &[b"audit-iin", iin.as_bytes()])[..16])
        ),
    }
}

fn code_hash(state: &AppState, challenge_id: &str, code: &str) -> String {
    hex(&keyed(
        state,
        &[b"presence-code", challenge_id.as_bytes(), code.as_bytes()],
    ))
}

fn random_bytes<const N: usize>() -> AppResult<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(b)
}

/// Six decimal digits, uniform.
fn new_code() -> AppResult<String> {
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>()?);
        // Reject the top sliver so every code is equally likely.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn staff_audit(person: &Person, action: &'static str, venue_id: u64, now: Timestamp) -> AuditEntry {
    AuditEntry {
        at: now,
        actor: Actor::person("staff", person.0.id),
        action,
        venue_id: Some(venue_id),
        subject: None,
        detail: String::new(),
    }
}

/// `POST /v1/premises/{venue_id}/guard-checkin/challenge`: a one-time code to the
/// visitor's registered phone. The same answer, after the same work, whether the IIN is
/// registered, has a phone, or neither: the door learns nothing from it.
pub async fn challenge(
    State(state): State<AppState>,
    person: Person,
    Path(venue_id): Path<String>,
    ApiJson(req): ApiJson<GuardChallengeRequest>,
) -> AppResult<Response> {
    id::validate_iin(&req.iin)
        .map_err(|e| AppError::bad_request("bad_iin", format!("iin: {e}")))?;
    let (v, staff_id) = staff_post(&state, &person, &venue_id).await?;
    if !(1..=v.entrances).contains(&req.entrance) {
        return Err(AppError::bad_request(
            "bad_entrance",
            "no such entrance at this venue",
        ));
    }
    let Some(sender) = state.config.sms.clone() else {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "guard_mode_off",
            "guard mode needs an SMS gateway, and none is configured",
        ));
    };
    within_limits(&state, &person, v.id)?;
    let now = state.now();
    let visitor = state
        .store
        .find_citizen(&Lookup::Iin(req.iin.clone()))
        .await?;
    let phone = state.store.phone_of(&req.iin).await?;
    let code = new_code()?;
    let challenge_id = hex(&random_bytes::<16>()?);
    state
        .store
        .add_challenge(&Challenge {
            id: challenge_id.clone(),
            venue_id: v.id,
            entrance: req.entrance,
            staff_id,
            iin: req.iin.clone(),
            code_hash: code_hash(&state, &challenge_id, &code),
            created_at: now,
            expires_at: now + CODE_LIFETIME,
            attempts: 0,
            visit_id: None,
        })
        .await?;
    let mut audit = staff_audit(&person, "guard_lookup", v.id, now);
    audit.subject = Some(audit_subject(
        &state,
        &req.iin,
        visitor.as_ref().map(|c| c.id),
    ));
    audit.detail = match (&visitor, &phone) {
        (None, _) => "not in the registry",
        (Some(_), None) => "no registered phone",
        (Some(_), Some(_)) => "code sent",
    }
    .into();
    state.store.audit(&audit).await?;
    if let (Some(_), Some(phone)) = (visitor, phone) {
        // Sent after the answer, so its time tells the door nothing either.
        let text = sms::presence_code_text(&code, &v.business_name);
        tokio::spawn(async move {
            if let Err(e) = sms::send_with_retries(sender.as_ref(), &phone, &text).await {
                tracing::warn!(error = %e, "guard-mode code not sent");
            }
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(GuardChallenge {
            challenge_id,
            expires_at: now + CODE_LIFETIME,
        }),
    )
        .into_response())
}

fn is_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_challenge_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The challenge when the code proves the visitor is here; audits and counts a failure.
async fn proven(
    state: &AppState,
    person: &Person,
    v: &Venue,
    staff_id: i64,
    req: &GuardCheckInRequest,
    now: Timestamp,
) -> AppResult<Challenge> {
    let found = state
        .store
        .challenge(&req.challenge_id)
        .await?
        .filter(|c| c.venue_id == v.id && c.staff_id == staff_id);
    let mut audit = staff_audit(person, "guard_checkin", v.id, now);
    let why = match &found {
        None => Some("no such challenge"),
        Some(c) if c.attempts >= MAX_ATTEMPTS => Some("too many wrong codes"),
        Some(c)
            if c.visit_id
                .as_deref()
                .is_some_and(|id| id != req.client_visit_id) =>
        {
            Some("code used")
        }
        Some(c) if c.visit_id.is_none() && now >= c.expires_at => Some("code expired"),
        Some(c) => {
            let given = code_hash(state, &c.id, &req.code);
            if bool::from(given.as_bytes().ct_eq(c.code_hash.as_bytes())) {
                None
            } else {
                state.store.challenge_failed(&c.id).await?;
                Some("wrong code")
            }
        }
    };
    match (why, found) {
        (None, Some(c)) => Ok(c),
        (why, found) => {
            audit.subject = found.map(|c| audit_subject(state, &c.iin, None));
            audit.detail = why.unwrap_or("refused").into();
            state.store.audit(&audit).await?;
            Err(not_proven())
        }
    }
}

/// `POST /v1/premises/{venue_id}/guard-checkin`: records the visit once the visitor's code
/// proves them present. Answers admitted yes / no and the masked name only.
pub async fn check_in(
    State(state): State<AppState>,
    person: Person,
    Path(venue_id): Path<String>,
    ApiJson(req): ApiJson<GuardCheckInRequest>,
) -> AppResult<Json<GuardCheckInResponse>> {
    if !visit::is_valid_client_visit_id(&req.client_visit_id) {
        return Err(AppError::bad_request(
            "bad_visit_id",
            "client_visit_id must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -",
        ));
    }
    if !is_challenge_id(&req.challenge_id) || !is_code(&req.code) {
        return Err(AppError::bad_request(
            "bad_code",
            "challenge_id is the one the challenge returned; code is the visitor's 6 digits",
        ));
    }
    let (v, staff_id) = staff_post(&state, &person, &venue_id).await?;
    within_limits(&state, &person, v.id)?;
    let now = state.now();
    let c = proven(&state, &person, &v, staff_id, &req, now).await?;
    let visitor = state
        .store
        .find_citizen(&Lookup::Iin(c.iin.clone()))
        .await?
        .ok_or_else(not_proven)?;
    let scan = Scan {
        client_visit_id: req.client_visit_id.clone(),
        person: visitor.iin.clone(),
        venue: v.clone(),
        entrance: c.entrance,
        direction: Direction::In,
        guard_staff: Some(staff_id),
    };
    let mut audit = staff_audit(&person, "guard_checkin", v.id, now);
    audit.subject = Some(subject(visitor.id));
    let outcome = match state
        .store
        .check_in_with_challenge(&c.id, scan, now, &state.config.policy)
        .await?
    {
        None => Err(("code used", not_proven())),
        Some(ScanResult::Recorded {
            visit,
            replay,
            listed,
            ..
        }) => {
            if !replay {
                state.metrics.checkins_in.fetch_add(1, Ordering::Relaxed);
            }
            state
                .metrics
                .contacts_listed
                .fetch_add(listed, Ordering::Relaxed);
            audit.detail = if replay { "retry" } else { "visit recorded" }.into();
            Ok(visit)
        }
        Some(ScanResult::IdConflict) | Some(ScanResult::IdTaken) => Err((
            "visit id taken",
            AppError::conflict(
                "visit_id_taken",
                "this client_visit_id is already used; make a new one",
            ),
        )),
        Some(ScanResult::Gone) => Err((
            "visit gone",
            AppError::conflict("visit_gone", "this visit has been deleted"),
        )),
    };
    let visit = match outcome {
        Ok(visit) => visit,
        Err((why, e)) => {
            audit.detail = why.into();
            state.store.audit(&audit).await?;
            return Err(e);
        }
    };
    state.store.audit(&audit).await?;
    let status = status_of(&state, &visitor.iin, now).await?;
    let admission = status::admission(status.status, v.category, v.pcr_required);
    tracing::info!(venue_id = v.id, "guard-mode check-in");
    Ok(Json(GuardCheckInResponse {
        admitted: admission.admitted,
        masked_name: id::mask_name(&visitor.name, &visitor.lastname),
        visit_id: visit.id,
    }))
}

/// `POST /v1/visits/{id}/dispute`: the visitor says a guard-mode visit was not theirs. It
/// leaves tracing at once, and what it listed is withdrawn.
pub async fn dispute(
    State(state): State<AppState>,
    person: Person,
    Path(visit_id): Path<String>,
) -> AppResult<Json<Visit>> {
    let now = state.now();
    let audit = AuditEntry {
        at: now,
        actor: Actor::person("visitor", person.0.id),
        action: "dispute_visit",
        venue_id: None,
        subject: Some(subject(person.0.id)),
        detail: String::new(),
    };
    match state
        .store
        .dispute_visit(person.iin(), &visit_id, now, &state.config.policy, &audit)
        .await?
    {
        DisputeResult::Disputed { visit, withdrawn } => {
            tracing::info!(
                venue_id = visit.venue_id,
                withdrawn,
                "guard-mode visit disputed"
            );
            Ok(Json(visit))
        }
        DisputeResult::NotGuard => Err(AppError::conflict(
            "not_guard_visit",
            "only a visit door staff recorded can be disputed; cancel your own instead",
        )),
        DisputeResult::NotFound => Err(AppError::not_found("visit_not_found", "no such visit")),
    }
}

/// A disputed visit as the health authority sees it.
#[derive(Debug, Serialize)]
pub struct DisputeRow {
    pub visit_id: String,
    pub venue_id: u64,
    pub staff_id: String,
    pub entered_at: Timestamp,
    pub disputed_at: Timestamp,
}

/// `GET /v1/disputes` (import key: the health authority): disputed guard-mode visits, the
/// newest first, with the appointment that recorded each.
pub async fn disputes(State(state): State<AppState>, _key: ImportKey) -> AppResult<Response> {
    let rows: Vec<DisputeRow> = state
        .store
        .disputes(1000)
        .await?
        .into_iter()
        .map(|d| DisputeRow {
            visit_id: d.visit_id,
            venue_id: d.venue_id,
            staff_id: d.staff_id.to_string(),
            entered_at: d.entered_at,
            disputed_at: d.disputed_at,
        })
        .collect();
    Ok(Json(serde_json::json!({ "disputes": rows })).into_response())
}
