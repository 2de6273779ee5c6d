//! Session tokens: `base64url(payload).base64url(HMAC-SHA256(secret, payload))`, where the
//! payload is `1.<citizen row id>.<expires-at>`. The token names a registry row, not an
//! IIN, so a leaked token reveals nothing by itself; it expires and cannot be altered.

use ashyq_core::encoding::{b64_decode, b64_encode};
use ashyq_core::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8; 32]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("unreachable: HMAC takes keys of any length")
}

pub fn issue(secret: &[u8; 32], citizen_id: i64, expires_at: Timestamp) -> String {
    let payload = format!("1.{citizen_id}.{expires_at}");
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    let tag = m.finalize().into_bytes();
    format!("{}.{}", b64_encode(payload.as_bytes()), b64_encode(&tag))
}

/// The citizen id of a valid, unexpired token; None otherwise.
pub fn verify(secret: &[u8; 32], token: &str, now: Timestamp) -> Option<i64> {
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
    if parts.next()? != "1" {
        return None;
    }
    let id: i64 = parts.next()?.parse().ok()?;
    let exp: Timestamp = parts.next()?.parse().ok()?;
    if parts.next().is_some() || now >= exp {
        return None;
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_they_expire_and_resist_tampering() {
        let secret = [9; 32];
        let t = issue(&secret, 42, 1000);
        assert_eq!(verify(&secret, &t, 999), Some(42));
        assert_eq!(verify(&secret, &t, 1000), None);
        assert_eq!(verify(&[8; 32], &t, 999), None);
        let forged = format!(
            "{}.{}",
            b64_encode(b"1.43.1000"),
            t.split_once('.').expect("dot").1
        );
        assert_eq!(verify(&secret, &forged, 999), None);
        assert_eq!(verify(&secret, "garbage", 0), None);
    }
}
