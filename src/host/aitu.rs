//! Aitu (BTS Digital), speaking the protocol of `@btsd/aitu-bridge` 0.9.0 (DESIGN §5):
//! - Android: `AndroidBridge[method](reqId, ...args)`; `invoke`/`storage` take
//!   `(reqId, name, JSON.stringify(data))`, `vibrate` a JSON array string;
//! - iOS: `webkit.messageHandlers[method].postMessage({reqId, ...named args})`;
//! - web: `top.postMessage({source:'aitu-bridge', method, reqId, payload:[...]}, origin)`
//!   with the origin from `__aitu-domain` (cached as `mini-app-domain`) — but only when it
//!   is on the build-time allow-list ([`allowed_origin`]): the SDK trusts whatever the
//!   query names, so a page framing us could name itself. Replies are accepted only from
//!   the top window at that origin and re-dispatched as `aituEvents`; a JSON string with
//!   `method: 'setCustomBackArrowOnClickHandler'` is the web back arrow.
//!
//! Replies on every transport: `aituEvents` with `detail {reqId, data, error}`. The SDK has
//! no timeouts; every call here has one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};

use super::{js, Fut, Host, HostEvent, Result, Timeouts};
use crate::types::{AituTransport as Transport, Haptic, HostError, HostKind, Proof};

const EVENT: &str = "aituEvents";
const DOMAIN_PARAM: &str = "__aitu-domain";
const DOMAIN_CACHE: &str = "mini-app-domain";
/// The Aitu origins the web transport talks to, comma-separated; `*.` allows subdomains.
/// Set `ASHYQ_AITU_ORIGINS` when building to change it.
pub const ORIGINS: &str = match option_env!("ASHYQ_AITU_ORIGINS") {
    Some(o) => o,
    None => "https://aitu.io,https://*.aitu.io",
};

/// Whether `origin` is on the comma-separated `allow` list, or is this page's own origin
/// (the development host emulator: a same-origin frame can script the page anyway, so
/// trusting it grants nothing).
pub fn allowed_origin(origin: &str, allow: &str, own: &str) -> bool {
    if origin.is_empty() {
        return false;
    }
    if origin == own {
        return true;
    }
    allow.split(',').map(str::trim).any(|a| {
        if let Some(base) = a.strip_prefix("https://*.") {
            origin
                .strip_prefix("https://")
                .and_then(|h| h.strip_suffix(base))
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            !a.is_empty() && origin == a
        }
    })
}

pub struct Aitu {
    transport: Transport,
    timeouts: Timeouts,
    origin: Option<String>,
    counter: Cell<u32>,
    /// Re-dispatches the web host's `message` events as `aituEvents` (lives with the app).
    _web_listener: Option<EventListener>,
    /// The back-arrow and tab-active handlers, alive with the adapter.
    handlers: RefCell<Vec<wasm_bindgen::closure::Closure<dyn Fn()>>>,
}

/// The host origin for the web transport, as the SDK finds it, if it is an allowed one.
pub fn web_origin() -> Option<String> {
    let w = js::window();
    let search = w.location().search().unwrap_or_default();
    let own = w.location().origin().unwrap_or_default();
    let q = crate::params::Query::parse(&search);
    let named = match q.get(DOMAIN_PARAM) {
        Some(o) if !o.is_empty() => Some(o.to_owned()),
        _ => js::local_get(DOMAIN_CACHE),
    }?;
    if !allowed_origin(&named, ORIGINS, &own) {
        return None;
    }
    js::local_set(DOMAIN_CACHE, &named);
    Some(named)
}

impl Aitu {
    pub fn new(transport: Transport, timeouts: Timeouts) -> Aitu {
        let origin = if transport == Transport::Web {
            web_origin()
        } else {
            None
        };
        let web_listener = origin.clone().map(|origin| {
            EventListener::new(&js::window(), "message", move |e| {
                let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                let top = js::window().top().ok().flatten();
                if m.origin() != origin || !js::from_window(m, top) {
                    return;
                }
                let data = m.data();
                if !data.is_truthy() {
                    return;
                }
                if let Some(text) = data.as_string() {
                    let method = js_sys::JSON::parse(&text)
                        .map(|v| js::get(&v, "method"))
                        .ok()
                        .and_then(|m| m.as_string());
                    if method.as_deref() == Some("setCustomBackArrowOnClickHandler") {
                        // No handler set yet: nothing to go back from.
                        let _ = js::call_method(
                            js::window().as_ref(),
                            "onAituBridgeBackArrowClick",
                            &[],
                        );
                    }
                    return;
                }
                js::dispatch_custom(EVENT, &data);
            })
        });
        Aitu {
            transport,
            timeouts,
            origin,
            counter: Cell::new(0),
            _web_listener: web_listener,
            handlers: RefCell::new(Vec::new()),
        }
    }

    /// `getQr:1`, `GetMe:invoke:2`: unique per call, like the SDK's generator.
    fn req_id(&self, key: &str) -> String {
        let n = self.counter.get().wrapping_add(1);
        self.counter.set(n);
        let mut id = String::from(key);
        id.push(':');
        ashyq_core::encoding::push_decimal(&mut id, u64::from(n), 0);
        id
    }

    /// Sends `method` with its arguments in the SDK's `payload` order.
    fn send(&self, method: &str, req_id: &str, payload: &[JsValue]) -> Result<()> {
        let w = js::window();
        match self.transport {
            Transport::Android => {
                let bridge = js::android_bridge();
                let mut args = vec![JsValue::from_str(req_id)];
                match method {
                    "invoke" | "storage" => {
                        args.push(payload.first().cloned().unwrap_or(JsValue::UNDEFINED));
                        let data = payload.get(1).cloned().unwrap_or_else(|| js::obj(&[]));
                        args.push(JsValue::from_str(&js::stringify(&data)));
                    }
                    "vibrate" => {
                        let data = payload.first().cloned().unwrap_or_else(|| js::arr(&[]));
                        args.push(JsValue::from_str(&js::stringify(&data)));
                    }
                    _ => args.extend(payload.iter().cloned()),
                }
                js::call_method(&bridge, method, &args).map(|_| ())
            }
            Transport::Ios => {
                let handler = js::get(&js::message_handlers(), method);
                let msg = js::obj(&[("reqId", JsValue::from_str(req_id))]);
                let first = payload.first().cloned().unwrap_or(JsValue::UNDEFINED);
                match method {
                    "invoke" | "storage" => {
                        js::set(&msg, "method", &first);
                        let data = payload.get(1).cloned().unwrap_or_else(|| js::obj(&[]));
                        js::set(&msg, "data", &data);
                    }
                    "setTitle" | "share" => js::set(&msg, "text", &first),
                    "vibrate" => js::set(&msg, "pattern", &first),
                    "setCustomBackArrowMode" => js::set(&msg, "enabled", &first),
                    "setCustomBackArrowVisible" => js::set(&msg, "visible", &first),
                    _ => {}
                }
                js::call_method(&handler, "postMessage", &[msg]).map(|_| ())
            }
            Transport::Web => {
                let origin = self
                    .origin
                    .as_deref()
                    .ok_or_else(|| HostError::Bridge(String::from("no Aitu origin")))?;
                let payload = match method {
                    "invoke" | "storage" if payload.len() < 2 => {
                        vec![
                            payload.first().cloned().unwrap_or(JsValue::UNDEFINED),
                            js::obj(&[]),
                        ]
                    }
                    _ => payload.to_vec(),
                };
                let msg = js::obj(&[
                    ("source", JsValue::from_str("aitu-bridge")),
                    ("method", JsValue::from_str(method)),
                    ("reqId", JsValue::from_str(req_id)),
                    ("payload", js::arr(&payload)),
                ]);
                let top = w
                    .top()
                    .ok()
                    .flatten()
                    .ok_or_else(|| HostError::Bridge(String::from("no top window")))?;
                top.post_message(&msg, origin)
                    .map_err(|e| HostError::Bridge(js::error_text(&e)))
            }
        }
    }

    /// One request/reply round trip with a timeout.
    async fn call(
        &self,
        method: &str,
        id_key: &str,
        payload: Vec<JsValue>,
        ms: u32,
    ) -> Result<JsValue> {
        let req_id = self.req_id(id_key);
        let want = req_id.clone();
        let reply = js::request(
            EVENT,
            ms,
            move |e| {
                let d = js::detail(e);
                // Our own request echoed back (a web host that is also our top window) is not a reply.
                let own = js::get(&d, "source").as_string().as_deref() == Some("aitu-bridge");
                (!own && js::get(&d, "reqId").as_string().as_deref() == Some(want.as_str()))
                    .then_some(d)
            },
            || self.send(method, &req_id, &payload),
        )
        .await?;
        let error = js::get(&reply, "error");
        if error.is_truthy() {
            return Err(classify_error(&error));
        }
        Ok(js::get(&reply, "data"))
    }

    async fn invoke(&self, name: &str) -> Result<JsValue> {
        let mut key = String::from(name);
        key.push_str(":invoke");
        self.call(
            "invoke",
            &key,
            vec![JsValue::from_str(name), js::obj(&[])],
            self.timeouts.bridge_ms,
        )
        .await
    }

    /// Fire-and-forget calls (title, haptics): the reply, if any, is not awaited.
    fn fire(&self, method: &str, payload: &[JsValue]) {
        let req_id = self.req_id(method);
        let _ = self.send(method, &req_id, payload);
    }
}

/// `{code, msg}` → a typed error. Aitu documents no cancel reply: an error from the scanner
/// that is not a permission problem is treated as a cancel.
pub fn classify_error(error: &JsValue) -> HostError {
    let code = js::get(error, "code").as_string().unwrap_or_default();
    let msg = js::get(error, "msg").as_string().unwrap_or_default();
    if code == "permission_denied"
        || msg.starts_with("permission deny")
        || msg.starts_with("permission security deny")
    {
        HostError::PermissionDenied
    } else if code.is_empty() {
        HostError::Host(msg)
    } else {
        HostError::Host(code)
    }
}

/// A bridge reply as JSON text, verbatim (the backend checks its `sign`).
fn to_json(v: &JsValue) -> String {
    js::stringify(v)
}

impl Host for Aitu {
    fn kind(&self) -> HostKind {
        HostKind::Aitu(self.transport)
    }
    fn ready(&self) -> Fut<'_, ()> {
        Box::pin(async {})
    }
    fn scan_qr(&self) -> Fut<'_, Result<String>> {
        Box::pin(async move {
            match self
                .call("getQr", "getQr", Vec::new(), self.timeouts.scan_ms)
                .await
            {
                Ok(v) => v
                    .as_string()
                    .ok_or_else(|| HostError::Host(String::from("scan result is not text"))),
                Err(HostError::Host(_)) => Err(HostError::Cancelled),
                Err(e) => Err(e),
            }
        })
    }
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>> {
        Box::pin(async move {
            let me = self.invoke("GetMe").await?;
            let phone = self.invoke("GetPhone").await?;
            Ok(Some(Proof::Aitu {
                me: to_json(&me),
                phone: to_json(&phone),
            }))
        })
    }
    fn haptic(&self, kind: Haptic) {
        let pattern: &[u32] = match kind {
            Haptic::Success => &[30],
            Haptic::Tap => &[10],
            Haptic::Warning => &[60, 60, 60],
            Haptic::Error => &[120, 60, 120],
        };
        let items: Vec<JsValue> = pattern.iter().map(|&ms| JsValue::from(ms)).collect();
        self.fire("vibrate", &[js::arr(&items)]);
    }
    fn set_title(&self, title: &str) {
        self.fire("setTitle", &[JsValue::from_str(title)]);
    }
    fn set_back_button(&self, visible: bool) {
        self.fire("setCustomBackArrowMode", &[JsValue::from(visible)]);
        self.fire("setCustomBackArrowVisible", &[JsValue::from(visible)]);
    }
    fn on_event(&self, f: Rc<dyn Fn(HostEvent)>) {
        // The SDK's setCustomBackArrowOnClickHandler and setTabActiveHandler store the
        // handlers on these globals.
        for (global, event) in [
            ("onAituBridgeBackArrowClick", HostEvent::Back),
            ("onAituBridgeTabActive", HostEvent::Foreground),
        ] {
            let f = f.clone();
            let c = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || f(event));
            js::set(js::window().as_ref(), global, c.as_ref());
            self.handlers.borrow_mut().push(c);
        }
    }
    fn storage_get(&self, key: &str) -> Fut<'_, Result<Option<String>>> {
        let key = key.to_owned();
        Box::pin(async move {
            let data = js::obj(&[("keyName", JsValue::from_str(&key))]);
            let v = self
                .call(
                    "storage",
                    "storage",
                    vec![JsValue::from_str("getItem"), data],
                    self.timeouts.bridge_ms,
                )
                .await?;
            Ok(v.as_string())
        })
    }
    fn storage_set(&self, key: &str, value: &str) -> Fut<'_, Result<()>> {
        let data = js::obj(&[
            ("keyName", JsValue::from_str(key)),
            ("keyValue", JsValue::from_str(value)),
        ]);
        Box::pin(async move {
            self.call(
                "storage",
                "storage",
                vec![JsValue::from_str("setItem"), data],
                self.timeouts.bridge_ms,
            )
            .await
            .map(|_| ())
        })
    }
    fn protect_pass(&self, on: bool) {
        if on {
            self.fire("disableScreenCapture", &[]);
            self.fire("disableSwipeBack", &[]);
        } else {
            self.fire("enableScreenCapture", &[]);
            self.fire("enableSwipeBack", &[]);
        }
    }
    fn open_settings(&self) {
        self.fire("openSettings", &[]);
    }
    fn language(&self) -> Option<String> {
        None
    }
    fn close(&self) {
        self.fire("closeApplication", &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_origins_are_aitu() {
        let own = "https://ashyq.example";
        for ok in ["https://aitu.io", "https://web.aitu.io", own] {
            assert!(allowed_origin(ok, ORIGINS, own), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://aitu.io",
            "https://evilaitu.io",
            "https://aitu.io.evil.example",
            "https://.aitu.io",
            "",
        ] {
            assert!(!allowed_origin(bad, ORIGINS, own), "{bad}");
        }
        // The list is configurable at build time; an exact entry matches only itself.
        assert!(allowed_origin("https://x.test", "https://x.test", own));
        assert!(!allowed_origin("https://y.x.test", "https://x.test", own));
    }
}
