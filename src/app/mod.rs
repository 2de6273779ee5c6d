//! The app as one state machine: a [`Model`] holding one [`Screen`] and the check-in
//! [`Flow`], messages ([`Msg`]) that move it with their [`Input`] (the time, a fresh visit
//! id), and the effects ([`Effect`]) a step asks the runtime to perform (bridge calls,
//! fetches, timers). Pure: no DOM, no network, no clock, so every transition is unit-tested
//! natively. It depends on [`crate::types`] and [`crate::i18n`] only.
//!
//! - [`model`]: the state, the messages, the effects;
//! - [`flow`]: where a scanned or linked code is (waiting for a session or the keys,
//!   verified, sending);
//! - [`update`](mod@update): one step.
//!
//! The rules that matter most live here:
//! - a scanned code is verified offline with `ashyq_core::venue::parse` before any network
//!   call; a forged or foreign code never reaches the backend;
//! - when the backend is down, slow or broken the screen is UNKNOWN ("status unavailable —
//!   this is not a pass"); an earlier status is kept only as history, never shown as a pass.

pub mod flow;
pub mod model;
pub mod update;

pub use flow::{Flow, Pending, Source, Verified};
pub use model::{
    backoff_ms, refresh_at, DiaryView, Effect, HomeStatus, Input, Model, Msg, PassView, Retry,
    RoleMode, Screen, SignIn,
};
