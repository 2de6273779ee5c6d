//! The venue registry's rules: checking a registration, and the signed entry and exit
//! codes of each entrance. An entrance's codes are issued at the registration time, or at
//! its last re-issue, so they are the same every time they are asked for until the key
//! rotates or the owner re-issues them; codes issued before an entrance's re-issue are
//! revoked (`code_revoked` at check-in).

use ashyq_core::api::{EntranceCodes, RegisterVenueRequest, VenueResponse};
use ashyq_core::venue::{self, Direction, SignedCode, VenueInfo};
use ashyq_core::{id, Timestamp};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{NewVenue, Venue};

/// The longest premises name and address the registry and the posters take, in
/// characters. A venue code carries at most `venue::MAX_NAME_BYTES` and
/// `venue::MAX_ADDRESS_BYTES` of them (cut at a character, with "…"); the poster prints
/// them whole.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_ADDRESS_CHARS: usize = 160;

/// Checks a registration. Fails (400) with the core's code for a bad BIN, `too_long` for a
/// name or address past the limits, or no entrances.
pub fn check_registration(req: &RegisterVenueRequest, now: i64) -> AppResult<NewVenue> {
    id::validate_bin(&req.bin).map_err(|e| AppError::bad_request(e.code(), format!("bin: {e}")))?;
    let (name, address) = (req.business_name.trim(), req.address.trim());
    if name.is_empty() || address.is_empty() {
        return Err(AppError::bad_request(
            "missing_field",
            "name and address are required",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS
        || address.chars().count() > MAX_ADDRESS_CHARS
        || name.chars().chain(address.chars()).any(char::is_control)
    {
        return Err(AppError::bad_request(
            "too_long",
            format!(
                "names are at most {MAX_NAME_CHARS} characters, addresses {MAX_ADDRESS_CHARS}, \
                 on one line"
            ),
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
        business_name: name.to_owned(),
        address: address.to_owned(),
        category: req.category,
        pcr_required: req
            .pcr_required
            .unwrap_or(req.category.pcr_required_by_default()),
        entrances: req.entrances,
    };
    // Encode a code with these fields now, so a venue that cannot get posters is refused
    // before it is registered.
    let probe = info(&v.registered(1, now.max(1)), 1, Direction::In, now.max(1));
    venue::encode_payload(&probe, ashyq_core::keys::KeyId([0; 4])).map_err(|e| {
        AppError::bad_request(e.code(), format!("the venue cannot be encoded: {e}"))
    })?;
    Ok(v)
}

/// `text` cut to at most `max` UTF-8 bytes at a character boundary, ending in "…" when cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub('…'.len_utf8());
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() > room {
            break;
        }
        end = i + c.len_utf8();
    }
    format!("{}…", text[..end].trim_end())
}

fn info(v: &Venue, entrance: u8, direction: Direction, issued_at: Timestamp) -> VenueInfo {
    VenueInfo {
        venue_id: v.id,
        entrance,
        direction,
        business_name: fit(&v.business_name, venue::MAX_NAME_BYTES),
        bin: v.bin.clone(),
        address: fit(&v.address, venue::MAX_ADDRESS_BYTES),
        category: v.category,
        pcr_required: v.pcr_required,
        issued_at,
    }
}

/// When the current codes of `entrance` were issued: its last re-issue, else the
/// registration.
pub fn issued_at(v: &Venue, valid_from: &[(u8, Timestamp)], entrance: u8) -> Timestamp {
    valid_from
        .iter()
        .find(|(e, _)| *e == entrance)
        .map_or(v.created_at, |(_, at)| *at)
}

/// The signed code of one entrance and direction as first issued (at the registration).
pub fn code(
    state: &AppState,
    v: &Venue,
    entrance: u8,
    direction: Direction,
) -> AppResult<SignedCode> {
    code_at(state, v, entrance, direction, v.created_at)
}

/// The signed code of one entrance and direction issued at `issued_at`.
pub fn code_at(
    state: &AppState,
    v: &Venue,
    entrance: u8,
    direction: Direction,
    issued_at: Timestamp,
) -> AppResult<SignedCode> {
    venue::sign(
        &info(v, entrance, direction, issued_at),
        state.keys.current().venue_signer(),
    )
    .map_err(AppError::internal)
}

pub fn url(state: &AppState, code: &SignedCode) -> String {
    code.url_with_origin(&state.config.public_origin)
}

/// The current entry and exit codes of one entrance.
pub fn entrance_codes(
    state: &AppState,
    v: &Venue,
    valid_from: &[(u8, Timestamp)],
    entrance: u8,
) -> AppResult<EntranceCodes> {
    let at = issued_at(v, valid_from, entrance);
    Ok(EntranceCodes {
        entrance,
        entry_code: url(state, &code_at(state, v, entrance, Direction::In, at)?),
        exit_code: url(state, &code_at(state, v, entrance, Direction::Out, at)?),
    })
}

/// The current codes of every entrance.
pub async fn all_codes(state: &AppState, v: &Venue) -> AppResult<Vec<EntranceCodes>> {
    let valid_from = state.store.entrance_valid_from(v.id).await?;
    (1..=v.entrances)
        .map(|e| entrance_codes(state, v, &valid_from, e))
        .collect()
}

pub async fn response(state: &AppState, v: &Venue) -> AppResult<VenueResponse> {
    Ok(VenueResponse {
        venue_id: v.id,
        bin: v.bin.clone(),
        business_name: v.business_name.clone(),
        address: v.address.clone(),
        category: v.category,
        pcr_required: v.pcr_required,
        entrances: all_codes(state, v).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_at_a_character_and_marks_the_cut() {
        assert_eq!(fit("Аптека", 64), "Аптека");
        let long = "Ж".repeat(40);
        let cut = fit(&long, 64);
        assert!(cut.len() <= 64, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().count(), 30 + 1);
    }
}
