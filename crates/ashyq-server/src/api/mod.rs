//! The handlers of the v1 API (DESIGN §6; the contract is `docs/openapi.yaml`), one
//! module per resource. Types are `ashyq_core::api`; rules are
//! `ashyq_core::{status, visit, venue, pass}`.

pub mod business;
pub mod guard;
pub mod operations;
pub mod session;
pub mod visits;

pub use business::poster_svg;
pub use operations::{
    api_not_found, demo, dev_sms, healthz, import, keys, method_not_allowed, metrics, not_found,
    revoke_key, rotate_keys, ImportQuery,
};
pub use session::{end_session, me_status, session};
pub use visits::{cancel_visit, check_in, list_visits, refresh_pass};

/// JSON bodies of the API; imports may be larger.
pub const BODY_LIMIT: usize = 16 * 1024;
pub const IMPORT_BODY_LIMIT: usize = 2 * 1024 * 1024;
