//! The server's secrets: Ed25519 seeds for venue codes and for passes (the highest number
//! is current, older ones stay published so old posters and passes verify) and the HMAC
//! secret of session tokens.
//!
//! Where they live: in the database (`signing_keys`, migration 0006), where every API
//! node finds them, each sealed with the key-encryption key (KEK) given in the
//! environment (`ASHYQ_KEY_ENCRYPTION_KEY`) or printed by a KMS command
//! (`ASHYQ_KEY_ENCRYPTION_KEY_COMMAND`, see [`KeyWrap`] for the hook in code). A node
//! rereads them every few seconds, so a rotation on one node reaches the others (like
//! revocations). On first start with a KEK, keys left in `DATA_DIR/keys/` by an older
//! version are imported once; otherwise new ones are made. `--dev` uses a well-known dev
//! KEK, which is public: it seals only keys a `--dev` server made in its own database —
//! never imported key files, never a reseal, and it opens nothing outside a dev database
//! ([`is_dev_kek`]). A single SQLite node without a KEK keeps the old files
//! (`DATA_DIR/keys/`, directory 0700, files 0600, 64 hex digits each); PostgreSQL, which
//! several nodes may share, needs the KEK.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use std::sync::{Arc, RwLock};

use ashyq_core::encoding::{b64_decode, b64_encode, hex_decode, hex_encode};
use ashyq_core::keys::{KeyId, KeySet, Signer};
use ashyq_core::Timestamp;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::store::{SealedKey, Store, StoreError};

pub struct Keys {
    /// Oldest first; the last is current.
    pub venue: Vec<Signer>,
    pub pass: Vec<Signer>,
    pub venue_set: KeySet,
    pub pass_set: KeySet,
    pub session_secret: [u8; 32],
    /// (kind, number, key id) of every key read from the database: a refresh that finds
    /// the same list keeps these keys.
    listing: Vec<(String, i64, String)>,
}

impl Keys {
    pub fn venue_signer(&self) -> &Signer {
        self.venue
            .last()
            .expect("unreachable: load_or_create makes at least one key")
    }
    pub fn pass_signer(&self) -> &Signer {
        self.pass
            .last()
            .expect("unreachable: load_or_create makes at least one key")
    }
}

fn random32() -> io::Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(b)
}

fn write_secret(path: &Path, bytes: &[u8; 32]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(hex_encode(bytes).as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

fn read_secret(path: &Path) -> io::Result<[u8; 32]> {
    let text = fs::read_to_string(path)?;
    hex_decode(text.trim())
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not 64 hex digits", path.display()),
            )
        })
}

fn numbered(dir: &Path, prefix: &str) -> io::Result<Vec<(u32, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(n) = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".seed"))
            .and_then(|n| n.parse::<u32>().ok())
        {
            found.push((n, path));
        }
    }
    found.sort();
    Ok(found)
}

/// Creates `dir` (and missing parents) readable by the owner only (0700): the data dir
/// holds the database and key files. An existing directory is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    Ok(())
}

fn keys_dir(data_dir: &Path) -> io::Result<PathBuf> {
    let dir = data_dir.join("keys");
    create_private_dir(&dir)?;
    Ok(dir)
}

fn add_key(dir: &Path, prefix: &str) -> io::Result<Signer> {
    let next = numbered(dir, prefix)?.last().map_or(1, |(n, _)| n + 1);
    let seed = random32()?;
    write_secret(&dir.join(format!("{prefix}{next:04}.seed")), &seed)?;
    Ok(Signer::from_seed(seed))
}

fn load_signers(dir: &Path, prefix: &str) -> io::Result<Vec<Signer>> {
    let mut signers = numbered(dir, prefix)?
        .into_iter()
        .map(|(_, p)| read_secret(&p).map(Signer::from_seed))
        .collect::<io::Result<Vec<_>>>()?;
    if signers.is_empty() {
        signers.push(add_key(dir, prefix)?);
    }
    Ok(signers)
}

fn set_of(signers: &[Signer]) -> KeySet {
    let mut set = KeySet::default();
    for s in signers {
        set.insert(s.key_id(), s.verifying_key());
    }
    set
}

/// Loads the keys, creating any that are missing (first start).
pub fn load_or_create(data_dir: &Path) -> io::Result<Keys> {
    let dir = keys_dir(data_dir)?;
    let venue = load_signers(&dir, "venue-")?;
    let pass = load_signers(&dir, "pass-")?;
    let secret_path = dir.join("session.secret");
    let session_secret = match read_secret(&secret_path) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let s = random32()?;
            write_secret(&secret_path, &s)?;
            s
        }
        Err(e) => return Err(e),
    };
    Ok(Keys {
        venue_set: set_of(&venue),
        pass_set: set_of(&pass),
        venue,
        pass,
        session_secret,
        listing: Vec::new(),
    })
}

/// What a rotation did.
pub struct Rotation {
    pub venue: Signer,
    pub pass: Signer,
    /// Pass keys deleted: no token they signed can still be valid.
    pub retired: Vec<ashyq_core::keys::KeyId>,
}

/// Adds a new current venue key and pass key. Old venue keys stay published (printed
/// posters must keep verifying); old pass keys are retired (deleted) once no pass they
/// signed can still be valid: the new key and the one it replaces stay (nodes sign with
/// the old one until restarted), and an older key goes once its successor has been
/// current for longer than `pass_lifetime` seconds. A running server picks the keys up
/// when restarted.
pub fn rotate(data_dir: &Path, pass_lifetime: i64) -> io::Result<Rotation> {
    let dir = keys_dir(data_dir)?;
    load_or_create(data_dir)?;
    let venue = add_key(&dir, "venue-")?;
    let pass = add_key(&dir, "pass-")?;
    let mut retired = Vec::new();
    let passes = numbered(&dir, "pass-")?;
    let lifetime = std::time::Duration::from_secs(u64::try_from(pass_lifetime).unwrap_or(0));
    // Every key but the last two, each looked at with its successor.
    for pair in passes.windows(2).take(passes.len().saturating_sub(2)) {
        let (old, successor) = (&pair[0].1, &pair[1].1);
        let successor_age = fs::metadata(successor)?
            .modified()?
            .elapsed()
            .unwrap_or_default();
        if successor_age > lifetime {
            let id = Signer::from_seed(read_secret(old)?).key_id();
            fs::remove_file(old)?;
            retired.push(id);
        }
    }
    Ok(Rotation {
        venue,
        pass,
        retired,
    })
}

// ---------------------------------------------------------------- sealed in the database

/// Why the keys cannot be used; the server refuses to start with it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing keys: {0}")]
    Io(#[from] io::Error),
    #[error("signing keys: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(String),
}

/// Seals and opens the signing keys: the hook for a KMS. [`Kek`] does it here with a
/// 32-byte key from the environment; an implementation that asks a KMS (or an HSM) to
/// wrap and unwrap each key plugs in through `Config::kek` without touching the rest.
/// The simpler KMS route needs no code: `ASHYQ_KEY_ENCRYPTION_KEY_COMMAND` runs a command
/// that prints the KEK (e.g. the KMS decrypting a wrapped data key) at start.
pub trait KeyWrap: Send + Sync + std::fmt::Debug {
    /// A short public name of the key-encryption key (never the key), stored beside every
    /// key it sealed, so that a wrong KEK is named in the refusal.
    fn id(&self) -> &str;
    /// Seals a 32-byte secret; `aad` (the key's kind and id) is bound to it.
    fn seal(&self, aad: &[u8], secret: &[u8; 32]) -> Result<String, KeyError>;
    /// Opens what [`KeyWrap::seal`] made with the same `aad`; an error when the KEK, the
    /// `aad` or the text is not the one sealed.
    fn open(&self, aad: &[u8], sealed: &str) -> Result<[u8; 32], KeyError>;
}

/// A key-encryption key held in memory: XChaCha20-Poly1305 with a random 24-byte nonce
/// per sealed key.
pub struct Kek {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

const SEALED_PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

impl Kek {
    pub fn from_bytes(key: [u8; 32]) -> Kek {
        let digest = Sha256::new()
            .chain_update(b"ashyq key-encryption key id\0")
            .chain_update(key)
            .finalize();
        Kek {
            key,
            id: hex_encode(&digest[..4]),
        }
    }

    /// 32 bytes as 64 hex digits or as base64 (standard or URL-safe, padded or not).
    pub fn parse(text: &str) -> Result<Kek, KeyError> {
        let text = text.trim();
        let bytes = hex_decode(text).or_else(|| {
            let url: String = text
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '+' => '-',
                    '/' => '_',
                    c => c,
                })
                .collect();
            b64_decode(&url)
        });
        bytes
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Kek::from_bytes)
            .ok_or_else(|| {
                KeyError::Refused(
                    "the key-encryption key must be 32 bytes, as 64 hex digits or base64 \
                     (e.g. `openssl rand -hex 32`)"
                        .into(),
                )
            })
    }

    /// Runs `command` with `sh -c` and reads the KEK from what it prints: the KMS hook
    /// (`aws kms decrypt …`, `vault kv get -field=kek …`).
    pub fn from_command(command: &str) -> Result<Kek, KeyError> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()?;
        if !out.status.success() {
            return Err(KeyError::Refused(format!(
                "ASHYQ_KEY_ENCRYPTION_KEY_COMMAND failed ({})",
                out.status
            )));
        }
        Kek::parse(&String::from_utf8_lossy(&out.stdout))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }
}

impl KeyWrap for Kek {
    fn id(&self) -> &str {
        &self.id
    }

    fn seal(&self, aad: &[u8], secret: &[u8; 32]) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
        let sealed = self
            .cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: secret, aad })
            .map_err(|_| KeyError::Refused("sealing a signing key failed".into()))?;
        let mut all = nonce.to_vec();
        all.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", b64_encode(&all)))
    }

    fn open(&self, aad: &[u8], sealed: &str) -> Result<[u8; 32], KeyError> {
        let fail = || KeyError::Refused("does not open".into());
        let all = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(b64_decode)
            .filter(|a| a.len() > NONCE_LEN)
            .ok_or_else(fail)?;
        let (nonce, body) = all.split_at(NONCE_LEN);
        let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| fail())?;
        let plain = self
            .cipher()
            .decrypt(&XNonce::from(nonce), Payload { msg: body, aad })
            .map_err(|_| fail())?;
        <[u8; 32]>::try_from(plain).map_err(|_| fail())
    }
}

/// What a sealed key's associated data says: a sealed key copied onto another row does
/// not open.
fn aad(kind: &str, key_id: &str) -> Vec<u8> {
    format!("ashyq signing key {kind} {key_id}").into_bytes()
}

const SESSION: &str = "session";

fn seal_key(
    wrap: &dyn KeyWrap,
    kind: &str,
    seq: i64,
    secret: &[u8; 32],
    now: Timestamp,
) -> Result<SealedKey, KeyError> {
    let key_id = if kind == SESSION {
        SESSION.to_owned()
    } else {
        Signer::from_seed(*secret).key_id().hex()
    };
    Ok(SealedKey {
        sealed: wrap.seal(&aad(kind, &key_id), secret)?,
        kind: kind.to_owned(),
        seq,
        kek_id: wrap.id().to_owned(),
        key_id,
        created_at: now,
    })
}

/// Opens every row into [`Keys`]; refuses when the KEK does not open one (a wrong KEK), a
/// seed does not match its key id, or a kind has no key.
fn open_rows(wrap: &dyn KeyWrap, rows: &[SealedKey]) -> Result<Keys, KeyError> {
    let (mut venue, mut pass, mut session) = (Vec::new(), Vec::new(), None);
    for r in rows {
        let secret = wrap
            .open(&aad(&r.kind, &r.key_id), &r.sealed)
            .map_err(|_| {
                KeyError::Refused(format!(
                    "the key-encryption key given ({}) does not open the {} key {} in the \
                 database (sealed with KEK {}): set ASHYQ_KEY_ENCRYPTION_KEY to the KEK the \
                 other nodes use",
                    wrap.id(),
                    r.kind,
                    r.key_id,
                    r.kek_id
                ))
            })?;
        match r.kind.as_str() {
            SESSION => session = Some(secret),
            kind @ ("venue" | "pass") => {
                let signer = Signer::from_seed(secret);
                if signer.key_id().hex() != r.key_id {
                    return Err(KeyError::Refused(format!(
                        "the {kind} key {} in the database holds another key's seed",
                        r.key_id
                    )));
                }
                if kind == "venue" {
                    venue.push(signer);
                } else {
                    pass.push(signer);
                }
            }
            other => {
                return Err(KeyError::Refused(format!(
                    "unknown kind of signing key in the database: {other}"
                )))
            }
        }
    }
    let session_secret =
        session.ok_or_else(|| KeyError::Refused("the database has no session secret".into()))?;
    if venue.is_empty() || pass.is_empty() {
        return Err(KeyError::Refused(
            "the database lacks a venue or a pass key".into(),
        ));
    }
    Ok(Keys {
        venue_set: set_of(&venue),
        pass_set: set_of(&pass),
        venue,
        pass,
        session_secret,
        listing: listing(rows),
    })
}

fn listing(rows: &[SealedKey]) -> Vec<(String, i64, String)> {
    rows.iter()
        .map(|r| (r.kind.clone(), r.seq, r.key_id.clone()))
        .collect()
}

/// Keys an older version left in `DATA_DIR/keys/`, numbered as they were; None when there
/// are none.
/// A key in the clear: kind, number, secret.
type PlainKey = (String, i64, [u8; 32]);

fn file_keys(data_dir: &Path) -> Result<Option<Vec<PlainKey>>, KeyError> {
    let dir = data_dir.join("keys");
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut found = Vec::new();
    for kind in ["venue", "pass"] {
        for (n, path) in numbered(&dir, &format!("{kind}-"))? {
            found.push((kind.to_owned(), i64::from(n), read_secret(&path)?));
        }
    }
    let secret = dir.join("session.secret");
    if secret.exists() {
        found.push((SESSION.to_owned(), 1, read_secret(&secret)?));
    }
    Ok((!found.is_empty()).then_some(found))
}

/// True when `data_dir/keys` holds signing key files (seeds or the session secret).
pub fn key_files_in(data_dir: &Path) -> io::Result<bool> {
    let dir = data_dir.join("keys");
    if !dir.is_dir() {
        return Ok(false);
    }
    Ok(dir.join("session.secret").exists()
        || !numbered(&dir, "venue-")?.is_empty()
        || !numbered(&dir, "pass-")?.is_empty())
}

/// True when `wrap` is the well-known dev key-encryption key (by its public id).
pub fn is_dev_kek(wrap: &dyn KeyWrap) -> bool {
    Kek::parse(crate::dev_secrets::KEY_ENCRYPTION_KEY).is_ok_and(|dev| dev.id() == wrap.id())
}

fn dev_kek_refused(what: &str) -> KeyError {
    KeyError::Refused(format!(
        "the key-encryption key given is the dev one, which is published: it never seals \
         {what}. Set ASHYQ_KEY_ENCRYPTION_KEY to a key of your own (`openssl rand -hex 32`)"
    ))
}

/// The keys a node signs and verifies with, swapped whole when they change.
pub struct KeyRing {
    keys: RwLock<Arc<Keys>>,
    /// None: the keys are files in `data_dir/keys` (one SQLite node without a KEK).
    wrap: Option<Arc<dyn KeyWrap>>,
    data_dir: PathBuf,
}

impl KeyRing {
    /// The keys in use now (cheap: a reference count).
    pub fn current(&self) -> Arc<Keys> {
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, keys: Keys) {
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut k) => *k = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    /// True when the keys live in the database (sealed), false for the key files.
    pub fn in_database(&self) -> bool {
        self.wrap.is_some()
    }

    /// Opens the keys: from the database with a KEK (importing `data_dir/keys` or making
    /// new keys on first start), from the files without one. Refuses, saying why, when
    /// the database holds keys and no KEK or a wrong one is given, and when a database
    /// that several nodes share would get no KEK.
    pub async fn open(
        store: &dyn Store,
        wrap: Option<Arc<dyn KeyWrap>>,
        data_dir: &Path,
        now: Timestamp,
    ) -> Result<KeyRing, KeyError> {
        let rows = store.signing_keys().await?;
        let Some(wrap) = wrap else {
            if let Some(r) = rows.first() {
                return Err(KeyError::Refused(format!(
                    "the signing keys are in the database, sealed with key-encryption key {}: \
                     set ASHYQ_KEY_ENCRYPTION_KEY (or ASHYQ_KEY_ENCRYPTION_KEY_COMMAND) to it",
                    r.kek_id
                )));
            }
            if store.shared() {
                return Err(KeyError::Refused(
                    "with PostgreSQL the signing keys live in the database, where every node \
                     finds them: set ASHYQ_KEY_ENCRYPTION_KEY (32 bytes, hex or base64, e.g. \
                     `openssl rand -hex 32`; the same on every node) or \
                     ASHYQ_KEY_ENCRYPTION_KEY_COMMAND"
                        .into(),
                ));
            }
            tracing::warn!(
                "signing keys stay in files (DATA_DIR/keys): set ASHYQ_KEY_ENCRYPTION_KEY to \
                 keep them in the database"
            );
            return Ok(KeyRing {
                keys: RwLock::new(Arc::new(load_or_create(data_dir)?)),
                wrap: None,
                data_dir: data_dir.to_owned(),
            });
        };
        let rows = if rows.is_empty() {
            let (fresh, from_files) = match file_keys(data_dir)? {
                // Keys made outside dev: sealed with the public dev KEK they would be
                // anyone's.
                Some(_) if is_dev_kek(wrap.as_ref()) => {
                    return Err(dev_kek_refused("the key files of DATA_DIR/keys"))
                }
                Some(found) => (found, true),
                None => {
                    let fresh = ["venue", "pass", SESSION]
                        .into_iter()
                        .map(|k| Ok((k.to_owned(), 1, random32()?)))
                        .collect::<io::Result<Vec<_>>>()?;
                    (fresh, false)
                }
            };
            let mut sealed = Vec::new();
            for (kind, seq, secret) in &fresh {
                sealed.push(seal_key(wrap.as_ref(), kind, *seq, secret, now)?);
            }
            if !sealed.iter().any(|k| k.kind == SESSION) {
                sealed.push(seal_key(wrap.as_ref(), SESSION, 1, &random32()?, now)?);
            }
            for kind in ["venue", "pass"] {
                if !sealed.iter().any(|k| k.kind == kind) {
                    sealed.push(seal_key(wrap.as_ref(), kind, 1, &random32()?, now)?);
                }
            }
            // Nodes starting together on an empty database: the first one's keys stay,
            // the others' are dropped, and everyone rereads.
            let added = store.add_signing_keys(&sealed).await?;
            if added > 0 && from_files {
                tracing::warn!(
                    keys = added,
                    "imported the signing keys of DATA_DIR/keys into the database (sealed with \
                     the key-encryption key); the files are no longer read: delete them once \
                     the database is backed up"
                );
            } else if added > 0 {
                tracing::info!("made new signing keys, sealed in the database");
            }
            store.signing_keys().await?
        } else {
            if file_keys(data_dir)?.is_some() {
                tracing::warn!(
                    "DATA_DIR/keys is not read: the signing keys are in the database; delete it"
                );
            }
            rows
        };
        let keys = open_rows(wrap.as_ref(), &rows)?;
        Ok(KeyRing {
            keys: RwLock::new(Arc::new(keys)),
            wrap: Some(wrap),
            data_dir: data_dir.to_owned(),
        })
    }

    /// Rereads the keys from the database (a rotation or a retirement on another node);
    /// true when they changed. Nothing to do for key files.
    pub async fn refresh(&self, store: &dyn Store) -> Result<bool, KeyError> {
        let Some(wrap) = &self.wrap else {
            return Ok(false);
        };
        let rows = store.signing_keys().await?;
        if listing(&rows) == self.current().listing {
            return Ok(false);
        }
        self.set(open_rows(wrap.as_ref(), &rows)?);
        Ok(true)
    }

    /// Adds a new current venue key and pass key. Old venue keys stay (printed posters);
    /// a pass key is retired once its successor has been current for longer than
    /// `pass_lifetime` seconds (no pass it signed can still be valid), keeping always the
    /// current key and the one before. This node uses the new keys at once; the others
    /// at their next refresh ([`crate::revocation::REFRESH`]).
    pub async fn rotate(
        &self,
        store: &dyn Store,
        pass_lifetime: i64,
        now: Timestamp,
    ) -> Result<Rotation, KeyError> {
        let Some(wrap) = &self.wrap else {
            let r = rotate(&self.data_dir, pass_lifetime)?;
            self.set(load_or_create(&self.data_dir)?);
            return Ok(r);
        };
        let rows = store.signing_keys().await?;
        let next = |kind: &str| rows.iter().filter(|r| r.kind == kind).map(|r| r.seq).max();
        let (venue_seq, pass_seq) = (
            next("venue").unwrap_or(0) + 1,
            next("pass").unwrap_or(0) + 1,
        );
        let (venue_seed, pass_seed) = (random32()?, random32()?);
        let new = [
            seal_key(wrap.as_ref(), "venue", venue_seq, &venue_seed, now)?,
            seal_key(wrap.as_ref(), "pass", pass_seq, &pass_seed, now)?,
        ];
        if store.add_signing_keys(&new).await? != 2 {
            self.refresh(store).await?;
            return Err(KeyError::Refused(
                "another node rotated the keys at the same moment: its keys are in use".into(),
            ));
        }
        let mut passes: Vec<&SealedKey> = rows.iter().filter(|r| r.kind == "pass").collect();
        passes.push(&new[1]);
        let mut retired = Vec::new();
        // Every key but the last two, each looked at with its successor.
        for pair in passes.windows(2).take(passes.len().saturating_sub(2)) {
            if now - pair[1].created_at > pass_lifetime {
                store.retire_signing_key("pass", pair[0].seq).await?;
                if let Some(id) = KeyId::from_hex(&pair[0].key_id) {
                    retired.push(id);
                }
            }
        }
        self.set(open_rows(wrap.as_ref(), &store.signing_keys().await?)?);
        Ok(Rotation {
            venue: Signer::from_seed(venue_seed),
            pass: Signer::from_seed(pass_seed),
            retired,
        })
    }
}

/// Reseals every key in the database with `new` (a new key-encryption key), after opening
/// each with `old`; all or none. Refuses the dev KEK as `new`. Running nodes keep their
/// keys; restart each with the new KEK afterwards. Returns how many keys were resealed.
pub async fn reseal(
    store: &dyn Store,
    old: &dyn KeyWrap,
    new: &dyn KeyWrap,
) -> Result<usize, KeyError> {
    if is_dev_kek(new) {
        return Err(dev_kek_refused("keys by a reseal"));
    }
    let rows = store.signing_keys().await?;
    open_rows(old, &rows)?;
    let mut resealed = Vec::with_capacity(rows.len());
    for r in &rows {
        let secret = old.open(&aad(&r.kind, &r.key_id), &r.sealed)?;
        resealed.push(SealedKey {
            sealed: new.seal(&aad(&r.kind, &r.key_id), &secret)?,
            kek_id: new.id().to_owned(),
            ..r.clone()
        });
    }
    store.reseal_signing_keys(&resealed).await?;
    Ok(resealed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_sealed_key_opens_only_with_its_kek_and_its_own_name() {
        let kek = Kek::parse(&"ab".repeat(32)).expect("hex");
        let same = Kek::parse("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=").expect("base64");
        assert_eq!(kek.id(), same.id());
        assert!(Kek::parse("abcd").is_err());
        let secret = [9u8; 32];
        let sealed = kek
            .seal(&aad("venue", "01020304"), &secret)
            .expect("sealed");
        assert!(!sealed.contains(&hex_encode(&secret)));
        assert_eq!(
            same.open(&aad("venue", "01020304"), &sealed)
                .expect("opens"),
            secret
        );
        assert!(kek.open(&aad("pass", "01020304"), &sealed).is_err());
        assert!(Kek::from_bytes([1; 32])
            .open(&aad("venue", "01020304"), &sealed)
            .is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(kek.open(&aad("venue", "01020304"), &tampered).is_err());
    }

    #[test]
    fn keys_are_created_once_private_and_rotate() {
        let dir = std::env::temp_dir().join(format!("ashyq-keys-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let first = load_or_create(&dir).expect("created");
        let again = load_or_create(&dir).expect("loaded");
        assert_eq!(first.venue_signer().key_id(), again.venue_signer().key_id());
        assert_eq!(first.session_secret, again.session_secret);
        let mode = fs::metadata(dir.join("keys/venue-0001.seed"))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let v2 = rotate(&dir, 300).expect("rotated").venue;
        let after = load_or_create(&dir).expect("loaded");
        assert_eq!(after.venue_signer().key_id(), v2.key_id());
        assert_eq!(after.venue_set.len(), 2);
        assert!(after
            .venue_set
            .get(&first.venue_signer().key_id())
            .is_some());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn rotation_retires_pass_keys_no_token_can_need() {
        let dir = std::env::temp_dir().join(format!("ashyq-retire-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let first = load_or_create(&dir).expect("created");
        let p1 = first.pass_signer().key_id();
        // Passes live 5 minutes: a second rotation right after the first keeps every key
        // (pass-0001's successor has been current for seconds only).
        rotate(&dir, 300).expect("rotated");
        let r = rotate(&dir, 300).expect("rotated");
        assert!(r.retired.is_empty());
        assert_eq!(load_or_create(&dir).expect("loaded").pass_set.len(), 3);
        // Once the lifetime has passed, only the current key and the one before stay;
        // venue keys all stay (printed posters).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let r = rotate(&dir, 1).expect("rotated");
        let keys = load_or_create(&dir).expect("loaded");
        assert_eq!(r.retired.len(), 2);
        assert!(r.retired.contains(&p1));
        assert_eq!(keys.pass_set.len(), 2);
        assert!(keys.pass_set.get(&r.pass.key_id()).is_some());
        assert!(keys.pass_set.get(&p1).is_none());
        assert_eq!(keys.venue_set.len(), 4);
        let _ = fs::remove_dir_all(&dir);
    }
}
