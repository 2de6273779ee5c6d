//! `--dev` accepts unsigned identities for any IIN and signs with well-known secrets. It
//! must never meet production: it refuses to start where it could — a listen address
//! other people can reach, a PostgreSQL database (production's store), or any real secret
//! configured (a host secret or an API key), which would also be published to the
//! emulator at `/dev/api/demo`.

use std::net::SocketAddr;

/// What `serve --dev` was given that matters for safety.
#[derive(Debug, Clone, Default)]
pub struct DevInputs<'a> {
    pub listen: &'a str,
    pub database_url: Option<&'a str>,
    /// The names (flags or environment variables) of every real secret that is set.
    pub secrets_set: Vec<&'static str>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(listen: &str) -> DevInputs<'_> {
        DevInputs {
            listen,
            database_url: None,
            secrets_set: Vec::new(),
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
}
