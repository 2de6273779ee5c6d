//! `--dev` accepts unsigned identities for any IIN and signs with well-known secrets. It
//! must never meet production: it refuses to start where it could — a listen address
//! other people can reach, a reverse proxy in front of it (`--trusted-proxies`), an
//! `https://` public origin (a deployment's), a PostgreSQL database (production's store),
//! any real secret configured (a host secret or an API key, which would also be published
//! to the emulator at `/dev/api/demo`), or a data dir that holds what production made.
//!
//! How dev recognises its own data ([`claim`]): a `--dev` server that finds an empty
//! database writes `mode = dev` into it (`server_instance`) before anything else. A
//! database without that mark but with any data in it is production's, and so is a data
//! dir with key files in `keys/`: `--dev` never makes them (it seals its keys in its
//! database with the dev key-encryption key).

use std::net::SocketAddr;
use std::path::Path;

use crate::store::Store;

/// What `serve --dev` was given that matters for safety.
#[derive(Debug, Clone, Default)]
pub struct DevInputs<'a> {
    pub listen: &'a str,
    pub database_url: Option<&'a str>,
    /// The names (flags or environment variables) of every real secret that is set.
    pub secrets_set: Vec<&'static str>,
    /// `--trusted-proxies` as given (empty or None: not set).
    pub trusted_proxies: Option<&'a str>,
    /// `--public-origin` as given.
    pub public_origin: Option<&'a str>,
}

fn loopback(listen: &str) -> bool {
    if let Ok(a) = listen.parse::<SocketAddr>() {
        return a.ip().to_canonical().is_loopback();
    }
    match listen.rsplit_once(':') {
        Some((host, port)) => host == "localhost" && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// Why `--dev` must not start with these inputs; None when it may.
pub fn refusal(i: &DevInputs<'_>) -> Option<String> {
    const WHY: &str = "--dev accepts unsigned identities for any IIN and well-known secrets";
    if !loopback(i.listen) {
        return Some(format!(
            "{WHY}, so it listens only on a loopback address (127.0.0.1:PORT, [::1]:PORT, \
             localhost:PORT); --listen {} is reachable from other machines",
            i.listen
        ));
    }
    if i.trusted_proxies.is_some_and(|p| !p.trim().is_empty()) {
        return Some(format!(
            "{WHY}, so it never runs behind a reverse proxy; --trusted-proxies / \
             ASHYQ_TRUSTED_PROXIES is set, which only a deployment needs: unset it for --dev"
        ));
    }
    if let Some(origin) = i.public_origin {
        if origin.trim().to_ascii_lowercase().starts_with("https://") {
            return Some(format!(
                "{WHY}, so it never serves a public https:// origin; --public-origin / \
                 ASHYQ_PUBLIC_ORIGIN is {origin}, a deployment's: use http://127.0.0.1:PORT \
                 (the default) for --dev"
            ));
        }
    }
    if let Some(url) = i.database_url {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Some(format!(
                "{WHY}, so it never runs on PostgreSQL, where production data lives; \
                 unset --database-url / ASHYQ_DATABASE_URL (dev uses SQLite in --data-dir)"
            ));
        }
    }
    if !i.secrets_set.is_empty() {
        return Some(format!(
            "{WHY}, and its demo page publishes the secrets it uses; refusing to run with \
             real secrets set: {}. Unset them for --dev, or run without --dev",
            i.secrets_set.join(", ")
        ));
    }
    None
}

/// Makes sure the data a `--dev` server is about to use is dev's own: marks an empty
/// database as dev's, and refuses (saying why) a database that holds data without that
/// mark, or a data dir with key files. Fails with the message to show.
pub async fn claim(store: &dyn Store, data_dir: &Path) -> Result<(), String> {
    const WHY: &str = "--dev accepts unsigned identities for any IIN and well-known secrets";
    let key_files = crate::keystore::key_files_in(data_dir)
        .map_err(|e| format!("reading {}: {e}", data_dir.join("keys").display()))?;
    if key_files {
        return Err(format!(
            "{WHY}, so it never runs on production data: {} holds signing key files, which \
             --dev never makes. Use another --data-dir for --dev",
            data_dir.join("keys").display()
        ));
    }
    let dev = store
        .claim_for_dev()
        .await
        .map_err(|e| format!("reading the database: {e}"))?;
    if !dev {
        return Err(format!(
            "{WHY}, so it never runs on production data: the database in {} holds data and \
             was not made by --dev. Use another --data-dir for --dev (or delete this one if \
             it was an older dev run's)",
            data_dir.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(listen: &str) -> DevInputs<'_> {
        DevInputs {
            listen,
            ..DevInputs::default()
        }
    }

    #[test]
    fn dev_mode_refuses_what_could_reach_production() {
        for ok in [
            "127.0.0.1:8080",
            "[::1]:8080",
            "localhost:8080",
            "127.0.0.2:1",
        ] {
            assert_eq!(refusal(&inputs(ok)), None, "{ok}");
        }
        for open in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.5:8080",
            "example.org:80",
            "8080",
        ] {
            let why = refusal(&inputs(open)).expect("refused");
            assert!(why.contains("loopback"), "{open}: {why}");
        }
        let pg = DevInputs {
            database_url: Some("postgres://ashyq@db/ashyq"),
            ..inputs("127.0.0.1:8080")
        };
        assert!(refusal(&pg).expect("refused").contains("PostgreSQL"));
        let sqlite = DevInputs {
            database_url: Some("sqlite:/tmp/dev.db"),
            ..inputs("127.0.0.1:8080")
        };
        assert_eq!(refusal(&sqlite), None);
        let secrets = DevInputs {
            secrets_set: vec!["ASHYQ_TELEGRAM_BOT_TOKEN", "ASHYQ_OPS_API_KEYS"],
            ..inputs("127.0.0.1:8080")
        };
        let why = refusal(&secrets).expect("refused");
        assert!(
            why.contains("ASHYQ_TELEGRAM_BOT_TOKEN, ASHYQ_OPS_API_KEYS"),
            "{why}"
        );
    }

    #[test]
    fn dev_mode_refuses_a_proxy_and_a_public_https_origin() {
        let behind = DevInputs {
            trusted_proxies: Some("10.0.0.1"),
            ..inputs("127.0.0.1:8080")
        };
        assert!(refusal(&behind)
            .expect("refused")
            .contains("--trusted-proxies"));
        let blank = DevInputs {
            trusted_proxies: Some(" "),
            ..inputs("127.0.0.1:8080")
        };
        assert_eq!(refusal(&blank), None, "an empty list is no proxy");
        for https in ["https://ashyq.kz", "HTTPS://ashyq.kz/"] {
            let public = DevInputs {
                public_origin: Some(https),
                ..inputs("127.0.0.1:8080")
            };
            let why = refusal(&public).expect("refused");
            assert!(why.contains("https://"), "{https}: {why}");
        }
        let local = DevInputs {
            public_origin: Some("http://127.0.0.1:8080"),
            ..inputs("127.0.0.1:8080")
        };
        assert_eq!(refusal(&local), None);
    }
}
