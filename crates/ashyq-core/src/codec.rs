//! The shared wire machinery of venue codes and pass tokens: the error codes, base64url,
//! a tiny binary reader/writer (LEB128 varints, length-prefixed UTF-8) and the
//! `payload.signature` envelope.

use ed25519_dalek::Signature;

use crate::keys::{KeyId, KeySet, Signer};

/// Why a venue code or pass token was rejected. Each has a stable code (see
/// [`CodeError::code`]) used by the API, the app's screens and the test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("not an Ashyq code (unknown prefix)")]
    BadPrefix,
    #[error("the code is damaged (not base64url)")]
    BadBase64,
    #[error("the signature does not match: the code is forged or altered")]
    BadSignature,
    #[error("signed by a key this app does not know")]
    UnknownKey,
    #[error("made for a newer version of Ashyq")]
    UnsupportedVersion,
    #[error("a required field is missing")]
    MissingField,
    #[error("a field has an impossible value")]
    FieldOutOfRange,
    #[error("the code is too long")]
    TooLong,
    #[error("the pass has expired")]
    Expired,
}

impl CodeError {
    pub const ALL: [CodeError; 9] = [
        CodeError::BadPrefix,
        CodeError::BadBase64,
        CodeError::BadSignature,
        CodeError::UnknownKey,
        CodeError::UnsupportedVersion,
        CodeError::MissingField,
        CodeError::FieldOutOfRange,
        CodeError::TooLong,
        CodeError::Expired,
    ];

    /// The stable machine-readable code, e.g. `bad_signature`.
    pub fn code(self) -> &'static str {
        match self {
            CodeError::BadPrefix => "bad_prefix",
            CodeError::BadBase64 => "bad_base64",
            CodeError::BadSignature => "bad_signature",
            CodeError::UnknownKey => "unknown_key",
            CodeError::UnsupportedVersion => "unsupported_version",
            CodeError::MissingField => "missing_field",
            CodeError::FieldOutOfRange => "field_out_of_range",
            CodeError::TooLong => "too_long",
            CodeError::Expired => "expired",
        }
    }

    /// The inverse of [`CodeError::code`].
    pub fn from_code(code: &str) -> Option<CodeError> {
        CodeError::ALL.into_iter().find(|e| e.code() == code)
    }
}

pub type Result<T> = core::result::Result<T, CodeError>;

/// Longest text accepted as a code or token, before any decoding. Longer input is
/// rejected without being looked at.
pub const MAX_TEXT_LEN: usize = 1024;

const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            let six = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(B64_ALPHABET[six as usize]));
        }
    }
    out
}

fn b64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Strict base64url without padding (non-canonical trailing bits are rejected, so every
/// byte string has exactly one text form).
pub fn b64_decode(text: &str) -> Result<Vec<u8>> {
    let text = text.as_bytes();
    // A lone trailing character carries fewer than 8 bits: never valid.
    if text.len() % 4 == 1 {
        return Err(CodeError::BadBase64);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= b64_value(*c).ok_or(CodeError::BadBase64)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits below the last whole byte must be zero (canonical form).
        if n & (0xff_ffff >> (8 * bytes)) != 0 {
            return Err(CodeError::BadBase64);
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

/// Appends fields to a payload.
#[derive(Default)]
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    pub(crate) fn varint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.bytes(s.as_bytes());
    }
}

/// Reads fields from a payload; running out of bytes is [`CodeError::MissingField`].
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.pos).ok_or(CodeError::MissingField)?;
        self.pos += 1;
        Ok(b)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let end = self.pos.checked_add(N).ok_or(CodeError::MissingField)?;
        let slice = self.buf.get(self.pos..end).ok_or(CodeError::MissingField)?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
    /// LEB128, at most 10 bytes, canonical (no trailing zero groups).
    pub(crate) fn varint(&mut self) -> Result<u64> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let group = u64::from(byte & 0x7f);
            if i == 9 && group > 1 {
                return Err(CodeError::FieldOutOfRange);
            }
            value |= group << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && group == 0 {
                    return Err(CodeError::FieldOutOfRange);
                }
                return Ok(value);
            }
        }
        Err(CodeError::FieldOutOfRange)
    }
    /// A length-prefixed UTF-8 string of 1..=max bytes without control characters.
    pub(crate) fn str(&mut self, max: usize) -> Result<String> {
        let len = self.varint()?;
        if len == 0 || len > max as u64 {
            return Err(CodeError::FieldOutOfRange);
        }
        let len = len as usize;
        let end = self.pos + len;
        let slice = self.buf.get(self.pos..end).ok_or(CodeError::MissingField)?;
        self.pos = end;
        let s = core::str::from_utf8(slice).map_err(|_| CodeError::FieldOutOfRange)?;
        if !text_is_printable(s) {
            return Err(CodeError::FieldOutOfRange);
        }
        Ok(s.to_owned())
    }
    /// Trailing bytes after the last field make the payload too long.
    pub(crate) fn finish(self) -> Result<()> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(CodeError::TooLong)
        }
    }
}

/// Two hex digits (either case) as a byte: `u8::from_str_radix(s, 16)` without its sign
/// handling (which took `"+f"`) and its generic code. `None` unless `s` is exactly two digits.
pub fn hex_byte(s: &[u8]) -> Option<u8> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    match s {
        [hi, lo] => Some(digit(*hi)? << 4 | digit(*lo)?),
        _ => None,
    }
}

/// Appends `n` in decimal, zero-padded to at least `min_digits` digits: `n.to_string()`
/// and `format!("{n:0w$}")` without `core::fmt` (which the app's wasm would have to carry).
pub fn push_decimal(out: &mut String, mut n: u64, min_digits: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    while len < digits.len() && (n > 0 || len == 0 || len < min_digits) {
        digits[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    for _ in len..min_digits {
        out.push('0');
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// Text fields may hold any printable Unicode (HTML-looking text included: it is always
/// rendered as text) but no control characters.
pub fn text_is_printable(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

/// `payload.signature`, both base64url.
pub(crate) fn seal(payload: &[u8], signer: &Signer) -> String {
    let sig = signer.sign(payload);
    let mut out = b64_encode(payload);
    out.push('.');
    out.push_str(&b64_encode(&sig.to_bytes()));
    out
}

/// Decodes `payload.signature`, checks the version byte and the key id, verifies the
/// signature and returns the payload bytes after the version and key id.
pub(crate) fn open<'a>(
    body: &str,
    version: u8,
    keys: &KeySet,
    payload_buf: &'a mut Vec<u8>,
) -> Result<(KeyId, Reader<'a>)> {
    let (payload_b64, sig_b64) = body.split_once('.').ok_or(CodeError::BadSignature)?;
    *payload_buf = b64_decode(payload_b64)?;
    let sig_bytes = b64_decode(sig_b64)?;
    let sig_bytes: [u8; 64] = sig_bytes
        .as_slice()
        .try_into()
        .map_err(|_| CodeError::BadSignature)?;
    let payload: &'a [u8] = payload_buf.as_slice();
    let mut r = Reader::new(payload);
    let v = r.u8()?;
    if v != version {
        return Err(CodeError::UnsupportedVersion);
    }
    let key_id = KeyId(r.array::<4>()?);
    let key = keys.get(&key_id).ok_or(CodeError::UnknownKey)?;
    let sig = Signature::from_bytes(&sig_bytes);
    key.verify_strict(payload, &sig)
        .map_err(|_| CodeError::BadSignature)?;
    Ok((key_id, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_byte_reads_two_hex_digits_only() {
        for b in 0..=255u8 {
            for t in [format!("{b:02x}"), format!("{b:02X}")] {
                assert_eq!(hex_byte(t.as_bytes()), Some(b));
            }
        }
        for bad in ["", "0", "000", "+f", "-1", "g0", "0g", " 1", "é"] {
            assert_eq!(hex_byte(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn push_decimal_is_to_string_and_zero_pads() {
        for n in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            4_294_967_295,
            123_456_789_012,
            u64::MAX,
        ] {
            let mut s = String::from("x");
            push_decimal(&mut s, n, 0);
            assert_eq!(s, format!("x{n}"));
            for w in [1, 2, 12, 25] {
                let mut s = String::new();
                push_decimal(&mut s, n, w);
                assert_eq!(s, format!("{n:0w$}"));
            }
        }
    }

    #[test]
    fn varint_round_trips_and_rejects_overlong() {
        for v in [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut w = Writer::default();
            w.varint(v);
            let mut r = Reader::new(&w.0);
            assert_eq!(r.varint(), Ok(v));
            assert_eq!(r.finish(), Ok(()));
        }
        // 0 written in two bytes is not canonical.
        assert_eq!(
            Reader::new(&[0x80, 0x00]).varint(),
            Err(CodeError::FieldOutOfRange)
        );
        // Eleven continuation bytes.
        assert_eq!(
            Reader::new(&[0xff; 11]).varint(),
            Err(CodeError::FieldOutOfRange)
        );
        assert_eq!(Reader::new(&[0x80]).varint(), Err(CodeError::MissingField));
    }

    #[test]
    fn error_codes_are_stable_and_invertible() {
        for e in CodeError::ALL {
            assert_eq!(CodeError::from_code(e.code()), Some(e));
        }
        assert_eq!(CodeError::BadSignature.code(), "bad_signature");
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(b64_decode("AAE"), Ok(vec![0, 1]));
        assert_eq!(b64_decode("AAE="), Err(CodeError::BadBase64));
        assert_eq!(b64_decode("AAF"), Err(CodeError::BadBase64)); // trailing bits set
        assert_eq!(b64_decode("AA+E"), Err(CodeError::BadBase64)); // not url-safe
        assert_eq!(b64_decode("A"), Err(CodeError::BadBase64)); // six bits
        assert_eq!(b64_decode("AAAAA"), Err(CodeError::BadBase64));
        assert_eq!(b64_decode("AB"), Err(CodeError::BadBase64)); // trailing bits set
        assert_eq!(b64_decode(""), Ok(vec![]));
        // RFC 4648 §10, url-safe alphabet, no padding.
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (b"\xfb\xff\xfe", "-__-"),
        ] {
            assert_eq!(b64_encode(raw), text);
            assert_eq!(b64_decode(text).as_deref(), Ok(raw));
        }
        let all: Vec<u8> = (0..=255).collect();
        for n in 0..all.len() {
            assert_eq!(b64_decode(&b64_encode(&all[..n])).as_deref(), Ok(&all[..n]));
        }
    }
}
