//! The shared envelope of venue codes and pass tokens: their error codes and the signed
//! `payload.signature` form. The encodings underneath (base64url, the binary
//! reader/writer) are in [`crate::encoding`].

use ed25519_dalek::Signature;

use crate::encoding::{b64_decode, b64_encode, ReadError, Reader};
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

impl From<ReadError> for CodeError {
    fn from(e: ReadError) -> CodeError {
        match e {
            ReadError::Truncated => CodeError::MissingField,
            ReadError::OutOfRange => CodeError::FieldOutOfRange,
            ReadError::Trailing => CodeError::TooLong,
        }
    }
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
    *payload_buf = b64_decode(payload_b64).ok_or(CodeError::BadBase64)?;
    let sig_bytes = b64_decode(sig_b64).ok_or(CodeError::BadBase64)?;
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
    fn error_codes_are_stable_and_invertible() {
        for e in CodeError::ALL {
            assert_eq!(CodeError::from_code(e.code()), Some(e));
        }
        assert_eq!(CodeError::BadSignature.code(), "bad_signature");
    }

    #[test]
    fn read_errors_keep_their_codes() {
        assert_eq!(
            CodeError::from(ReadError::Truncated).code(),
            "missing_field"
        );
        assert_eq!(
            CodeError::from(ReadError::OutOfRange).code(),
            "field_out_of_range"
        );
        assert_eq!(CodeError::from(ReadError::Trailing).code(), "too_long");
    }
}
