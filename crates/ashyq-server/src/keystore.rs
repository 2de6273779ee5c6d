//! The server's secrets in `DATA_DIR/keys/` (directory 0700, files 0600): Ed25519 seeds
//! for venue codes and for passes (`venue-0001.seed`, `pass-0001.seed`, …; the highest
//! number is current, older ones stay published so old posters and passes verify), and
//! the HMAC secret of session tokens (`session.secret`). All are 64 hex digits.
//!
//! Several API nodes on one PostgreSQL database must share these files: copy the keys
//! directory to every node (and again after `keys rotate`), like a TLS certificate.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ashyq_core::encoding::{hex_decode, hex_encode};
use ashyq_core::keys::{KeySet, Signer};

pub struct Keys {
    /// Oldest first; the last is current.
    pub venue: Vec<Signer>,
    pub pass: Vec<Signer>,
    pub venue_set: KeySet,
    pub pass_set: KeySet,
    pub session_secret: [u8; 32],
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

fn keys_dir(data_dir: &Path) -> io::Result<PathBuf> {
    let dir = data_dir.join("keys");
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
