//! The venue registry's rules: checking a registration, and the signed entry and exit
//! codes of each entrance (issued at the registration time, so they are the same every
//! time they are asked for until the key rotates).

use ashyq_core::api::{EntranceCodes, RegisterVenueRequest, VenueResponse};
use ashyq_core::id;
use ashyq_core::venue::{self, Direction, SignedCode, VenueInfo};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{NewVenue, Venue};

/// Checks a registration. Fails (400) with the core's code for a bad BIN, a name or
/// address that cannot go into a code, or no entrances.
pub fn check_registration(req: &RegisterVenueRequest, now: i64) -> AppResult<NewVenue> {
    id::validate_bin(&req.bin).map_err(|e| AppError::bad_request(e.code(), format!("bin: {e}")))?;
    if req.business_name.trim().is_empty() || req.address.trim().is_empty() {
        return Err(AppError::bad_request(
            "missing_field",
            "business_name and address are required",
        ));
    }
    if req.entrances == 0 {
        return Err(AppError::bad_request(
            "bad_entrances",
            "a venue has 1 to 255 entrances",
        ));
    }
    let v = NewVenue {
        bin: req.bin.clone(),
        business_name: req.business_name.trim().to_owned(),
        address: req.address.trim().to_owned(),
        category: req.category,
        pcr_required: req
            .pcr_required
            .unwrap_or(req.category.pcr_required_by_default()),
        entrances: req.entrances,
    };
    // Encode a code with these fields now, so a venue that cannot get posters is refused
    // before it is registered.
    let probe = info(&v.registered(1, now.max(1)), 1, Direction::In);
    venue::encode_payload(&probe, ashyq_core::keys::KeyId([0; 4])).map_err(|e| {
        AppError::bad_request(e.code(), format!("the venue cannot be encoded: {e}"))
    })?;
    Ok(v)
}

fn info(v: &Venue, entrance: u8, direction: Direction) -> VenueInfo {
    VenueInfo {
        venue_id: v.id,
        entrance,
        direction,
        business_name: v.business_name.clone(),
        bin: v.bin.clone(),
        address: v.address.clone(),
        category: v.category,
        pcr_required: v.pcr_required,
        issued_at: v.created_at,
    }
}

/// The signed code of one entrance and direction.
pub fn code(
    state: &AppState,
    v: &Venue,
    entrance: u8,
    direction: Direction,
) -> AppResult<SignedCode> {
    venue::sign(&info(v, entrance, direction), state.keys.venue_signer())
        .map_err(AppError::internal)
}

pub fn url(state: &AppState, code: &SignedCode) -> String {
    code.url_with_origin(&state.config.public_origin)
}

pub fn response(state: &AppState, v: &Venue) -> AppResult<VenueResponse> {
    let entrances = (1..=v.entrances)
        .map(|e| {
            Ok(EntranceCodes {
                entrance: e,
                entry_code: url(state, &code(state, v, e, Direction::In)?),
                exit_code: url(state, &code(state, v, e, Direction::Out)?),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(VenueResponse {
        venue_id: v.id,
        bin: v.bin.clone(),
        business_name: v.business_name.clone(),
        address: v.address.clone(),
        category: v.category,
        pcr_required: v.pcr_required,
        entrances,
    })
}
