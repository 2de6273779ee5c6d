//! Ed25519 keys with short key ids, so codes name the key that signed them and keys can
//! rotate: the id is the first four bytes of SHA-256 of the raw public key, written as
//! eight lowercase hex digits.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::codec::{b64_decode, b64_encode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 4]);

impl KeyId {
    pub fn of(key: &VerifyingKey) -> KeyId {
        let digest = Sha256::digest(key.as_bytes());
        KeyId([digest[0], digest[1], digest[2], digest[3]])
    }

    /// Parses eight hex digits. Fails on anything else.
    pub fn from_hex(s: &str) -> Option<KeyId> {
        if s.len() != 8 {
            return None;
        }
        let mut out = [0u8; 4];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(KeyId(out))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A signing key and its id. Only the server holds these.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    id: KeyId,
}

impl Signer {
    /// From the 32-byte secret seed (the server keeps it in a 0600 file).
    pub fn from_seed(seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let id = KeyId::of(&key.verifying_key());
        Signer { key, id }
    }
    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
    pub fn key_id(&self) -> KeyId {
        self.id
    }
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
    /// base64url of the raw 32-byte public key, as published in `/v1/keys`.
    pub fn public_b64(&self) -> String {
        b64_encode(self.key.verifying_key().as_bytes())
    }
    pub(crate) fn sign(&self, msg: &[u8]) -> Signature {
        self.key.sign(msg)
    }
}

impl fmt::Debug for Signer {
    // Never print the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({})", self.id)
    }
}

/// The public keys a verifier trusts, by key id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: BTreeMap<KeyId, VerifyingKey>,
}

/// Why a published key set could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("key id {0:?} is not eight hex digits")]
    BadKeyId(String),
    #[error("key {0} is not a base64url Ed25519 public key")]
    BadKey(String),
    #[error("key {0} does not hash to its id")]
    IdMismatch(String),
}

impl KeySet {
    pub fn insert(&mut self, id: KeyId, key: VerifyingKey) {
        self.keys.insert(id, key);
    }
    pub fn get(&self, id: &KeyId) -> Option<&VerifyingKey> {
        self.keys.get(id)
    }
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// The `{key id hex: base64url key}` map of `/v1/keys` and the test vectors.
    pub fn to_b64_map(&self) -> BTreeMap<String, String> {
        self.keys
            .iter()
            .map(|(id, k)| (id.to_string(), b64_encode(k.as_bytes())))
            .collect()
    }
    /// Reads a `{key id hex: base64url key}` map. Fails when an id is malformed, a key is
    /// not a valid point, or a key does not hash to its id.
    pub fn from_b64_map(map: &BTreeMap<String, String>) -> Result<KeySet, KeySetError> {
        let mut set = KeySet::default();
        for (id_hex, key_b64) in map {
            let id =
                KeyId::from_hex(id_hex).ok_or_else(|| KeySetError::BadKeyId(id_hex.clone()))?;
            let raw: [u8; 32] = b64_decode(key_b64)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| KeySetError::BadKey(id_hex.clone()))?;
            let key =
                VerifyingKey::from_bytes(&raw).map_err(|_| KeySetError::BadKey(id_hex.clone()))?;
            if KeyId::of(&key) != id {
                return Err(KeySetError::IdMismatch(id_hex.clone()));
            }
            set.insert(id, key);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_round_trip_through_hex_and_maps() {
        let s = Signer::from_seed([1; 32]);
        let id = s.key_id();
        assert_eq!(KeyId::from_hex(&id.to_string()), Some(id));
        assert_eq!(KeyId::from_hex("xyz"), None);
        assert_eq!(KeyId::from_hex("0011223g"), None);
        let mut set = KeySet::default();
        set.insert(id, s.verifying_key());
        let back = KeySet::from_b64_map(&set.to_b64_map()).expect("own map reads back");
        assert_eq!(back, set);
    }

    #[test]
    fn a_key_listed_under_another_id_is_refused() {
        let a = Signer::from_seed([1; 32]);
        let b = Signer::from_seed([2; 32]);
        let mut map = BTreeMap::new();
        map.insert(a.key_id().to_string(), b.public_b64());
        assert!(matches!(
            KeySet::from_b64_map(&map),
            Err(KeySetError::IdMismatch(_))
        ));
    }
}
