//! Ed25519 keys with short key ids, so codes name the key that signed them and keys can
//! rotate: the id is the first four bytes of SHA-256 of the raw public key, written as
//! eight lowercase hex digits.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::encoding::{b64_decode, b64_encode, hex_byte, hex_encode};

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
            *byte = hex_byte(s.as_bytes().get(2 * i..2 * i + 2)?)?;
        }
        Some(KeyId(out))
    }
}

impl KeyId {
    /// The eight lowercase hex digits (what `Display` writes), without `core::fmt`.
    pub fn hex(&self) -> String {
        hex_encode(&self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
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
    /// Sorted by id, ids unique (a sorted `Vec` is smaller in the wasm than a `BTreeMap`).
    keys: Vec<(KeyId, VerifyingKey)>,
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
        match self.keys.binary_search_by(|(k, _)| k.cmp(&id)) {
            Ok(i) => self.keys[i].1 = key,
            Err(i) => self.keys.insert(i, (id, key)),
        }
    }
    pub fn get(&self, id: &KeyId) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// The `{key id hex: base64url key}` map of `/v1/keys` and the test vectors.
    pub fn to_b64_map(&self) -> BTreeMap<String, String> {
        // Inserts, not `collect`: `BTreeMap::from_iter` brings a whole stable sort along.
        let mut map = BTreeMap::new();
        for (id, k) in self.to_b64_pairs() {
            map.insert(id, k);
        }
        map
    }
    /// [`KeySet::to_b64_map`] as `(key id hex, base64url key)` pairs in key id order (the
    /// wasm app uses these: no `BTreeMap<String, String>` in it).
    pub fn to_b64_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(self.keys.len());
        for (id, k) in &self.keys {
            out.push((id.hex(), b64_encode(k.as_bytes())));
        }
        out
    }
    /// Reads a `{key id hex: base64url key}` map. Fails when an id is malformed, a key is
    /// not a valid point, or a key does not hash to its id.
    pub fn from_b64_map(map: &BTreeMap<String, String>) -> Result<KeySet, KeySetError> {
        KeySet::from_b64_pairs(map)
    }
    /// [`KeySet::from_b64_map`] over any `(key id hex, base64url key)` pairs; the first
    /// bad pair (in iteration order) is the error.
    pub fn from_b64_pairs<'a, I>(pairs: I) -> Result<KeySet, KeySetError>
    where
        I: IntoIterator<Item = (&'a String, &'a String)>,
    {
        let mut set = KeySet::default();
        for (id_hex, key_b64) in pairs {
            let id =
                KeyId::from_hex(id_hex).ok_or_else(|| KeySetError::BadKeyId(id_hex.clone()))?;
            let raw: [u8; 32] = b64_decode(key_b64)
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
    fn pairs_match_the_map_and_the_set_stays_sorted() {
        let signers: Vec<Signer> = (1..=5).map(|i| Signer::from_seed([i; 32])).collect();
        let mut set = KeySet::default();
        for s in signers.iter().rev() {
            set.insert(s.key_id(), s.verifying_key());
        }
        // Inserting a known id again replaces, never duplicates.
        set.insert(signers[0].key_id(), signers[0].verifying_key());
        assert_eq!(set.len(), 5);
        let pairs = set.to_b64_pairs();
        let from_map: Vec<(String, String)> = set.to_b64_map().into_iter().collect();
        assert_eq!(pairs, from_map);
        assert_eq!(pairs[0].0.len(), 8);
        assert_eq!(pairs[0].0, set.keys[0].0.to_string());
        let back = KeySet::from_b64_pairs(pairs.iter().map(|(k, v)| (k, v))).expect("reads back");
        assert_eq!(back, set);
        for s in &signers {
            assert_eq!(set.get(&s.key_id()), Some(&s.verifying_key()));
        }
        assert_eq!(set.get(&KeyId([0; 4])), None);
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
