//! Ashyq, the mini-app: a visitor scans a venue's poster inside a messenger (Aitu, Telegram,
//! VK) or a plain browser, and shows a live pass with their health status.
//!
//! Layout, from the bottom up (no module imports one above it):
//! - [`types`]: what the state machine shares with its edges (proofs, errors, host kinds);
//! - [`i18n`]: the words in Kazakh, Russian and English; [`params`]: the launch URL;
//! - [`app`]: the pure state machine (every screen, every transition, the check-in flow);
//! - [`host`]: one adapter per host behind the [`host::Host`] trait, with the one
//!   `extern "C"` door to the hosts' JavaScript in [`host::js`]; [`api`]: the backend,
//!   reading and writing its JSON through [`json`];
//! - [`view`]: renders the state as text-only DOM;
//! - [`runtime`]: ties them together (messages in, effects out).
//!
//! Formats and rules come from `ashyq_core`, never re-implemented here.
//!
//! ```
//! use ashyq::app::{Input, Model, Msg};
//! use ashyq::i18n::Lang;
//! use ashyq::types::HostKind;
//!
//! let mut m = Model::new(HostKind::Browser, Lang::En);
//! let input = Input { now: 1_800_000_000, visit_id: String::from("id-1") };
//! m.update(Msg::Started { session: None, keys: None, venue_code: None }, input);
//! assert_eq!(m.screen.name(), "signin");
//! ```

use wasm_bindgen::prelude::*;

pub mod api;
pub mod app;
pub mod host;
pub mod i18n;
pub mod json;
pub mod params;
pub mod runtime;
pub mod types;
pub mod view;

/// Starts the app in `#app` (pages without one, such as the test runner's, are left alone).
#[wasm_bindgen(start)]
pub fn start() {
    let Some(w) = web_sys::window() else { return };
    let Some(doc) = w.document() else { return };
    let Some(root) = doc.get_element_by_id("app") else {
        return;
    };
    let loc = w.location();
    let params = params::Params::from_location(
        &loc.pathname().unwrap_or_default(),
        &loc.search().unwrap_or_default(),
        &loc.hash().unwrap_or_default(),
    );
    let kind = host::detect::detect(&host::detect::read_env());
    // A poster URL opened outside any host, in a window of its own (the phone camera's
    // way): the server's poster page offers the code inside each host, and here where
    // sign-in works. Framed (the emulator's plain browser) the app opens it itself.
    if kind == types::HostKind::Browser && !host::js::in_iframe() {
        if let Some(to) = params.poster_page.as_deref() {
            let _ = host::js::call_method(loc.as_ref(), "replace", &[to.into()]);
            return;
        }
    }
    let host = host::detect::connect(kind, host::Timeouts::with_override(params.timeout_ms));
    runtime::keep_alive(runtime::mount(root, host, params));
}
