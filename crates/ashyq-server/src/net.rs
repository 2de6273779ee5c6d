//! What the server believes about a request before any handler sees it: the path, in one
//! normal form, so that no routing decision can be taken on a spelling (`//dev/`,
//! `/./dev/`, `/%64ev/` are all `/dev/`); the client's address, read from the one
//! configured forwarding header, and only from the entries a configured trusted proxy
//! appended to it; and the headers every response carries.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use crate::error::AppError;

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

/// The one header that names the client behind a trusted proxy (`--client-ip-header`).
/// Only one is ever read: a proxy appends to the header it is configured for and passes
/// the other through untouched, so whatever a client writes in the other one would
/// otherwise reach us as if the proxy had said it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClientIpHeader {
    /// `X-Forwarded-For`, as nginx (`$proxy_add_x_forwarded_for`) and HAProxy (`option
    /// forwardfor`) append it.
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239), its `for=` parameters.
    Forwarded,
}

impl ClientIpHeader {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientIpHeader::XForwardedFor => "x-forwarded-for",
            ClientIpHeader::Forwarded => "forwarded",
        }
    }
}

impl std::str::FromStr for ClientIpHeader {
    type Err = String;

    /// `x-forwarded-for` or `forwarded`, in any case.
    fn from_str(s: &str) -> Result<ClientIpHeader, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ClientIpHeader::XForwardedFor),
            "forwarded" => Ok(ClientIpHeader::Forwarded),
            _ => Err(format!(
                "{s:?}: the client address header is x-forwarded-for or forwarded"
            )),
        }
    }
}

/// One address as a proxy writes it: `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]:443`,
/// `2001:db8::1`, and in `Forwarded` the same in quotes. None for `unknown`, obfuscated
/// names and junk.
fn hop_address(value: &str) -> Option<IpAddr> {
    let v = value.trim();
    let v = match v.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"')?,
        None => v,
    };
    if let Some(rest) = v.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        return ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    v.parse::<IpAddr>()
        .ok()
        .or_else(|| v.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The address in one `Forwarded` element (`for=…;proto=https`); None when it has no
/// `for=`, or two, or one that is not an address.
fn forwarded_element(element: &str) -> Option<IpAddr> {
    let mut fors = element.split(';').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then_some(v)
    });
    let value = fors.next()?;
    if fors.next().is_some() {
        return None;
    }
    hop_address(value)
}

/// The hops written in the configured header, nearest last; None for an entry that is not
/// one address. Several header lines are one list, in order (RFC 9110 §5.3). Entries are
/// split at every comma, quotes or not: a proxy's own entry never holds one, so the
/// entries nearest us come out whole whatever a client wrote to their left.
fn reported_hops(headers: &HeaderMap, header: ClientIpHeader) -> Vec<Option<IpAddr>> {
    headers
        .get_all(header.as_str())
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|raw| {
            let entry = std::str::from_utf8(raw).ok()?;
            match header {
                ClientIpHeader::XForwardedFor => hop_address(entry),
                ClientIpHeader::Forwarded => forwarded_element(entry),
            }
        })
        .collect()
}

/// The client's address. From anyone but a trusted proxy: the peer, whatever it writes in
/// any header. From a trusted proxy: the configured header's entries, walked from the
/// nearest (the right), skipping those that are themselves trusted proxies; the first
/// other one is the client. Entries further left were written by the client and are never
/// read, so a client cannot choose the address that rate limits see. An entry that is not
/// an address, or a header that names only trusted proxies (or is missing), leaves the
/// peer: garbage is never believed.
pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
    header: ClientIpHeader,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    for hop in reported_hops(headers, header).into_iter().rev() {
        match hop.map(|ip| ip.to_canonical()) {
            Some(ip) if trusted.contains(ip) => continue,
            Some(ip) => return ip,
            None => return peer,
        }
    }
    peer
}

/// The key a client's requests and connections are counted under: an IPv4 address (an
/// IPv4-mapped IPv6 one included) as it is, an IPv6 address by its /64. One subscriber
/// line or host is given a whole /64, so counting single IPv6 addresses would give one
/// client 2^64 buckets.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The client address of a request (see [`client_ip`]); unspecified without a socket
/// (tests that call the router directly).
pub fn request_client_ip(
    req: &Request,
    trusted: &TrustedProxies,
    header: ClientIpHeader,
) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    client_ip(peer, req.headers(), trusted, header)
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    const XFF: ClientIpHeader = ClientIpHeader::XForwardedFor;
    const FWD: ClientIpHeader = ClientIpHeader::Forwarded;

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").expect("parses");
        let spoof = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Straight from a client: its own address, whatever it claims.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &spoof, &trusted, XFF),
            ip("198.51.100.1")
        );
        // Through the proxy: the address the proxy saw.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &spoof, &trusted, XFF),
            ip("203.0.113.9")
        );
        // A client that sends its own X-Forwarded-For through the proxies: each appends
        // what it saw, and only the entries they added are believed.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.5")]);
        assert_eq!(
            client_ip(ip("192.0.2.7"), &chain, &trusted, XFF),
            ip("203.0.113.9")
        );
        // Several header lines are one list.
        let lines = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &lines, &trusted, XFF),
            ip("203.0.113.9")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(
            TrustedProxies::parse("::ffff:10.0.0.1").map(|t| t.contains(ip("10.0.0.1"))),
            Ok(true),
            "an IPv4-mapped address is the IPv4 address"
        );
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let trusted = TrustedProxies::parse("10.0.0.1").expect("parses");
        let peer = ip("10.0.0.1");
        // nginx appends to X-Forwarded-For and passes a client's Forwarded through.
        let both = headers(&[
            ("forwarded", "for=198.18.0.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client_ip(peer, &both, &trusted, XFF), ip("203.0.113.9"));
        let only_forwarded = headers(&[("forwarded", "for=198.18.0.1")]);
        assert_eq!(
            client_ip(peer, &only_forwarded, &trusted, XFF),
            peer,
            "a client's Forwarded names nobody"
        );
        // And the other way round when the proxy writes Forwarded.
        let both = headers(&[
            ("x-forwarded-for", "198.18.0.1"),
            (
                "forwarded",
                "for=198.18.0.2, for=\"[2001:db8::1]:4711\";proto=https",
            ),
        ]);
        assert_eq!(client_ip(peer, &both, &trusted, FWD), ip("2001:db8::1"));
        let only_xff = headers(&[("x-forwarded-for", "198.18.0.1")]);
        assert_eq!(client_ip(peer, &only_xff, &trusted, FWD), peer);
        assert_eq!("Forwarded".parse(), Ok(FWD));
        assert_eq!("x-forwarded-for".parse(), Ok(XFF));
        assert!("x-real-ip".parse::<ClientIpHeader>().is_err());
    }

    #[test]
    fn garbage_where_the_proxy_should_have_written_leaves_the_peer() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").expect("parses");
        let peer = ip("10.0.0.1");
        for (header, value) in [
            (XFF, "203.0.113.9, nonsense"),
            (XFF, "203.0.113.9, "),
            (XFF, "203.0.113.9, 300.1.1.1"),
            (XFF, "203.0.113.9, [2001:db8::1]x"),
            (XFF, "10.0.0.2"),
            (FWD, "for=unknown"),
            (FWD, "for=_hidden"),
            (FWD, "proto=https"),
            (FWD, "for=203.0.113.9;for=198.18.0.1"),
            (FWD, "for=\"203.0.113.9"),
        ] {
            let h = headers(&[(header.as_str(), value)]);
            assert_eq!(client_ip(peer, &h, &trusted, header), peer, "{value}");
        }
        // Garbage to the left of what the proxy appended is the client's and never read.
        let h = headers(&[("x-forwarded-for", "\"oops, [::1, 203.0.113.9")]);
        assert_eq!(client_ip(peer, &h, &trusted, XFF), ip("203.0.113.9"));
        let h = headers(&[("forwarded", "for=\"[::1, for=203.0.113.9:1234")]);
        assert_eq!(client_ip(peer, &h, &trusted, FWD), ip("203.0.113.9"));
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").expect("opaque bytes"),
        );
        assert_eq!(client_ip(peer, &h, &trusted, XFF), ip("203.0.113.9"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(client_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_ne!(client_key(ip("192.0.2.1")), client_key(ip("192.0.2.2")));
        assert_eq!(
            client_key(ip("::ffff:192.0.2.1")),
            ip("192.0.2.1"),
            "an IPv4-mapped address is the IPv4 address, not the /64 of every IPv4 client"
        );
    }
}
