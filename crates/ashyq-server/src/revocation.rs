//! Revoked signing keys. A leaked venue or pass key is revoked with
//! `ashyq-server keys revoke KID` or `POST /v1/keys/{kid}/revoke` (the `ops` key): it is
//! recorded in the database, so every node refuses it — the node that revoked it at once,
//! the others at their next refresh (every few seconds) — and `GET /v1/keys` stops
//! publishing it, so apps drop it at their next key refresh. The current keys cannot be
//! revoked: rotate first, so that the server never signs with a key it refuses.

use std::collections::HashSet;
use std::sync::RwLock;

use ashyq_core::keys::{KeyId, KeySet};
use ashyq_core::Timestamp;

use crate::keystore::Keys;
use crate::store::{Store, StoreResult};

/// How often a node rereads the revoked keys.
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The key ids (hex) this node refuses.
#[derive(Debug, Default)]
pub struct Revoked(RwLock<HashSet<String>>);

impl Revoked {
    pub fn contains(&self, id: &KeyId) -> bool {
        self.0.read().is_ok_and(|s| s.contains(&id.hex()))
    }
    fn insert(&self, hex: String) {
        if let Ok(mut s) = self.0.write() {
            s.insert(hex);
        }
    }
    fn replace(&self, all: Vec<String>) {
        if let Ok(mut s) = self.0.write() {
            *s = all.into_iter().collect();
        }
    }
    /// `set` without the revoked keys (what `/v1/keys` publishes).
    pub fn published(&self, set: &KeySet) -> std::collections::BTreeMap<String, String> {
        let mut map = set.to_b64_map();
        if let Ok(s) = self.0.read() {
            map.retain(|id, _| !s.contains(id));
        }
        map
    }
}

/// Rereads the revoked keys from the database into this node's set.
pub async fn refresh(store: &dyn Store, revoked: &Revoked) -> StoreResult<()> {
    let all = store.revoked_keys().await?;
    revoked.replace(all);
    Ok(())
}

/// Why a key cannot be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RevokeError {
    #[error("no venue or pass key has this id")]
    Unknown,
    #[error("this is a current signing key: rotate first (`keys rotate` or POST /v1/keys/rotate)")]
    Current,
}

/// Which kind of key `id` is (`venue` or `pass`), if it may be revoked.
pub fn kind_of(keys: &Keys, id: &KeyId) -> Result<&'static str, RevokeError> {
    let current = [keys.venue_signer().key_id(), keys.pass_signer().key_id()];
    if current.contains(id) {
        return Err(RevokeError::Current);
    }
    if keys.venue_set.get(id).is_some() {
        Ok("venue")
    } else if keys.pass_set.get(id).is_some() {
        Ok("pass")
    } else {
        Err(RevokeError::Unknown)
    }
}

/// Revokes a key on this node at once and in the database for the others. Returns its
/// kind, and whether it was newly revoked.
pub async fn revoke(
    store: &dyn Store,
    keys: &Keys,
    revoked: &Revoked,
    id: &KeyId,
    now: Timestamp,
) -> Result<(&'static str, bool), crate::error::AppError> {
    use crate::error::AppError;
    let kind = kind_of(keys, id).map_err(|e| match e {
        RevokeError::Unknown => AppError::not_found("key_not_found", e.to_string()),
        RevokeError::Current => AppError::conflict("key_current", e.to_string()),
    })?;
    let fresh = store.revoke_key(&id.hex(), kind, now).await?;
    revoked.insert(id.hex());
    Ok((kind, fresh))
}
