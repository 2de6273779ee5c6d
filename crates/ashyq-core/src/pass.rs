//! Pass tokens: the QR on a visitor's live pass, signed by the backend and verified
//! offline by door staff. Text form `ASHYQP1:<payload>.<signature>`. A token past its
//! `expires_at` is a screenshot and is rejected with [`CodeError::Expired`].

use serde::{Deserialize, Serialize};

use crate::codec::{self, CodeError, Result};
use crate::encoding::{self, Reader, Writer};
use crate::keys::{KeyId, KeySet, Signer};
use crate::status::Status;
use crate::venue::{Direction, MAX_VENUE_ID};
use crate::Timestamp;

/// First payload byte: the high bit marks a pass token (venue codes start with `0x01`), so
/// one can never be read as the other; the low bits are the version.
pub const VERSION: u8 = 0x81;
pub const PREFIX: &str = "ASHYQP1:";
pub const MAX_VISIT_ID_BYTES: usize = 64;
pub const MAX_MASKED_NAME_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassClaims {
    pub visit_id: String,
    pub masked_name: String,
    /// Never [`Status::Unknown`]: there is no pass without a status.
    pub status: Status,
    pub venue_id: u64,
    pub entrance: u8,
    pub direction: Direction,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

fn check(c: &PassClaims) -> Result<()> {
    let ok = !c.visit_id.is_empty()
        && c.visit_id.len() <= MAX_VISIT_ID_BYTES
        && encoding::text_is_printable(&c.visit_id)
        && encoding::text_is_printable(&c.masked_name)
        && c.masked_name.len() <= MAX_MASKED_NAME_BYTES
        && c.status != Status::Unknown
        && (1..=MAX_VENUE_ID).contains(&c.venue_id)
        && c.entrance >= 1
        && c.issued_at > 0
        && c.expires_at > c.issued_at
        && c.expires_at < (1 << 40);
    if ok {
        Ok(())
    } else {
        Err(CodeError::FieldOutOfRange)
    }
}

/// The payload bytes of a token (exposed for test vectors).
pub fn encode_payload(c: &PassClaims, key_id: KeyId) -> Result<Vec<u8>> {
    check(c)?;
    let mut w = Writer::default();
    w.u8(VERSION);
    w.bytes(&key_id.0);
    w.str(&c.visit_id);
    w.str(&c.masked_name);
    w.u8(c.status.to_byte());
    w.varint(c.venue_id);
    w.u8(c.entrance);
    w.u8(u8::from(c.direction == Direction::Out));
    w.varint(c.issued_at as u64);
    w.varint(c.expires_at as u64);
    Ok(w.0)
}

/// Signs a pass. Fails with [`CodeError::FieldOutOfRange`] for an impossible claim
/// (UNKNOWN status, expiry not after issue, empty visit id, …).
pub fn sign(c: &PassClaims, signer: &Signer) -> Result<String> {
    let payload = encode_payload(c, signer.key_id())?;
    Ok(seal_raw(&payload, signer))
}

/// Signs arbitrary payload bytes (test vectors).
pub fn seal_raw(payload: &[u8], signer: &Signer) -> String {
    let mut s = String::from(PREFIX);
    s.push_str(&codec::seal(payload, signer));
    s
}

/// Verifies the signature and fields but not the expiry: for showing *what* an expired
/// screenshot claimed.
pub fn decode(token: &str, keys: &KeySet) -> Result<PassClaims> {
    if token.len() > codec::MAX_TEXT_LEN {
        return Err(CodeError::TooLong);
    }
    let body = token
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(CodeError::BadPrefix)?;
    let mut buf = Vec::new();
    let (_, mut r) = codec::open(body, VERSION, keys, &mut buf)?;
    let claims = read_fields(&mut r)?;
    r.finish()?;
    Ok(claims)
}

/// Verifies a pass token at time `now`. Fails with the [`CodeError`] saying why;
/// [`CodeError::Expired`] when `now >= expires_at`.
pub fn verify(token: &str, keys: &KeySet, now: Timestamp) -> Result<PassClaims> {
    let claims = decode(token, keys)?;
    if now >= claims.expires_at {
        return Err(CodeError::Expired);
    }
    Ok(claims)
}

fn read_fields(r: &mut Reader<'_>) -> Result<PassClaims> {
    let visit_id = r.str(MAX_VISIT_ID_BYTES)?;
    let masked_name = r.str(MAX_MASKED_NAME_BYTES)?;
    let status = Status::from_byte(r.u8()?).ok_or(CodeError::FieldOutOfRange)?;
    let venue_id = r.varint()?;
    let entrance = r.u8()?;
    let direction = match r.u8()? {
        0 => Direction::In,
        1 => Direction::Out,
        _ => return Err(CodeError::FieldOutOfRange),
    };
    let issued_at = r.varint()? as Timestamp;
    let expires_at = r.varint()? as Timestamp;
    let claims = PassClaims {
        visit_id,
        masked_name,
        status,
        venue_id,
        entrance,
        direction,
        issued_at,
        expires_at,
    };
    check(&claims)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> PassClaims {
        PassClaims {
            visit_id: "0b7c7c9e-4f4e-4a7e-9d55-2b7f0c3a1e10".into(),
            masked_name: "Айгерим С.".into(),
            status: Status::Green,
            venue_id: 3,
            entrance: 1,
            direction: Direction::In,
            issued_at: 1_790_000_000,
            expires_at: 1_790_000_300,
        }
    }

    #[test]
    fn a_fresh_pass_verifies_and_an_old_one_is_a_screenshot() {
        let s = Signer::from_seed([9; 32]);
        let mut keys = KeySet::default();
        keys.insert(s.key_id(), s.verifying_key());
        let token = sign(&claims(), &s).expect("valid claims");
        assert_eq!(verify(&token, &keys, 1_790_000_100), Ok(claims()));
        assert_eq!(
            verify(&token, &keys, 1_790_000_300),
            Err(CodeError::Expired)
        );
        assert_eq!(decode(&token, &keys), Ok(claims()));
    }

    #[test]
    fn impossible_claims_are_not_signed() {
        let s = Signer::from_seed([9; 32]);
        let mut c = claims();
        c.status = Status::Unknown;
        assert_eq!(sign(&c, &s), Err(CodeError::FieldOutOfRange));
        let mut c = claims();
        c.expires_at = c.issued_at;
        assert_eq!(sign(&c, &s), Err(CodeError::FieldOutOfRange));
    }

    #[test]
    fn a_venue_code_is_not_a_pass() {
        let s = Signer::from_seed([9; 32]);
        let mut keys = KeySet::default();
        keys.insert(s.key_id(), s.verifying_key());
        let token = sign(&claims(), &s).expect("valid");
        let as_venue = token.replacen(PREFIX, crate::venue::BARE_PREFIX, 1);
        assert_eq!(
            crate::venue::parse(&as_venue, &keys),
            Err(CodeError::UnsupportedVersion)
        );
        assert_eq!(decode("ASHYQ1:AA.AA", &keys), Err(CodeError::BadPrefix));
    }
}
