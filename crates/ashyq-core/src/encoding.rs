//! Text and byte encodings with no protocol meaning: base64url, hex, decimal, query
//! strings (`key=value&…`), and the small binary reader/writer (LEB128 varints,
//! length-prefixed UTF-8) that venue codes and pass tokens are written with.
//!
//! Nothing here imports the rest of the crate, so every other module may use it without
//! making an import circle. Which read error becomes which `CodeError` is decided by
//! `codec`, not here.

/// Why a binary payload could not be read. `codec` maps these onto its `CodeError`;
/// keeping them apart lets this module stand alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The payload ended before the field.
    Truncated,
    /// A field has an impossible value (non-canonical varint, bad length, not text).
    OutOfRange,
    /// Bytes are left after the last field.
    Trailing,
}

pub type ReadResult<T> = core::result::Result<T, ReadError>;

// ---------------------------------------------------------------- base64url

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
/// byte string has exactly one text form). `None` for anything else.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    // A lone trailing character carries fewer than 8 bits: never valid.
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= b64_value(*c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits below the last whole byte must be zero (canonical form).
        if n & (0xff_ffff >> (8 * bytes)) != 0 {
            return None;
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- hex and decimal

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

/// Lowercase hex, two digits a byte.
pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// The inverse of [`hex_encode`], either case. `None` on an odd length or a non-hex digit.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| hex_byte(s.as_bytes().get(i..i + 2)?))
        .collect()
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

// ---------------------------------------------------------------- query strings

/// Decodes `application/x-www-form-urlencoded` (`+` is a space). Fails on bad escapes or
/// invalid UTF-8.
pub fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(hex_byte(bytes.get(i + 1..i + 3)?)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encodes like JavaScript's `encodeURIComponent`.
pub fn uri_component_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            // ASCII only: `str::to_uppercase` would pull Unicode case tables into the wasm.
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Splits a query string into decoded pairs, in order. Fails on a bad escape.
pub fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    q.trim_start_matches(['?', '#'])
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((form_decode(k)?, form_decode(v)?))
        })
        .collect()
}

// ---------------------------------------------------------------- binary payloads

/// Text fields may hold any printable Unicode (HTML-looking text included: it is always
/// rendered as text) but no control characters.
pub fn text_is_printable(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
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

/// Reads fields from a payload.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn u8(&mut self) -> ReadResult<u8> {
        let b = *self.buf.get(self.pos).ok_or(ReadError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> ReadResult<[u8; N]> {
        let end = self.pos.checked_add(N).ok_or(ReadError::Truncated)?;
        let slice = self.buf.get(self.pos..end).ok_or(ReadError::Truncated)?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }
    /// LEB128, at most 10 bytes, canonical (no trailing zero groups).
    pub(crate) fn varint(&mut self) -> ReadResult<u64> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let group = u64::from(byte & 0x7f);
            if i == 9 && group > 1 {
                return Err(ReadError::OutOfRange);
            }
            value |= group << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && group == 0 {
                    return Err(ReadError::OutOfRange);
                }
                return Ok(value);
            }
        }
        Err(ReadError::OutOfRange)
    }
    /// A length-prefixed UTF-8 string of 1..=max bytes without control characters.
    pub(crate) fn str(&mut self, max: usize) -> ReadResult<String> {
        let len = self.varint()?;
        if len == 0 || len > max as u64 {
            return Err(ReadError::OutOfRange);
        }
        let len = len as usize;
        let end = self.pos + len;
        let slice = self.buf.get(self.pos..end).ok_or(ReadError::Truncated)?;
        self.pos = end;
        let s = core::str::from_utf8(slice).map_err(|_| ReadError::OutOfRange)?;
        if !text_is_printable(s) {
            return Err(ReadError::OutOfRange);
        }
        Ok(s.to_owned())
    }
    /// Every byte must belong to a field.
    pub(crate) fn finish(self) -> ReadResult<()> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(ReadError::Trailing)
        }
    }
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
    fn hex_round_trips_and_rejects_odd_or_foreign_digits() {
        let all: Vec<u8> = (0..=255).collect();
        let text = hex_encode(&all);
        assert_eq!(&text[..8], "00010203");
        assert_eq!(&text[text.len() - 4..], "feff");
        assert_eq!(hex_decode(&text).as_deref(), Some(&all[..]));
        assert_eq!(hex_decode("ABcd"), Some(vec![0xab, 0xcd]));
        assert_eq!(hex_decode(""), Some(vec![]));
        for bad in ["0", "abc", "zz", "+f", "0é"] {
            assert_eq!(hex_decode(bad), None, "{bad:?}");
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
            Err(ReadError::OutOfRange)
        );
        // Eleven continuation bytes.
        assert_eq!(
            Reader::new(&[0xff; 11]).varint(),
            Err(ReadError::OutOfRange)
        );
        assert_eq!(Reader::new(&[0x80]).varint(), Err(ReadError::Truncated));
        assert_eq!(Reader::new(&[1, 2]).finish(), Err(ReadError::Trailing));
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(b64_decode("AAE"), Some(vec![0, 1]));
        assert_eq!(b64_decode("AAE="), None);
        assert_eq!(b64_decode("AAF"), None); // trailing bits set
        assert_eq!(b64_decode("AA+E"), None); // not url-safe
        assert_eq!(b64_decode("A"), None); // six bits
        assert_eq!(b64_decode("AAAAA"), None);
        assert_eq!(b64_decode("AB"), None); // trailing bits set
        assert_eq!(b64_decode(""), Some(vec![]));
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
            assert_eq!(b64_decode(text).as_deref(), Some(raw));
        }
        let all: Vec<u8> = (0..=255).collect();
        for n in 0..all.len() {
            assert_eq!(
                b64_decode(&b64_encode(&all[..n])).as_deref(),
                Some(&all[..n])
            );
        }
    }

    #[test]
    fn query_decoding() {
        assert_eq!(form_decode("a+b%20c%D0%90"), Some("a b cА".to_string()));
        assert_eq!(form_decode("%G0"), None);
        assert_eq!(form_decode("%"), None);
        assert_eq!(uri_component_encode("a b/А"), "a%20b%2F%D0%90");
        assert_eq!(
            parse_query("?a=1&&b=%D0%90+x&c"),
            Some(vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "А x".to_string()),
                ("c".to_string(), String::new()),
            ])
        );
        assert_eq!(parse_query("a=%zz"), None);
    }
}
