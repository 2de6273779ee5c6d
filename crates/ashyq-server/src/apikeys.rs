//! Scoped API keys (DESIGN §1, §6): `import` for health-data integrators (health records,
//! the citizen and business registries), `ops` for operators (metrics, key revocation).
//! Each key has an id, which the audit log records with every use; the secret is compared
//! in constant time and never logged.
//!
//! Configured as `ID:SECRET` lists (`ASHYQ_IMPORT_API_KEYS=lab-1:…,lab-2:…`). The old
//! `ASHYQ_ADMIN_API_KEYS` (bare secrets with both scopes) is gone: the server refuses to
//! start with it set, so no key holds both scopes outside `--dev`'s built-in one.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Import,
    Ops,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Import => "import",
            Scope::Ops => "ops",
        }
    }
}

/// The shortest secret accepted: a guessable key is no key.
pub const MIN_SECRET_LEN: usize = 16;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub scope: Scope,
    secret: String,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ApiKey({} {}, secret hidden)",
            self.scope.as_str(),
            self.id
        )
    }
}

impl ApiKey {
    /// Fails when the id is not 1–64 of `A-Z a-z 0-9 . _ -`, or the secret is shorter than
    /// [`MIN_SECRET_LEN`] or has spaces or control characters.
    pub fn new(id: &str, scope: Scope, secret: &str) -> Result<ApiKey, String> {
        let id_ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !id_ok {
            return Err(format!(
                "{} key id {id:?}: use 1 to 64 of A-Z a-z 0-9 . _ -",
                scope.as_str()
            ));
        }
        if secret.len() < MIN_SECRET_LEN || !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "{} key {id}: the secret must be at least {MIN_SECRET_LEN} printable characters, no spaces",
                scope.as_str()
            ));
        }
        Ok(ApiKey {
            id: id.to_owned(),
            scope,
            secret: secret.to_owned(),
        })
    }
}

/// Every configured key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeys(pub Vec<ApiKey>);

impl ApiKeys {
    /// Adds `ID:SECRET, ID:SECRET…` keys of one scope.
    pub fn add_list(&mut self, scope: Scope, list: &str) -> Result<(), String> {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, secret) = entry.split_once(':').ok_or_else(|| {
                format!(
                    "{} keys are ID:SECRET pairs; one entry has no id",
                    scope.as_str()
                )
            })?;
            self.0.push(ApiKey::new(id, scope, secret)?);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The id of the `scope` key whose secret is `token`. Every key of the scope is
    /// compared, in constant time, so the answer's timing says nothing about which.
    pub fn find(&self, scope: Scope, token: &str) -> Option<&str> {
        let mut found = None;
        for k in self.0.iter().filter(|k| k.scope == scope) {
            if bool::from(k.secret.as_bytes().ct_eq(token.as_bytes())) {
                found = Some(k.id.as_str());
            }
        }
        found
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn key_of(parts: &Parts, state: &AppState, scope: Scope) -> Result<String, AppError> {
    let token = bearer(parts).ok_or_else(AppError::unauthorized)?;
    state
        .config
        .api_keys
        .find(scope, token)
        .map(str::to_owned)
        .ok_or_else(AppError::unauthorized)
}

/// A request made with an `import` key; `id` names the key for the audit log.
pub struct ImportKey {
    pub id: String,
}

impl FromRequestParts<AppState> for ImportKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        key_of(parts, state, Scope::Import).map(|id| ImportKey { id })
    }
}

/// A request made with an `ops` key; `id` names the key for the audit log.
pub struct OpsKey {
    pub id: String,
}

impl FromRequestParts<AppState> for OpsKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        key_of(parts, state, Scope::Ops).map(|id| OpsKey { id })
    }
}

/// One line in the audit log (target `audit`): who, with which key, did what. Never the
/// secret, never personal data.
pub fn audit(scope: Scope, key_id: &str, action: &str, detail: &str) {
    tracing::info!(target: "audit", scope = scope.as_str(), key = key_id, action, detail, "audit");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_ids_scopes_and_strong_secrets() {
        let mut keys = ApiKeys::default();
        keys.add_list(
            Scope::Import,
            "lab-1:import-secret-0001, lab-2:import-secret-0002",
        )
        .expect("valid");
        keys.add_list(Scope::Ops, "oncall:ops-secret-00000001")
            .expect("valid");
        assert_eq!(
            keys.find(Scope::Import, "import-secret-0002"),
            Some("lab-2")
        );
        assert_eq!(keys.find(Scope::Ops, "import-secret-0002"), None);
        assert_eq!(keys.find(Scope::Import, "ops-secret-00000001"), None);
        assert_eq!(keys.find(Scope::Ops, "ops-secret-00000001"), Some("oncall"));
        assert_eq!(keys.find(Scope::Ops, ""), None);
        let mut bad = ApiKeys::default();
        assert!(bad.add_list(Scope::Ops, "no-id-here-long-enough").is_err());
        assert!(bad.add_list(Scope::Ops, "x:short").is_err());
        assert!(bad.add_list(Scope::Ops, "a b:long-enough-secret").is_err());
        assert!(!format!("{keys:?}").contains("secret-0001"));
    }
}
