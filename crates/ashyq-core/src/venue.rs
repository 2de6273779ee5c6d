//! Venue codes: what a business prints on its entry and exit posters.
//!
//! Text forms: `https://<host>/v/1#<payload>.<signature>` (so a phone camera outside the
//! app opens the mini-app) and the bare `ASHYQ1:<payload>.<signature>`. The layout of the
//! payload is in `docs/protocol.md`. Parsing verifies the signature *before* reading any
//! field after the key id, so unsigned bytes are never interpreted.

use serde::{Deserialize, Serialize};

use crate::codec::{self, CodeError, Result};
use crate::encoding::{self, Reader, Writer};
use crate::id;
use crate::keys::{KeyId, KeySet, Signer};
use crate::Timestamp;

pub const VERSION: u8 = 1;
pub const BARE_PREFIX: &str = "ASHYQ1:";
/// The path and fragment marker of the URL form.
pub const URL_PATH: &str = "/v/1#";
/// Longest business name and address, in UTF-8 bytes: keeps a poster QR at version ≤ 15-M.
pub const MAX_NAME_BYTES: usize = 64;
pub const MAX_ADDRESS_BYTES: usize = 96;
/// Venue ids stay within JavaScript's safe integers.
pub const MAX_VENUE_ID: u64 = (1 << 53) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// Premises categories (DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Grocery,
    Pharmacy,
    Restaurant,
    Mall,
    Fitness,
    Entertainment,
    Education,
    Healthcare,
    Government,
    TransportHub,
    Other,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::Grocery,
        Category::Pharmacy,
        Category::Restaurant,
        Category::Mall,
        Category::Fitness,
        Category::Entertainment,
        Category::Education,
        Category::Healthcare,
        Category::Government,
        Category::TransportHub,
        Category::Other,
    ];

    /// The byte in the payload.
    pub fn to_byte(self) -> u8 {
        self as u8
    }
    pub fn from_byte(b: u8) -> Option<Category> {
        Category::ALL.get(usize::from(b)).copied()
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Grocery => "grocery",
            Category::Pharmacy => "pharmacy",
            Category::Restaurant => "restaurant",
            Category::Mall => "mall",
            Category::Fitness => "fitness",
            Category::Entertainment => "entertainment",
            Category::Education => "education",
            Category::Healthcare => "healthcare",
            Category::Government => "government",
            Category::TransportHub => "transport_hub",
            Category::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// Whether venues of this category require a PCR test unless registered otherwise.
    pub fn pcr_required_by_default(self) -> bool {
        matches!(self, Category::TransportHub)
    }
    /// Grocery stores and pharmacies: the only places a contact (YELLOW) may go.
    pub fn is_essential(self) -> bool {
        matches!(self, Category::Grocery | Category::Pharmacy)
    }
}

/// Everything a venue code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueInfo {
    pub venue_id: u64,
    /// 1..=255
    pub entrance: u8,
    pub direction: Direction,
    pub business_name: String,
    /// 12-digit BIN with a valid check digit.
    pub bin: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub issued_at: Timestamp,
}

/// A verified venue code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueCode {
    pub key_id: KeyId,
    pub info: VenueInfo,
}

/// A signed code, ready to print in either text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCode {
    body: String,
}

impl SignedCode {
    /// `ASHYQ1:<payload>.<signature>`
    pub fn bare(&self) -> String {
        let mut s = String::with_capacity(BARE_PREFIX.len() + self.body.len());
        s.push_str(BARE_PREFIX);
        s.push_str(&self.body);
        s
    }
    /// `https://<host>/v/1#<payload>.<signature>`; `host` may carry a port.
    pub fn url(&self, host: &str) -> String {
        let mut s = String::with_capacity(8 + host.len() + URL_PATH.len() + self.body.len());
        s.push_str("https://");
        s.push_str(host);
        s.push_str(URL_PATH);
        s.push_str(&self.body);
        s
    }
    /// The URL form under an explicit origin such as `http://127.0.0.1:8080` (development).
    pub fn url_with_origin(&self, origin: &str) -> String {
        let mut s = String::from(origin.trim_end_matches('/'));
        s.push_str(URL_PATH);
        s.push_str(&self.body);
        s
    }
    /// `<payload>.<signature>`
    pub fn body(&self) -> &str {
        &self.body
    }
}

fn check_fields(info: &VenueInfo) -> Result<()> {
    let ok = (1..=MAX_VENUE_ID).contains(&info.venue_id)
        && info.entrance >= 1
        && id::validate_bin(&info.bin).is_ok()
        && info.issued_at > 0
        && info.issued_at < (1 << 40)
        && encoding::text_is_printable(&info.business_name)
        && encoding::text_is_printable(&info.address);
    if !ok {
        return Err(CodeError::FieldOutOfRange);
    }
    if info.business_name.len() > MAX_NAME_BYTES || info.address.len() > MAX_ADDRESS_BYTES {
        return Err(CodeError::TooLong);
    }
    Ok(())
}

fn bin_to_bytes(bin: &str) -> [u8; 5] {
    let n: u64 = bin.parse().unwrap_or(0);
    let b = n.to_be_bytes();
    [b[3], b[4], b[5], b[6], b[7]]
}

/// The payload bytes for `info` under `key_id` (exposed for test-vector generation).
pub fn encode_payload(info: &VenueInfo, key_id: KeyId) -> Result<Vec<u8>> {
    check_fields(info)?;
    let mut w = Writer::default();
    w.u8(VERSION);
    w.bytes(&key_id.0);
    w.varint(info.venue_id);
    w.u8(info.entrance);
    let flags = u8::from(info.direction == Direction::Out) | (u8::from(info.pcr_required) << 1);
    w.u8(flags);
    w.u8(info.category.to_byte());
    w.bytes(&bin_to_bytes(&info.bin));
    w.varint(info.issued_at as u64);
    w.str(&info.business_name);
    w.str(&info.address);
    Ok(w.0)
}

/// Signs a venue code. Fails with [`CodeError::FieldOutOfRange`] or
/// [`CodeError::TooLong`] when a field cannot be encoded (invalid BIN, empty or overlong
/// name, entrance 0, …).
pub fn sign(info: &VenueInfo, signer: &Signer) -> Result<SignedCode> {
    let payload = encode_payload(info, signer.key_id())?;
    Ok(SignedCode {
        body: codec::seal(&payload, signer),
    })
}

/// Signs arbitrary payload bytes (test vectors for malformed-but-signed payloads).
pub fn seal_raw(payload: &[u8], signer: &Signer) -> SignedCode {
    SignedCode {
        body: codec::seal(payload, signer),
    }
}

/// Strips either text form down to `<payload>.<signature>`.
fn strip_form(text: &str) -> Result<&str> {
    if let Some(body) = text.strip_prefix(BARE_PREFIX) {
        return Ok(body);
    }
    let rest = if let Some(rest) = text.strip_prefix("https://") {
        rest
    } else if let Some(rest) = text.strip_prefix("http://") {
        // Plain http only for a developer's own machine.
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if host != "localhost" && host != "127.0.0.1" {
            return Err(CodeError::BadPrefix);
        }
        rest
    } else {
        return Err(CodeError::BadPrefix);
    };
    let slash = rest.find('/').ok_or(CodeError::BadPrefix)?;
    // `get`, not indexing: no slicing panic path (and its formatting) in the wasm.
    let (host, path) = (
        rest.get(..slash).unwrap_or_default(),
        rest.get(slash..).unwrap_or_default(),
    );
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
    if !host_ok {
        return Err(CodeError::BadPrefix);
    }
    path.strip_prefix(URL_PATH).ok_or(CodeError::BadPrefix)
}

/// The prefix of a venue code written as a host start parameter (Telegram `startapp`, the
/// hash of a VK app link): `c1`, then the payload and the signature in base64url with
/// nothing between them. The signature is always 64 bytes (86 characters), so it is the
/// tail; the whole stays inside Telegram's `[A-Za-z0-9_-]{1,512}`.
pub const START_PREFIX: &str = "c1";
/// Telegram's limit on a start parameter.
pub const START_MAX_LEN: usize = 512;
const SIG_B64_LEN: usize = 86;

fn is_b64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A venue code (either text form) as a start parameter; `None` when the text is not a
/// code's form, the signature is not 86 characters, or the result would exceed 512.
/// Nothing is verified here: the app verifies the code it gets back as always.
pub fn to_start_param(text: &str) -> Option<String> {
    let body = strip_form(text.trim()).ok()?;
    let (payload, sig) = body.split_once('.')?;
    if sig.len() != SIG_B64_LEN || payload.is_empty() || !is_b64url(payload) || !is_b64url(sig) {
        return None;
    }
    let mut s = String::with_capacity(START_PREFIX.len() + body.len());
    s.push_str(START_PREFIX);
    s.push_str(payload);
    s.push_str(sig);
    (s.len() <= START_MAX_LEN).then_some(s)
}

/// The bare form (`ASHYQ1:<payload>.<signature>`) of a start parameter made by
/// [`to_start_param`]; `None` for anything else (another bot's parameter, a stray hash).
pub fn from_start_param(param: &str) -> Option<String> {
    let rest = param.strip_prefix(START_PREFIX)?;
    if param.len() > START_MAX_LEN || rest.len() <= SIG_B64_LEN || !is_b64url(rest) {
        return None;
    }
    // `get`, not `split_at`: no slicing panic path (and its formatting) in the wasm.
    let cut = rest.len() - SIG_B64_LEN;
    let (payload, sig) = (rest.get(..cut)?, rest.get(cut..)?);
    let mut s = String::with_capacity(BARE_PREFIX.len() + rest.len() + 1);
    s.push_str(BARE_PREFIX);
    s.push_str(payload);
    s.push('.');
    s.push_str(sig);
    Some(s)
}

/// Whether `text` has the form of a venue code (bare or URL), signature unchecked: a
/// scanner can tell a stray QR (a menu, a Wi-Fi code) from an Ashyq poster without keys.
pub fn has_code_form(text: &str) -> bool {
    strip_form(text.trim()).is_ok()
}

/// Parses and verifies a scanned venue code (either text form; surrounding whitespace is
/// ignored). Fails with the [`CodeError`] that says what is wrong; on success every field
/// has been signature-checked and range-checked.
pub fn parse(text: &str, keys: &KeySet) -> Result<VenueCode> {
    if text.len() > codec::MAX_TEXT_LEN {
        return Err(CodeError::TooLong);
    }
    let body = strip_form(text.trim())?;
    let mut buf = Vec::new();
    let (key_id, mut r) = codec::open(body, VERSION, keys, &mut buf)?;
    let info = read_fields(&mut r)?;
    r.finish()?;
    Ok(VenueCode { key_id, info })
}

/// `n` as at least 12 decimal digits, zero-padded (`format!("{n:012}")` without `core::fmt`).
fn bin_digits(n: u64) -> String {
    let mut s = String::with_capacity(20);
    encoding::push_decimal(&mut s, n, 12);
    s
}

fn read_fields(r: &mut Reader<'_>) -> Result<VenueInfo> {
    let venue_id = r.varint()?;
    if !(1..=MAX_VENUE_ID).contains(&venue_id) {
        return Err(CodeError::FieldOutOfRange);
    }
    let entrance = r.u8()?;
    if entrance == 0 {
        return Err(CodeError::FieldOutOfRange);
    }
    let flags = r.u8()?;
    if flags & !0b11 != 0 {
        return Err(CodeError::FieldOutOfRange);
    }
    let direction = if flags & 1 == 1 {
        Direction::Out
    } else {
        Direction::In
    };
    let pcr_required = flags & 2 == 2;
    let category = Category::from_byte(r.u8()?).ok_or(CodeError::FieldOutOfRange)?;
    let bin_raw = r.array::<5>()?;
    let mut n = [0u8; 8];
    n[3..].copy_from_slice(&bin_raw);
    let bin = bin_digits(u64::from_be_bytes(n));
    if id::validate_bin(&bin).is_err() {
        return Err(CodeError::FieldOutOfRange);
    }
    let issued_at = r.varint()?;
    if issued_at == 0 || issued_at >= (1 << 40) {
        return Err(CodeError::FieldOutOfRange);
    }
    let business_name = r.str(MAX_NAME_BYTES)?;
    let address = r.str(MAX_ADDRESS_BYTES)?;
    Ok(VenueInfo {
        venue_id,
        entrance,
        direction,
        business_name,
        bin,
        address,
        category,
        pcr_required,
        issued_at: issued_at as Timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> VenueInfo {
        VenueInfo {
            venue_id: 7,
            entrance: 2,
            direction: Direction::Out,
            business_name: "Азық-түлік «Береке»".into(),
            bin: "180340021791".into(),
            address: "Астана, Қабанбай батыр даңғылы 53".into(),
            category: Category::Grocery,
            pcr_required: false,
            issued_at: 1_790_000_000,
        }
    }

    fn keyset(signers: &[&Signer]) -> KeySet {
        let mut k = KeySet::default();
        for s in signers {
            k.insert(s.key_id(), s.verifying_key());
        }
        k
    }

    #[test]
    fn both_forms_parse_to_the_signed_fields() {
        let s = Signer::from_seed([3; 32]);
        let code = sign(&sample(), &s).expect("valid fields");
        let keys = keyset(&[&s]);
        for text in [
            code.bare(),
            code.url("ashyq.kz"),
            code.url_with_origin("http://127.0.0.1:8080"),
            format!("  {}\n", code.bare()),
        ] {
            let parsed = parse(&text, &keys).expect("parses");
            assert_eq!(parsed.info, sample());
            assert_eq!(parsed.key_id, s.key_id());
        }
    }

    #[test]
    fn rejections_have_their_own_codes() {
        let s = Signer::from_seed([3; 32]);
        let other = Signer::from_seed([4; 32]);
        let keys = keyset(&[&s]);
        let code = sign(&sample(), &s).expect("valid");
        assert_eq!(parse("hello", &keys), Err(CodeError::BadPrefix));
        assert_eq!(parse("", &keys), Err(CodeError::BadPrefix));
        assert_eq!(
            parse(&code.url_with_origin("http://evil.example"), &keys),
            Err(CodeError::BadPrefix)
        );
        assert_eq!(parse("ASHYQ1:@@.@@", &keys), Err(CodeError::BadBase64));
        assert_eq!(parse("ASHYQ1:AQID", &keys), Err(CodeError::BadSignature));
        assert_eq!(
            parse(&sign(&sample(), &other).expect("valid").bare(), &keys),
            Err(CodeError::UnknownKey)
        );
        assert_eq!(parse(&"A".repeat(2000), &keys), Err(CodeError::TooLong));
        let mut payload = encode_payload(&sample(), s.key_id()).expect("valid");
        payload[0] = 2;
        assert_eq!(
            parse(&seal_raw(&payload, &s).bare(), &keys),
            Err(CodeError::UnsupportedVersion)
        );
        let body = code.body();
        let truncated = format!("{BARE_PREFIX}{}", &body[..body.len() - 3]);
        assert_eq!(parse(&truncated, &keys), Err(CodeError::BadSignature));
    }

    #[test]
    fn signing_refuses_what_cannot_be_encoded() {
        let s = Signer::from_seed([3; 32]);
        let mut bad = sample();
        bad.bin = "180340021792".into();
        assert_eq!(sign(&bad, &s), Err(CodeError::FieldOutOfRange));
        let mut bad = sample();
        bad.entrance = 0;
        assert_eq!(sign(&bad, &s), Err(CodeError::FieldOutOfRange));
        let mut bad = sample();
        bad.business_name = "Ж".repeat(40);
        assert_eq!(sign(&bad, &s), Err(CodeError::TooLong));
        let mut bad = sample();
        bad.address = "line\nbreak".into();
        assert_eq!(sign(&bad, &s), Err(CodeError::FieldOutOfRange));
    }
}
