//! Venue codes already verified: the same poster is scanned all day, and checking its
//! Ed25519 signature again each time was the largest cost of a check-in after the
//! database (docs/BENCHMARKS.md §3).
//!
//! A code's text and the key that verified it decide the result of `venue::parse` for
//! good; what can change later (a revoked key, a re-issued entrance, a venue removed) is
//! checked on every scan after parsing, as before. An entry is used only while the
//! server's key set still holds that very key.

use std::collections::HashMap;
use std::sync::Mutex;

use ashyq_core::keys::KeySet;
use ashyq_core::venue::{self, VenueCode};
use ashyq_core::CodeError;

/// Codes kept; when full the cache starts over (cheaper than any eviction order, and a
/// busy poster is back after its next scan).
const CAPACITY: usize = 100_000;

#[derive(Default)]
pub struct VerifiedCodes {
    codes: Mutex<HashMap<String, (VenueCode, [u8; 32])>>,
}

impl VerifiedCodes {
    /// `venue::parse(text, keys)`, from the cache when this text was verified before with
    /// a key `keys` still holds.
    pub fn parse(&self, text: &str, keys: &KeySet) -> Result<VenueCode, CodeError> {
        let key_of = |code: &VenueCode| keys.get(&code.key_id).map(|k| k.to_bytes());
        if let Some((code, key)) = self.lock().get(text) {
            if key_of(code).as_ref() == Some(key) {
                return Ok(code.clone());
            }
        }
        let code = venue::parse(text, keys)?;
        if let Some(key) = key_of(&code) {
            let mut codes = self.lock();
            if codes.len() >= CAPACITY {
                codes.clear();
            }
            codes.insert(text.to_owned(), (code.clone(), key));
        }
        Ok(code)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (VenueCode, [u8; 32])>> {
        // A panic elsewhere while it was locked leaves a map that is still whole.
        self.codes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ashyq_core::keys::Signer;
    use ashyq_core::venue::{Category, Direction, VenueInfo};

    fn set_of(signer: &Signer) -> KeySet {
        let mut set = KeySet::default();
        set.insert(signer.key_id(), signer.verifying_key());
        set
    }

    #[test]
    fn a_cached_code_is_refused_once_its_key_is_gone() {
        let old = Signer::from_seed([1; 32]);
        let new = Signer::from_seed([2; 32]);
        let info = VenueInfo {
            venue_id: 7,
            entrance: 1,
            direction: Direction::In,
            business_name: "Береке".into(),
            bin: "180340021791".into(),
            address: "Астана".into(),
            category: Category::Grocery,
            pcr_required: false,
            issued_at: 1_800_000_000,
        };
        let text = venue::sign(&info, &old).expect("a valid code").bare();
        let cache = VerifiedCodes::default();
        for _ in 0..2 {
            let code = cache.parse(&text, &set_of(&old)).expect("verified");
            assert_eq!(code.info, info);
        }
        assert!(cache.parse(&text, &set_of(&new)).is_err());
    }
}
