//! Scoped API keys (DESIGN §1, §6): `import` for health-data integrators (health records,
//! the citizen and business registries), `ops` for operators (metrics, key revocation).
//! Each key has an id, which the audit log records with every use; the secret is compared
//! in constant time and never logged.
//!
//! Configured as `ID:SECRET` lists (`ASHYQ_IMPORT_API_KEYS=lab-1:…,lab-2:…`). The old
//! `ASHYQ_ADMIN_API_KEYS` (bare secrets with both scopes) is gone: the server refuses to
//! start with it set, so no key holds both scopes outside `--dev`'s built-in one.

use subtle::ConstantTimeEq;

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
pub const MIN_SECRET_LEN: usize = 32;

/// The least strength accepted, in bits, as [`secret_bits`] estimates it.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// A deliberately low estimate of a secret's strength in bits. Each character counts the
/// Shannon entropy of the secret's own letter frequencies (so a secret drawn from few
/// letters counts little per letter), except characters that add nothing an attacker
/// would need to guess: those that repeat an earlier stretch of three or more (`abcabc`,
/// `pass-pass`) and those that continue a run of equal steps (`aaaa`, `abcd`, `0123`,
/// `9753`). A random secret of 32 bytes, hex (64 characters) or base64 (44), scores
/// far above [`MIN_SECRET_BITS`]; 16 random bytes in hex score just under it.
pub fn secret_bits(secret: &str) -> f64 {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n == 0 {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum();
    let step = |i: usize| i64::from(u32::from(chars[i])) - i64::from(u32::from(chars[i - 1]));
    let mut novel = 0usize;
    let mut i = 0;
    while i < n {
        // The longest earlier stretch this position repeats (it may overlap: `aaaa`).
        let repeat = (0..i)
            .map(|j| {
                (0..n - i)
                    .take_while(|&k| chars[j + k] == chars[i + k])
                    .count()
            })
            .max()
            .unwrap_or(0);
        if repeat >= 3 {
            // Where and how long: about what one new character is worth.
            novel += 1;
            i += repeat;
            continue;
        }
        let run = i >= 2 && step(i) == step(i - 1) && step(i).abs() <= 3;
        if !run {
            novel += 1;
        }
        i += 1;
    }
    novel as f64 * per_char
}

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
    /// [`MIN_SECRET_LEN`], has spaces or control characters, or is weaker than
    /// [`MIN_SECRET_BITS`] by [`secret_bits`] (repetitive, a run like `0123…`, or drawn
    /// from few letters). The message names the key, never the secret.
    pub fn new(id: &str, scope: Scope, secret: &str) -> Result<ApiKey, String> {
        let key = ApiKey::well_formed(id, scope, secret)?;
        if secret_bits(secret) < MIN_SECRET_BITS {
            return Err(format!(
                "{} key {id}: the secret is too easy to guess (repetitive, a run such as \
                 0123…, or too few different characters); use a random one, e.g. \
                 `openssl rand -hex 32`",
                scope.as_str()
            ));
        }
        Ok(key)
    }

    /// The built-in dev key: public on purpose, so its strength is beside the point.
    pub(crate) fn dev(scope: Scope, secret: &str) -> ApiKey {
        ApiKey {
            id: "dev".to_owned(),
            scope,
            secret: secret.to_owned(),
        }
    }

    fn well_formed(id: &str, scope: Scope, secret: &str) -> Result<ApiKey, String> {
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

/// A request made with an `import` key; `id` names the key for the audit log (the
/// extractor is in `extract.rs`).
pub struct ImportKey {
    pub id: String,
}

/// A request made with an `ops` key; `id` names the key for the audit log.
pub struct OpsKey {
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Random secrets as operators make them: `openssl rand -hex 32`, `-base64 32`.
    const HEX: &str = "0585b242cbad3e36311619c560172727b3d5500b3c10578b228f41f0b0f8ade0";
    const HEX_2: &str = "258857c2e180c427d22e1e56e1f2d68f638a94e8eefc8ff5226c64b2d183bd63";
    const BASE64: &str = "T3opMUlxe4RLBS1h8i1K3nCct2SeX9YweLgB4Pk8u8c=";

    #[test]
    fn keys_have_ids_scopes_and_strong_secrets() {
        let mut keys = ApiKeys::default();
        keys.add_list(Scope::Import, &format!("lab-1:{HEX}, lab-2:{BASE64}"))
            .expect("valid");
        keys.add_list(Scope::Ops, &format!("oncall:{HEX_2}"))
            .expect("valid");
        assert_eq!(keys.find(Scope::Import, BASE64), Some("lab-2"));
        assert_eq!(keys.find(Scope::Ops, BASE64), None);
        assert_eq!(keys.find(Scope::Import, HEX_2), None);
        assert_eq!(keys.find(Scope::Ops, HEX_2), Some("oncall"));
        assert_eq!(keys.find(Scope::Ops, ""), None);
        let mut bad = ApiKeys::default();
        assert!(bad.add_list(Scope::Ops, HEX).is_err(), "no id");
        assert!(bad.add_list(Scope::Ops, "x:short").is_err());
        assert!(bad.add_list(Scope::Ops, &format!("a b:{HEX}")).is_err());
        assert!(!format!("{keys:?}").contains(HEX));
    }

    #[test]
    fn weak_secrets_are_refused_by_key_id_without_the_secret() {
        let weak = [
            "a".repeat(64),
            "0123456789".repeat(4),
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".to_owned(),
            "import-secret-0001import-secret-0002".to_owned(),
            "zyxwvutsrqponmlkjihgfedcba9876543210".to_owned(),
            // Random, but from two letters: 40 bits.
            "abbabaabbbabaabaabbbabbaabababbbaabababa".to_owned(),
            "0123456789abcdef".repeat(2),
            // Long enough, but 16 random bytes in hex are not quite 128 bits by this count.
            "5a662aded229a9de709e48080648679e".to_owned(),
            // Strong but short.
            HEX[..31].to_owned(),
        ];
        for secret in weak {
            let err = ApiKey::new("lab-7", Scope::Import, &secret).expect_err(&secret);
            assert!(err.contains("lab-7"), "{err}");
            assert!(!err.contains(&secret[..16]), "the secret leaked: {err}");
        }
        for secret in [HEX, HEX_2, BASE64] {
            assert!(secret_bits(secret) >= MIN_SECRET_BITS, "{secret}");
            assert!(ApiKey::new("lab-7", Scope::Ops, secret).is_ok());
        }
    }
}
