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
    /// What else this person may do (own businesses, staff posts); empty for most.
    #[serde(default)]
    pub roles: Roles,
    /// Children under 18 the citizen registry links to this person; they can be checked in
    /// with the same scan ([`CheckInRequest::dependants`]).
    #[serde(default)]
    pub dependants: Vec<Dependant>,
}

/// The business side of a signed-in person, from the business registry (owners) and the
/// owners' appointments (staff).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Roles {
    /// Businesses this person may act for (registry: BIN, name, the IINs allowed).
    pub owner_of: Vec<BusinessRef>,
    /// Premises where an owner appointed this person as door staff.
    pub staff_at: Vec<StaffPost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessRef {
    pub bin: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffPost {
    pub venue_id: u64,
    pub venue_name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
}

/// A dependant as the app sees them: never the full IIN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependant {
    /// Opaque id to name this dependant in a check-in; meaningful only with this session.
    pub id: String,
    pub masked_name: String,
    pub masked_iin: String,
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
    /// [`Dependant::id`]s checked in with the visitor by the same scan. A dependant the
    /// registry does not link to this visitor refuses the whole check-in
    /// (403 `not_your_dependant`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependants: Vec<String>,
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
    /// Recorded by door staff in guard mode (the visitor proved presence with a one-time
    /// code), not by the visitor's own scan: the diary marks it and offers a dispute.
    #[serde(default)]
    pub by_staff: bool,
    /// The visitor disputed this guard-mode visit: it takes no part in tracing.
    #[serde(default)]
    pub disputed: bool,
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
    /// The dependants checked in with the visitor, each with their own visit and status.
    #[serde(default)]
    pub party: Vec<PartyMember>,
}

/// One dependant of a family check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyMember {
    pub dependant_id: String,
    pub masked_name: String,
    pub visit_id: String,
    pub status: Status,
    pub admission: Admission,
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

// ---- Business owners and door staff (signed-in session; DESIGN §6) ----
//
// GET    /v1/business                                    → BusinessList (owner)
// POST   /v1/business/{bin}/premises                     RegisterPremisesRequest → Premises (owner of bin)
// GET    /v1/premises/{venue_id}/poster.svg?entrance=N&direction=in|out&lang=kk|ru|en&size=a4|card
//                                                        → image/svg+xml (owner)
// POST   /v1/premises/{venue_id}/entrances/{n}/reissue   → EntranceCodes (owner); old codes of
//                                                          that entrance then fail with `code_revoked`
// POST   /v1/premises/{venue_id}/staff                   AppointStaffRequest → 201 StaffMember (owner;
//                                                          never the owner's own IIN: 403 `self_appointment`;
//                                                          alike for IINs the registry does not hold)
// DELETE /v1/premises/{venue_id}/staff/{staff_id}        → 204 (owner)
// POST   /v1/premises/{venue_id}/guard-checkin/challenge GuardChallengeRequest → 202 GuardChallenge
//                                                          (staff; a one-time code goes to the visitor's
//                                                          registered phone; alike for unknown IINs)
// POST   /v1/premises/{venue_id}/guard-checkin           GuardCheckInRequest → GuardCheckInResponse
//                                                          (staff of that venue, with the visitor's code;
//                                                          rate-limited, audited)
// POST   /v1/visits/{id}/dispute                          → 200 Visit (the visitor, guard-mode visits only)
// Errors: 403 `not_owner` / `not_staff` for another business's premises (never 404-vs-403
// hints about whether they exist), 400 `bad_iin` / `bad_entrance`, 403 `presence_not_proven`,
// 429 `rate_limited`.

/// The old `POST /v1/venues` body (admin key); replaced by [`RegisterPremisesRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterVenueRequest {
    pub bin: String,
    pub business_name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: Option<bool>,
    pub entrances: u8,
}

/// `POST /v1/business/{bin}/premises`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterPremisesRequest {
    /// The name printed on the posters (defaults to the business name when empty).
    pub name: String,
    pub address: String,
    pub category: Category,
    /// Defaults to the category's default (transport hubs require a PCR test).
    pub pcr_required: Option<bool>,
    /// Number of entrances (1–255); each gets an entry and an exit code.
    pub entrances: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessList {
    pub businesses: Vec<Business>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Business {
    pub bin: String,
    pub name: String,
    pub premises: Vec<Premises>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Premises {
    pub venue_id: u64,
    pub bin: String,
    pub name: String,
    pub address: String,
    pub category: Category,
    pub pcr_required: bool,
    pub entrances: Vec<EntranceCodes>,
    pub staff: Vec<StaffMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointStaffRequest {
    pub iin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMember {
    /// Opaque id for removing the appointment; never the IIN.
    pub staff_id: String,
    /// The appointee's IIN, masked. No name: an owner must not learn from an appointment
    /// whether, or as whom, an IIN is registered.
    pub masked_iin: String,
    pub appointed_at: Timestamp,
}

/// Guard mode, step one: door staff ask for a one-time code to be sent to the visitor
/// who has no smartphone, by IIN, for the entrance they stand at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardChallengeRequest {
    pub iin: String,
    /// Entrance the staff member stands at (1 when omitted).
    #[serde(default = "first_entrance")]
    pub entrance: u8,
}

fn first_entrance() -> u8 {
    1
}

/// The same answer whether or not the IIN is registered or has a phone: only the person
/// who receives the code can complete the check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardChallenge {
    pub challenge_id: String,
    pub expires_at: Timestamp,
}

/// Guard mode, step two: the code the visitor read from their phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardCheckInRequest {
    pub challenge_id: String,
    pub code: String,
    /// As in [`CheckInRequest::client_visit_id`]: retries never duplicate the visit.
    pub client_visit_id: String,
}

/// What the door learns: admitted or not, and the masked name to compare with the person.
/// Never the IIN, the colour or the reason: those are the visitor's to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardCheckInResponse {
    pub admitted: bool,
    pub masked_name: String,
    pub visit_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntranceCodes {
    pub entrance: u8,
    pub entry_code: String,
    pub exit_code: String,
}

/// What `ashyq-server venue add` and the demo data print; the API's owners use [`Premises`].
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

/// The citizen registry: links host identities to an IIN. A host identity (phone, Aitu,
/// Telegram or VK id) is linked only to an IIN that has none yet for that host, unless
/// `relink` says to move it (recorded in the audit log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitizenRow {
    pub iin: String,
    pub name: String,
    pub lastname: String,
    pub phone: Option<String>,
    pub aitu_id: Option<String>,
    pub telegram_id: Option<i64>,
    pub vk_id: Option<i64>,
    /// The parent or guardian of a child under 18 (dependants, DESIGN §1).
    #[serde(default)]
    pub parent_iin: Option<String>,
    /// Move host identities that are already linked to another IIN onto this one.
    #[serde(default)]
    pub relink: bool,
    /// Replace the parent this child already has in the registry with `parent_iin`
    /// (recorded in the audit log). Without it, a row that would give a child another
    /// parent is refused (`parent_linked`). Left out of the JSON when false, so batches
    /// written before it keep their digest.
    #[serde(default, skip_serializing_if = "is_false")]
    pub change_parent: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The business registry: who may act for a business (BIN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessRow {
    pub bin: String,
    pub name: String,
    /// The IINs allowed to act for this business; replaces the previous list for this BIN.
    /// CSV: separated by `;`.
    pub owner_iins: Vec<String>,
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
    pub businesses: Vec<BusinessRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowError {
    /// `citizens`, `pcr`, `contacts`, `vaccinations`, `recoveries` or `businesses`.
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

/// A business of the demo registry: who owns it and its premises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoBusiness {
    pub bin: String,
    pub name: String,
    /// A demo citizen (in [`DemoInfo::citizens`]).
    pub owner_iin: String,
    pub owner_status: Status,
    pub venue_ids: Vec<u64>,
}

/// A demo citizen appointed as door staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoStaff {
    pub iin: String,
    pub status: Status,
    pub venue_id: u64,
}

/// A child the demo registry links to a demo citizen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoDependant {
    pub parent_iin: String,
    pub iin: String,
    pub name: String,
    pub lastname: String,
    pub expected_status: Status,
}

/// `GET /dev/api/demo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoInfo {
    pub secrets: DemoSecrets,
    pub citizens: Vec<DemoCitizen>,
    pub venues: Vec<DemoVenue>,
    pub test_codes: DemoTestCodes,
    /// The business registry: a business per venue in `venues`, all owned by the GREEN
    /// citizen, and one more with its own premises owned by the RED citizen (neither
    /// owner may reach the other's premises).
    #[serde(default)]
    pub businesses: Vec<DemoBusiness>,
    #[serde(default)]
    pub staff: Vec<DemoStaff>,
    #[serde(default)]
    pub dependants: Vec<DemoDependant>,
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
