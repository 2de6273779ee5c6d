//! The JSON types of the backend API (DESIGN §6), shared by the app and the server so the
//! two cannot drift. Times are Unix seconds ([`Timestamp`]). The full contract, with
//! paths and status codes, is `docs/openapi.yaml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::status::{Admission, Status};
use crate::venue::{Category, Direction};
use crate::Timestamp;

/// The proof of who the user is, as the host gave it to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostProof {
    /// Aitu: the results of `invoke('GetMe')` and `invoke('GetPhone')`, verbatim, each
    /// carrying its own `sign`.
    Aitu {
        me: serde_json::Value,
        phone: serde_json::Value,
    },
    /// Telegram: the raw `tgWebAppData` init data string (URL-encoded, with `hash`).
    Telegram { init_data: String },
    /// VK: the launch query string (`vk_*` parameters and `sign`).
    Vk { launch_params: String },
    /// A development identity; the server accepts it only in `--dev` mode.
    Dev { iin: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRequest {
    pub proof: HostProof,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// First name and the initial of the last name, e.g. "Айгерим С."
    pub masked_name: String,
    /// `•••••••••123`
    pub masked_iin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for the other endpoints.
    pub token: String,
    pub expires_at: Timestamp,
    pub profile: Profile,
}

/// The visitor's own status (`GET /v1/me/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub status: Status,
    /// When the current status began, when known.
    pub since: Option<Timestamp>,
    /// When it ends unless new records arrive (None: open-ended).
    pub valid_until: Option<Timestamp>,
    /// When the backend computed it.
    pub as_of: Timestamp,
}

/// `POST /v1/visits`: a scanned venue code. Retrying with the same `client_visit_id`
/// returns the same visit and never creates a second one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInRequest {
    /// The scanned text, URL or bare form.
    pub code: String,
    /// A client-generated id (UUID or 16–64 characters of `[A-Za-z0-9_-]`).
    pub client_visit_id: String,
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitKind {
    /// The visitor scanned the exit code.
    Scan,
    /// The visitor checked in somewhere else.
    NewEntry,
    /// Closed after the default stay.
    Auto,
}

impl ExitKind {
    pub const ALL: [ExitKind; 3] = [ExitKind::Scan, ExitKind::NewEntry, ExitKind::Auto];

    /// The wire name (serde's, and the store's column value), e.g. `new_entry`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitKind::Scan => "scan",
            ExitKind::NewEntry => "new_entry",
            ExitKind::Auto => "auto",
        }
    }

    /// The inverse of [`ExitKind::as_str`]; `None` for any other text.
    pub fn parse(s: &str) -> Option<ExitKind> {
        // A `match`, not a search of `ALL`: about 80 bytes less in the app's wasm.
        Some(match s {
            "scan" => ExitKind::Scan,
            "new_entry" => ExitKind::NewEntry,
            "auto" => ExitKind::Auto,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    pub venue_id: u64,
    pub venue_name: String,
    pub address: String,
    pub category: Category,
    pub entrance: u8,
    pub entered_at: Timestamp,
    pub exited_at: Option<Timestamp>,
    pub exit_kind: Option<ExitKind>,
    pub cancelled: bool,
}

/// A signed pass token and its lifetime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassResponse {
    /// `ASHYQP1:<payload>.<signature>`, shown as the pass QR.
    pub token: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInResponse {
    pub visit: Visit,
    /// What was scanned: entry opens or re-confirms the visit, exit closes it.
    pub direction: Direction,
    pub status: StatusResponse,
    /// What the status allows at this venue.
    pub admission: Admission,
    pub pass: PassResponse,
    /// Set when this entry closed another open visit elsewhere.
    pub closed_visit_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitList {
    pub visits: Vec<Visit>,
}

/// `GET /v1/keys`: public keys by key id (8 hex digits) as base64url raw 32-byte keys.
/// Retired keys stay listed so older posters and passes still verify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeysResponse {
    pub venue_keys: BTreeMap<String, String>,
    pub pass_keys: BTreeMap<String, String>,
    pub current_venue_key: String,
    pub current_pass_key: String,
}

/// Every error body: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, machine-readable (`bad_signature`, `unauthorized`, …).
    pub code: String,
    /// For people; never contains internals.
    pub message: String,
}

// ---- Business (API key) ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterVenueRequest {
    pub bin: String,
    pub business_name: String,
    pub address: String,
    pub category: Category,
    /// Defaults to the category's default (transport hubs require a PCR test).
    pub pcr_required: Option<bool>,
    /// Number of entrances (1–255); each gets an entry and an exit code.
    pub entrances: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntranceCodes {
    pub entrance: u8,
    pub entry_code: String,
    pub exit_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueResponse {
    pub venue_id: u64,
    pub bin: String,
    pub business_name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub entrances: Vec<EntranceCodes>,
}

// ---- Health data import (API key) ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcrRow {
    pub iin: String,
    pub taken_at: Timestamp,
    pub positive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub iin: String,
    pub listed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaccinationRow {
    pub iin: String,
    pub at: Timestamp,
    pub course_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryRow {
    pub iin: String,
    pub at: Timestamp,
}

/// The citizen registry: links host identities to an IIN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitizenRow {
    pub iin: String,
    pub name: String,
    pub lastname: String,
    pub phone: Option<String>,
    pub aitu_id: Option<String>,
    pub telegram_id: Option<i64>,
    pub vk_id: Option<i64>,
}

/// One idempotent batch: importing the same `batch_id` twice changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportBatch {
    pub batch_id: String,
    pub citizens: Vec<CitizenRow>,
    pub pcr: Vec<PcrRow>,
    pub contacts: Vec<ContactRow>,
    pub vaccinations: Vec<VaccinationRow>,
    pub recoveries: Vec<RecoveryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowError {
    /// `citizens`, `pcr`, `contacts`, `vaccinations` or `recoveries`.
    pub kind: String,
    /// Zero-based row index within its list (CSV: data line number, header excluded).
    pub row: usize,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub batch_id: String,
    pub accepted: usize,
    pub rejected: usize,
    /// True when this batch id was imported before; nothing was changed.
    pub duplicate_batch: bool,
    pub errors: Vec<RowError>,
}

// ---- Development (only with --dev --demo) ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSecrets {
    pub aitu_api_key: String,
    pub telegram_bot_token: String,
    pub vk_app_secret: String,
    pub vk_app_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoCitizen {
    pub iin: String,
    pub name: String,
    pub lastname: String,
    pub phone: String,
    pub aitu_id: String,
    pub telegram_id: i64,
    pub vk_id: i64,
    pub expected_status: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoVenue {
    pub venue_id: u64,
    pub name: String,
    pub category: Category,
    pub pcr_required: bool,
    pub address: String,
    pub entrances: Vec<EntranceCodes>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoTestCodes {
    /// A real venue code with one payload character changed.
    pub forged: String,
    /// A well-formed code signed by a key the server does not know.
    pub unknown_key: String,
}

/// `GET /dev/api/demo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoInfo {
    pub secrets: DemoSecrets,
    pub citizens: Vec<DemoCitizen>,
    pub venues: Vec<DemoVenue>,
    pub test_codes: DemoTestCodes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_kind_names_are_serde_names() {
        for k in ExitKind::ALL {
            let json = serde_json::to_string(&k).expect("serializes");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(ExitKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ExitKind::as_str(ExitKind::NewEntry), "new_entry");
        assert_eq!(ExitKind::parse("Scan"), None);
        assert_eq!(ExitKind::parse(""), None);
    }
}
