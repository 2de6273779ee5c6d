//! A plain browser: no host. There is no identity to prove (sign-in happens through the
//! dev endpoint or not at all); the scanner is the app's own camera scanner
//! ([`super::camera`]), and codes can also be pasted or arrive as the poster URL.
//! Storage is `localStorage`.

use super::{camera, js, Fut, Host, HostEvent, Result};
use crate::types::{Haptic, HostKind, Proof};

#[derive(Default)]
pub struct Browser {
    history: js::HistoryBack,
    /// The Wake Lock sentinel (a promise of it) while the pass is shown.
    wake: std::cell::RefCell<Option<wasm_bindgen::JsValue>>,
    foreground: std::cell::RefCell<Option<gloo_events::EventListener>>,
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
    fn protect_pass(&self, on: bool) {
        use wasm_bindgen::JsValue;
        if on {
            // Wake Lock where it exists (secure pages, most current browsers).
            let lock = js::get(&js::get(js::window().as_ref(), "navigator"), "wakeLock");
            if let Ok(p) = js::call_method(&lock, "request", &[JsValue::from_str("screen")]) {
                // A refusal (a hidden page, a policy) is handled at once, not thrown as an
                // unhandled rejection: any function that ignores its argument will do as the
                // handler, and `Object` is one that is always there.
                let _ = js::call_method(&p, "catch", &[js::get(js::window().as_ref(), "Object")]);
                *self.wake.borrow_mut() = Some(p);
            }
        } else if let Some(p) = self.wake.borrow_mut().take() {
            // `Promise.resolve`, not a type check: no `instanceof` binding in the glue.
            let p = js_sys::Promise::resolve(&p);
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(sentinel) = wasm_bindgen_futures::JsFuture::from(p).await {
                    let _ = js::call_method(&sentinel, "release", &[]);
                }
            });
        }
    }
    fn on_event(&self, f: std::rc::Rc<dyn Fn(HostEvent)>) {
        let back = f.clone();
        self.history
            .on_back(Box::new(move || back(HostEvent::Back)));
        let Some(doc) = js::window().document() else {
            return;
        };
        let read = doc.clone();
        let l = gloo_events::EventListener::new(&doc, "visibilitychange", move |_| {
            if js::get(read.as_ref(), "visibilityState")
                .as_string()
                .as_deref()
                == Some("visible")
            {
                f(HostEvent::Foreground);
            }
        });
        *self.foreground.borrow_mut() = Some(l);
    }
    fn close(&self) {}
}
