//! What the app reads from its own URL: `?lang=`, `ashyq_timeout_ms` (query or hash), and a
//! venue code when the app was opened at `/v/1#<payload>.<signature>` (what a phone camera
//! opens from a poster) or with a venue code as the host's start parameter (Telegram's
//! `tgWebAppStartParam`, the hash of a VK or Aitu app link; docs/protocol.md). Pure string
//! handling, tested natively.

use ashyq_core::encoding::parse_query;
use ashyq_core::venue;

/// Decoded `key=value` pairs of a query string or a hash; a malformed one reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Query {
        Query(parse_query(raw).unwrap_or_default())
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The app's launch parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub lang: Option<String>,
    pub timeout_ms: Option<u32>,
    /// The bare form `ASHYQ1:<body>` of a venue code the app was opened at.
    pub venue_code: Option<String>,
    /// Opened at a poster URL (`/v/1#<body>`): the poster page for it,
    /// `/v/open?code=<body>`, where a plain browser goes.
    pub poster_page: Option<String>,
}

/// Shortest accepted override: a zero timeout would make every call fail at once.
const MIN_TIMEOUT_MS: u32 = 50;

impl Params {
    /// From `location.pathname`, `location.search` and `location.hash`.
    pub fn from_location(path: &str, search: &str, hash: &str) -> Params {
        let q = Query::parse(search);
        let body = hash.trim_start_matches('#');
        let poster = path.trim_end_matches('/') == "/v/1" && !body.is_empty();
        let venue_code = if poster {
            let mut s = String::with_capacity(venue::BARE_PREFIX.len() + body.len());
            s.push_str(venue::BARE_PREFIX);
            s.push_str(body);
            Some(s)
        } else {
            // Telegram's start parameter, or a VK or Aitu app link's hash (the whole hash).
            Query::parse(hash)
                .get("tgWebAppStartParam")
                .and_then(venue::from_start_param)
                .or_else(|| venue::from_start_param(body))
        };
        // The venue hash is a code body, not key=value pairs: read the timeout from it only
        // when it is not a code.
        let h = if venue_code.is_some() {
            Query::default()
        } else {
            Query::parse(hash)
        };
        let timeout_ms = q
            .get("ashyq_timeout_ms")
            .or_else(|| h.get("ashyq_timeout_ms"))
            .and_then(|v| v.parse::<u32>().ok())
            .map(|v| v.max(MIN_TIMEOUT_MS));
        let lang = q.get("lang").or_else(|| h.get("lang")).map(str::to_owned);
        // A code body is base64url and one `.`: safe in a query as it is. The page picks its
        // language from the browser's.
        let poster_page = (poster
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .then(|| {
            let mut to = String::from("/v/open?code=");
            to.push_str(body);
            to
        });
        Params {
            lang,
            timeout_ms,
            venue_code,
            poster_page,
        }
    }
}

#[cfg(test)]
mod start_param_tests {
    use super::*;

    const START: &str = include_str!("../tests/vectors/start_params.json");

    #[test]
    fn host_start_parameters_open_the_code() {
        let cases: Vec<serde_json::Value> = serde_json::from_str(START).expect("json");
        for case in &cases {
            let param = case["start_param"].as_str().expect("param");
            let want = case["bare"].as_str();
            // Telegram: in the launch parameters of the hash.
            let mut tg = String::from("#tgWebAppData=x&tgWebAppStartParam=");
            tg.push_str(param);
            tg.push_str("&tgWebAppVersion=8.0");
            let p = Params::from_location("/", "", &tg);
            assert_eq!(p.venue_code.as_deref(), want, "telegram {param}");
            // VK: the app link's hash is the app's hash.
            let mut vk = String::from("#");
            vk.push_str(param);
            let p = Params::from_location("/", "?vk_app_id=1&sign=x", &vk);
            assert_eq!(p.venue_code.as_deref(), want, "vk {param}");
            // Aitu: its SDK has no start parameter; the app link's fragment is the hash.
            let p = Params::from_location("/", "?__aitu-domain=https%3A%2F%2Faitu.io", &vk);
            assert_eq!(p.venue_code.as_deref(), want, "aitu {param}");
        }
        // A hash of launch parameters without a start parameter is no code.
        let p = Params::from_location("/", "", "#tgWebAppData=x&tgWebAppVersion=8.0");
        assert_eq!(p.venue_code, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_url_becomes_a_bare_code() {
        let p = Params::from_location("/v/1", "?lang=en", "#AbC.dEf");
        assert_eq!(p.venue_code.as_deref(), Some("ASHYQ1:AbC.dEf"));
        assert_eq!(p.poster_page.as_deref(), Some("/v/open?code=AbC.dEf"));
        // Nothing but a code body goes into the poster page's query.
        let odd = Params::from_location("/v/1", "", "#A&b=c.d");
        assert_eq!(odd.poster_page, None);
        // A start parameter opens the code wherever the app is; no poster page.
        assert_eq!(Params::from_location("/", "", "#AbC.dEf").poster_page, None);
        assert_eq!(p.lang.as_deref(), Some("en"));
        assert_eq!(Params::from_location("/", "", "#AbC.dEf").venue_code, None);
        assert_eq!(Params::from_location("/v/1", "", "").venue_code, None);
    }

    #[test]
    fn timeout_override_from_query_or_hash() {
        assert_eq!(
            Params::from_location("/", "?ashyq_timeout_ms=300", "").timeout_ms,
            Some(300)
        );
        assert_eq!(
            Params::from_location("/", "", "#tgWebAppData=x&ashyq_timeout_ms=400").timeout_ms,
            Some(400)
        );
        assert_eq!(
            Params::from_location("/", "?ashyq_timeout_ms=0", "").timeout_ms,
            Some(50)
        );
        assert_eq!(
            Params::from_location("/", "?ashyq_timeout_ms=x", "").timeout_ms,
            None
        );
    }
}
