//! Session tokens: `base64url(payload).base64url(HMAC-SHA256(secret, payload))`, where the
//! payload is `2.<citizen row id>.<session epoch>.<expires-at>`. The token names a
//! registry row, not an IIN, so a leaked token reveals nothing by itself; it expires and
//! cannot be altered. The epoch is the person's when it was issued: signing out moves the
//! person's epoch on, which ends every token issued before (the server checks it on every
//! request, with the lookup of the person it does anyway). Tokens of format 1 (no epoch)
//! count as epoch 0 until they expire.

use ashyq_core::encoding::{b64_decode, b64_encode};
use ashyq_core::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8; 32]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("unreachable: HMAC takes keys of any length")
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub citizen_id: i64,
    pub epoch: i64,
}

pub fn issue(secret: &[u8; 32], citizen_id: i64, epoch: i64, expires_at: Timestamp) -> String {
    let payload = format!("2.{citizen_id}.{epoch}.{expires_at}");
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    let tag = m.finalize().into_bytes();
    format!("{}.{}", b64_encode(payload.as_bytes()), b64_encode(&tag))
}

/// The claims of a valid, unexpired token; None otherwise.
pub fn verify(secret: &[u8; 32], token: &str, now: Timestamp) -> Option<Claims> {
    if token.len() > 256 {
        return None;
    }
    let (p, t) = token.split_once('.')?;
    let payload = b64_decode(p)?;
    let tag = b64_decode(t)?;
    let mut m = mac(secret);
    m.update(&payload);
    m.verify_slice(&tag).ok()?;
    let text = std::str::from_utf8(&payload).ok()?;
    let mut parts = text.split('.');
    let version = parts.next()?;
    let id: i64 = parts.next()?.parse().ok()?;
    let epoch: i64 = match version {
        "1" => 0,
        "2" => parts.next()?.parse().ok()?,
        _ => return None,
    };
    let exp: Timestamp = parts.next()?.parse().ok()?;
    if parts.next().is_some() || now >= exp {
        return None;
    }
    Some(Claims {
        citizen_id: id,
        epoch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_they_expire_and_resist_tampering() {
        let secret = [9; 32];
        let t = issue(&secret, 42, 3, 1000);
        let claims = Claims {
            citizen_id: 42,
            epoch: 3,
        };
        assert_eq!(verify(&secret, &t, 999), Some(claims));
        assert_eq!(verify(&secret, &t, 1000), None);
        assert_eq!(verify(&[8; 32], &t, 999), None);
        let forged = format!(
            "{}.{}",
            b64_encode(b"2.43.3.1000"),
            t.split_once('.').expect("dot").1
        );
        assert_eq!(verify(&secret, &forged, 999), None);
        assert_eq!(verify(&secret, "garbage", 0), None);
    }

    #[test]
    fn tokens_of_the_first_format_verify_as_epoch_zero() {
        let secret = [9; 32];
        let payload = b"1.42.1000";
        let mut m = mac(&secret);
        m.update(payload);
        let v1 = format!(
            "{}.{}",
            b64_encode(payload),
            b64_encode(&m.finalize().into_bytes())
        );
        assert_eq!(
            verify(&secret, &v1, 999),
            Some(Claims {
                citizen_id: 42,
                epoch: 0
            })
        );
    }
}
