//! Dependants: children under 18 whom the citizen registry links to a parent
//! (`parent_iin`), checked in with the parent's scan. A dependant is named to the app by
//! an opaque id (a MAC of the two IINs under the server's session secret), so the app
//! never holds a child's IIN and an id means nothing for another parent.

use ashyq_core::encoding::b64_encode;
use ashyq_core::{id, Timestamp, DAY};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::state::AppState;
use crate::store::Citizen;

/// The civil date (year, month, day) of a day count since 1970-01-01 (proleptic
/// Gregorian; H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// True when the IIN's birth date says its holder is under 18 on the (UTC) day of `now`.
/// An IIN that does not validate is nobody's dependant.
pub fn is_minor(iin: &str, now: Timestamp) -> bool {
    let Ok(born) = id::validate_iin(iin) else {
        return false;
    };
    let today = civil_from_days(now.div_euclid(DAY));
    let eighteenth = (
        i64::from(born.birth_year) + 18,
        born.birth_month,
        born.birth_day,
    );
    today < eighteenth
}

/// The opaque id of `child` as `parent`'s dependant.
pub fn dependant_id(secret: &[u8; 32], parent_iin: &str, child_iin: &str) -> String {
    let mut mac =
        <Hmac<Sha256>>::new_from_slice(secret).expect("unreachable: HMAC takes keys of any length");
    mac.update(b"ashyq-dependant\0");
    mac.update(parent_iin.as_bytes());
    mac.update(b"\0");
    mac.update(child_iin.as_bytes());
    let tag = mac.finalize().into_bytes();
    b64_encode(&tag[..12])
}

/// A dependant's own client visit id for a family check-in: derived from the parent's, so
/// a retried family check-in finds the same visits.
pub fn party_visit_id(client_visit_id: &str, child_iin: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"ashyq-party\0")
        .chain_update(client_visit_id.as_bytes())
        .chain_update(b"\0")
        .chain_update(child_iin.as_bytes())
        .finalize();
    format!("party-{}", b64_encode(&digest[..18]))
}

/// The parent's dependants now (children under 18), each with their opaque id.
pub async fn dependants(
    state: &AppState,
    parent: &Citizen,
    now: Timestamp,
) -> AppResult<Vec<(String, Citizen)>> {
    let children = state.store.children_of(&parent.iin).await?;
    Ok(children
        .into_iter()
        .filter(|c| is_minor(&c.iin, now))
        .map(|c| {
            (
                dependant_id(&state.keys.current().session_secret, &parent.iin, &c.iin),
                c,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_the_eighteenth_birthday() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        // Born 2008-06-15 (century digit 5): a minor until 2026-06-14 included.
        let iin = crate::demo::complete_id("080615500");
        let day = |y, m, d| -> Timestamp {
            (0..30_000)
                .find(|&n| civil_from_days(n) == (y, m, d))
                .expect("a day in range")
                * DAY
        };
        assert!(is_minor(&iin, day(2026, 6, 14)));
        assert!(!is_minor(&iin, day(2026, 6, 15)));
        assert!(!is_minor("123", day(2026, 6, 14)));
    }

    #[test]
    fn ids_are_opaque_and_per_parent() {
        let s = [7; 32];
        let a = dependant_id(&s, "p1", "c1");
        assert_ne!(a, dependant_id(&s, "p2", "c1"));
        assert!(!a.contains("c1"));
        let v = party_visit_id("client-visit-0001", "c1");
        assert!(ashyq_core::visit::is_valid_client_visit_id(&v), "{v}");
        assert_eq!(v, party_visit_id("client-visit-0001", "c1"));
        assert_ne!(v, party_visit_id("client-visit-0001", "c2"));
    }
}
