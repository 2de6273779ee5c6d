//! What the server believes about a request before any handler sees it: the path, in one
//! normal form, so that no routing decision can be taken on a spelling (`//dev/`,
//! `/./dev/`, `/%64ev/` are all `/dev/`); the client's address, read from forwarding
//! headers only when a configured trusted proxy sent them; and the headers every
//! response carries.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use crate::error::AppError;
use crate::AppState;

// ---------------------------------------------------------------- paths

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The normal form of a URL path (RFC 3986 §6.2.2): percent-escapes of unreserved
/// characters decoded (`%64` → `d`, `%2E` → `.`), other escapes kept with upper-case hex,
/// empty segments dropped (`//`), and dot segments resolved (`/./`, `/a/../`). None for a
/// path that is not absolute, has a broken escape, or climbs above the root.
pub fn normalize_path(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut segments: Vec<String> = Vec::new();
    let trailing_slash =
        path.len() > 1 && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."));
    for raw in path.split('/') {
        let mut seg = String::with_capacity(raw.len());
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hi = hex_digit(*bytes.get(i + 1)?)?;
                let lo = hex_digit(*bytes.get(i + 2)?)?;
                let b = hi << 4 | lo;
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    seg.push(char::from(b));
                } else {
                    seg.push('%');
                    seg.push_str(&format!("{b:02X}"));
                }
                i += 3;
            } else {
                // The rest of the path is ASCII (a `Uri` holds nothing else).
                seg.push(char::from(bytes[i]));
                i += 1;
            }
        }
        match seg.as_str() {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            _ => segments.push(seg),
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || (trailing_slash && !segments.is_empty()) {
        out.push('/');
    }
    Some(out)
}

/// Rewrites the request's path to its normal form before the router sees it; a path with
/// no normal form is a 404.
pub async fn normalize(mut req: Request, next: Next) -> Response {
    let uri = req.uri();
    let Some(path) = normalize_path(uri.path()) else {
        return AppError::not_found("not_found", "no such page").into_response();
    };
    if path != uri.path() {
        let rebuilt = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        match Uri::try_from(rebuilt) {
            Ok(u) => *req.uri_mut() = u,
            Err(_) => return AppError::not_found("not_found", "no such page").into_response(),
        }
    }
    next.run(req).await
}

/// Ends a request that takes longer than the configured timeout, body included (a
/// client trickling its body in would otherwise hold a handler), with 408.
pub async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request took too long",
        )
        .into_response(),
    }
}

// ---------------------------------------------------------------- client address

/// The proxies whose forwarding headers are believed, as addresses or CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.0/8, 192.0.2.7, ::1` → the list. Fails with the entry it cannot read.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(|ip| IpNet::from(ip.to_canonical())))
                    .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// One address from a `Forwarded` `for=` value: `192.0.2.1`, `"[2001:db8::1]:443"`,
/// `192.0.2.1:8080`. None for `unknown`, obfuscated names and junk.
fn forwarded_for(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse::<IpAddr>()
        .ok()
        .or_else(|| v.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The hops a request passed, nearest last, as the proxies reported them: `Forwarded`
/// when present (RFC 7239), else `X-Forwarded-For`. An entry that is not an address is
/// None: the chain cannot be followed past it.
fn reported_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (k, v) = pair.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then_some(v)
                    })
                    .and_then(forwarded_for)
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| forwarded_for(s.trim()))
        .collect()
}

/// The client's address: the peer, unless the peer is a trusted proxy; then, walking the
/// forwarding headers from the nearest hop outwards, the first address that is not a
/// trusted proxy. Headers from anyone else are ignored, so a client cannot choose the
/// address that rate limits see. When the chain breaks (a hop is not an address), the
/// last trusted proxy's address stands for the client.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    for hop in reported_hops(headers).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.contains(client) {
                    return client;
                }
            }
            None => return client,
        }
    }
    client
}

/// The client address of a request (see [`client_ip`]); unspecified without a socket
/// (tests that call the router directly).
pub fn request_client_ip(req: &Request, trusted: &TrustedProxies) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    client_ip(peer, req.headers(), trusted)
}

// ---------------------------------------------------------------- response headers

/// Paths whose answers are data for one client, never for a shared cache.
pub fn is_api_path(path: &str) -> bool {
    path == "/v1"
        || path.starts_with("/v1/")
        || path.starts_with("/dev/api/")
        || path == "/healthz"
        || path == "/metrics"
}

/// The camera for the app's own origin (the scanner in a plain browser); nothing else
/// that a page could ask for.
pub const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(), geolocation=(), \
     payment=(), usb=(), serial=(), bluetooth=(), hid=(), display-capture=()";

pub const HSTS: &str = "max-age=31536000";

/// Adds what every response needs: `Cache-Control: no-store` on API answers (statuses,
/// passes and tokens must not sit in a shared cache), `Permissions-Policy` on HTML, and
/// HSTS when the public origin is HTTPS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let json = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if api || json {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let html = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        h.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
    }
    if state.config.public_origin.starts_with("https://") {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_have_one_normal_form() {
        for (raw, normal) in [
            ("/", "/"),
            ("/dev/index.html", "/dev/index.html"),
            ("//dev/index.html", "/dev/index.html"),
            ("/./dev/index.html", "/dev/index.html"),
            ("/%2e/dev/", "/dev/"),
            ("/%64ev/index.html", "/dev/index.html"),
            ("/%64%65%76/", "/dev/"),
            ("/x/../dev/", "/dev/"),
            ("/dev/.", "/dev/"),
            ("/v1//visits", "/v1/visits"),
            ("/assets/a%2fb", "/assets/a%2Fb"),
            ("/a%20b", "/a%20b"),
        ] {
            assert_eq!(normalize_path(raw).as_deref(), Some(normal), "{raw}");
        }
        for bad in ["/../etc/passwd", "/%2e%2e/x", "/a/%zz", "/a%2", "x"] {
            assert_eq!(normalize_path(bad), None, "{bad}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("ascii"));
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").expect("parses");
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let spoof = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Straight from a client: its own address, whatever it claims.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &spoof, &trusted),
            ip("198.51.100.1")
        );
        // Through the proxy: the address the proxy saw.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &spoof, &trusted),
            ip("203.0.113.9")
        );
        // A client that sends its own X-Forwarded-For through the proxy: the proxy appends
        // the real address, and only the hops the proxies added are believed.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.5")]);
        assert_eq!(
            client_ip(ip("192.0.2.7"), &chain, &trusted),
            ip("203.0.113.9")
        );
        let fwd = headers(&[(
            "forwarded",
            "for=1.1.1.1, for=\"[2001:db8::1]:4711\";proto=https",
        )]);
        assert_eq!(client_ip(ip("10.0.0.1"), &fwd, &trusted), ip("2001:db8::1"));
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &unknown, &trusted),
            ip("10.0.0.1")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(
            TrustedProxies::parse("::ffff:10.0.0.1").map(|t| t.contains(ip("10.0.0.1"))),
            Ok(true),
            "an IPv4-mapped address is the IPv4 address"
        );
    }
}
