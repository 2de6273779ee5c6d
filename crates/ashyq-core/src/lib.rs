//! Ashyq's formats, signatures and rules, shared by the mini-app and the server.
//!
//! This crate does no I/O: it takes bytes, values and the current time as arguments and
//! returns values, so it compiles for `wasm32-unknown-unknown` and natively alike. Every
//! format (venue codes, pass tokens, host proofs) and every rule (status, admission,
//! visits) lives here exactly once.
//!
//! The modules form layers, each importing only from those before it: `encoding`
//! (base64url, hex, query strings, the byte reader/writer) and `id`; `keys`; `codec` (the
//! signed envelope and its error codes); `venue`; `status`, `pass`, `api`, `visit`; and
//! beside them `hostproof` and `qr`.
//!
//! ```
//! use ashyq_core::keys::{KeySet, Signer};
//! use ashyq_core::venue::{self, Category, Direction, VenueInfo};
//!
//! let signer = Signer::from_seed([7; 32]);
//! let info = VenueInfo {
//!     venue_id: 42,
//!     entrance: 1,
//!     direction: Direction::In,
//!     business_name: "Дәріхана «Биосфера»".into(),
//!     bin: "180340021791".into(),
//!     address: "Алматы, Абай даңғылы 10".into(),
//!     category: Category::Pharmacy,
//!     pcr_required: false,
//!     issued_at: 1_790_000_000,
//! };
//! let code = venue::sign(&info, &signer).unwrap();
//! let mut keys = KeySet::default();
//! keys.insert(signer.key_id(), signer.verifying_key());
//! let parsed = venue::parse(&code.url("ashyq.kz"), &keys).unwrap();
//! assert_eq!(parsed.info, info);
//! ```

pub mod api;
pub mod codec;
pub mod encoding;
pub mod hostproof;
pub mod id;
pub mod keys;
pub mod lang;
pub mod pass;
pub mod qr;
pub mod status;
pub mod venue;
pub mod visit;

pub use codec::CodeError;
pub use lang::Lang;
pub use status::Status;

/// Seconds since the Unix epoch (UTC). Every time in the protocol is one of these.
pub type Timestamp = i64;

/// Seconds in a minute, hour and day, to keep rules readable.
pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
