//! Ashyq's screens for business owners and door staff: a second WebAssembly module that the
//! app loads (a dynamic import) only when someone with one of those roles opens it, so the
//! visitor's first load does not carry them (DESIGN §7). Built as `dist/assets/ashyq_lazy*`.
//!
//! - owners ([`model::Mode::Business`]): their businesses and premises, registering
//!   premises, the entry and exit posters of every entrance (A4 and table card, kk/ru/en),
//!   re-issuing an entrance's codes, appointing and removing door staff by IIN;
//! - door staff ([`model::Mode::Door`]): "Check a pass" (the host's scanner, lent by the
//!   app, reads the visitor's pass QR, judged offline with `ashyq_core::pass` and the
//!   cached pass keys: [`update::judge`]) and guard mode (a visitor without a phone,
//!   checked in by IIN, the IIN validated as typed before any request).
//!
//! The same shape as the app: a pure [`model::Model`] moved by [`model::Msg`]s, returning
//! [`model::Effect`]s, tested natively; [`view`] renders text-only DOM; [`runtime`] runs it.
//!
//! ```
//! use ashyq_business::i18n::Lang;
//! use ashyq_business::model::{Effect, Input, Mode, Model, Msg};
//!
//! let mut m = Model::new(Mode::Door, Lang::En, Default::default());
//! let fx = m.update(Msg::Started(None), Input { now: 1_800_000_000, visit_id: "v".into() });
//! assert_eq!(fx, vec![Effect::LoadKeys]);
//! assert_eq!(m.screen.name(), "door");
//! ```

use std::rc::Rc;

use ashyq_core::api::Roles;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::Element;

pub mod i18n;
pub mod model;
pub mod runtime;
pub mod update;
pub mod view;

use i18n::Lang;
use model::{Mode, Model, Msg};
use runtime::{App, Options};

fn field(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

/// `ashyq_clock_offset_s` from the page's query or hash (tests only; never negative).
fn clock_offset() -> i64 {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return 0;
    };
    let mut raw = loc.search().unwrap_or_default();
    raw.push('&');
    raw.push_str(loc.hash().unwrap_or_default().trim_start_matches('#'));
    let pairs = ashyq_core::encoding::parse_query(raw.trim_start_matches('?')).unwrap_or_default();
    pairs
        .iter()
        .find(|(k, _)| k == "ashyq_clock_offset_s")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0)
}

/// Opens the role screens in `root`. `opts`: `{mode: "business"|"door", origin, token,
/// lang, timeout_ms, roles, scan: () => Promise<string>, close: () => void}`.
/// Fails when `mode` is unknown or a function is missing.
pub fn open(root: Element, opts: &JsValue) -> Result<Rc<App>, String> {
    let mode = field(opts, "mode")
        .as_string()
        .and_then(|m| Mode::parse(&m))
        .ok_or_else(|| String::from("unknown mode"))?;
    let lang = field(opts, "lang")
        .as_string()
        .and_then(|l| Lang::parse(&l))
        .unwrap_or(Lang::Kk);
    let roles: Roles = js_sys::JSON::stringify(&field(opts, "roles"))
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let scan = field(opts, "scan")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| String::from("scan is not a function"))?;
    let close = field(opts, "close")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| String::from("close is not a function"))?;
    let options = Options {
        origin: field(opts, "origin").as_string().unwrap_or_default(),
        token: field(opts, "token").as_string().unwrap_or_default(),
        timeout_ms: field(opts, "timeout_ms")
            .as_f64()
            .map(|f| f as u32)
            .filter(|&ms| ms >= 50)
            .unwrap_or(8_000),
        clock_offset_s: clock_offset(),
        scan,
        close,
    };
    let doc = root
        .owner_document()
        .ok_or_else(|| String::from("root is not in a document"))?;
    let app = Rc::new_cyclic(|weak: &std::rc::Weak<App>| {
        let w = weak.clone();
        let dispatch: Rc<dyn Fn(Msg)> = Rc::new(move |m| {
            if let Some(a) = w.upgrade() {
                a.dispatch(m);
            }
        });
        App::new(
            Model::new(mode, lang, roles),
            view::Ui::new(doc, root, dispatch),
            options,
        )
    });
    app.dispatch(Msg::Started(runtime::cached_keys()));
    Ok(app)
}

/// What the app holds while the role screens are open.
#[wasm_bindgen]
pub struct RolesHandle {
    app: Option<Rc<App>>,
}

#[wasm_bindgen]
impl RolesHandle {
    /// The host's back button: one screen back; from the top screen, close.
    pub fn back(&self) {
        if let Some(a) = &self.app {
            a.dispatch(Msg::Back);
        }
    }

    /// Closes the screens for good.
    pub fn close(&mut self) {
        if let Some(a) = self.app.take() {
            a.shut();
        }
    }
}

/// The module's one entry point for the app (see [`open`]).
#[wasm_bindgen]
pub fn roles_open(root: Element, opts: JsValue) -> Result<RolesHandle, JsValue> {
    open(root, &opts)
        .map(|app| RolesHandle { app: Some(app) })
        .map_err(|e| JsValue::from_str(&e))
}
