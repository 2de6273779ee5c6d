//! A plain browser: no host. There is no identity to prove (sign-in happens through the
//! dev endpoint or not at all); the scanner is the app's own camera scanner
//! ([`super::camera`]), and codes can also be pasted or arrive as the poster URL.
//! Storage is `localStorage`. Back goes through the page's history.
//!
//! No Wake Lock on the pass and no `visibilitychange` refresh here: a plain browser signs in
//! only with the dev identities, so no visitor sees a pass in one, and the two cost 0.45 KB
//! of first load (docs/BENCHMARKS.md §1). The hosts have theirs.

use super::{camera, js, Fut, Host, HostEvent, Result};
use crate::types::{Haptic, HostKind, Proof};

#[derive(Default)]
pub struct Browser {
    history: js::HistoryBack,
}

impl Browser {
    pub fn new() -> Browser {
        Browser::default()
    }
}

impl Host for Browser {
    fn kind(&self) -> HostKind {
        HostKind::Browser
    }
    fn ready(&self) -> Fut<'_, ()> {
        Box::pin(async {})
    }
    fn scan_qr(&self) -> Fut<'_, Result<String>> {
        Box::pin(camera::scan())
    }
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>> {
        Box::pin(async { Ok(None) })
    }
    fn haptic(&self, kind: Haptic) {
        let ms = match kind {
            Haptic::Success | Haptic::Tap => 20,
            Haptic::Warning | Haptic::Error => 80,
        };
        // navigator.vibrate is absent on many browsers; a missing buzz is harmless.
        let nav = js::get(js::window().as_ref(), "navigator");
        let _ = js::call_method(&nav, "vibrate", &[wasm_bindgen::JsValue::from(ms)]);
    }
    fn set_title(&self, title: &str) {
        if let Some(d) = js::window().document() {
            d.set_title(title);
        }
    }
    fn set_back_button(&self, visible: bool) {
        self.history.set_visible(visible);
    }
    fn language(&self) -> Option<String> {
        js::window().navigator().language()
    }
    fn on_event(&self, f: std::rc::Rc<dyn Fn(HostEvent)>) {
        self.history.on_back(Box::new(move || f(HostEvent::Back)));
    }
    fn close(&self) {}
}
