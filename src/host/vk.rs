//! VK Mini Apps, speaking the protocol of `@vkontakte/vk-bridge` (DESIGN §5):
//! - Android `AndroidBridge[method](JSON.stringify(params))`, iOS
//!   `webkit.messageHandlers[method].postMessage(params)`, web
//!   `parent.postMessage({handler, params, type:'vk-connect'}, '*')`;
//! - replies: native `VKWebAppEvent` CustomEvent `detail {type, data}`, web `message`
//!   `{type, data}`; matched by the `request_id` echoed in `data`; a reply whose data has
//!   `error_type` is a failure.
//!
//! `VKWebAppInit` goes first. Launch parameters are the `vk_*` query parameters and `sign`.

use std::cell::Cell;

use wasm_bindgen::{JsCast, JsValue};

use super::{js, Fut, Host, Result, Theme, Timeouts};
use crate::params::Query;
use crate::types::{Haptic, HostError, HostKind, Proof, VkTransport as Transport};

pub struct Vk {
    transport: Transport,
    timeouts: Timeouts,
    counter: Cell<u32>,
    search: String,
}

/// The raw `vk_*` and `sign` parameters of a query, in order and still URL-encoded, as the
/// backend checks them.
pub fn launch_params(search: &str) -> String {
    let mut out = String::new();
    for part in search.trim_start_matches('?').split('&') {
        if part.starts_with("vk_") || part.starts_with("sign=") {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(part);
        }
    }
    out
}

/// `{type, data}` of a reply event on either transport.
fn reply_of(e: &web_sys::Event) -> Option<(String, JsValue)> {
    let msg = match e.dyn_ref::<web_sys::MessageEvent>() {
        Some(m) => m.data(),
        None => js::detail(e),
    };
    let t = js::get(&msg, "type").as_string()?;
    Some((t, js::get(&msg, "data")))
}

/// A failed reply's data → a typed error.
pub fn classify_error(data: &JsValue) -> HostError {
    let err = js::get(data, "error_data");
    let code = js::get(&err, "error_code").as_f64();
    let text = [
        js::get(&err, "error_reason")
            .as_string()
            .unwrap_or_default(),
        js::get(&err, "error_description")
            .as_string()
            .unwrap_or_default(),
    ]
    .join(" ")
    .to_ascii_lowercase();
    if has(&text, "permission") {
        HostError::PermissionDenied
    } else if code == Some(6.0) {
        // "Unsupported platform": VK on the web has no code reader. `host::scan` then opens
        // the app's own camera scanner.
        HostError::Unsupported
    } else if code == Some(4.0) {
        // "User denied": the user closed the reader.
        HostError::Cancelled
    } else {
        HostError::Host(js::get(data, "error_type").as_string().unwrap_or_default())
    }
}

/// `hay.contains(needle)` without `str`'s two-way searcher (and its panic paths) in the wasm.
fn has(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

impl Vk {
    pub fn new(transport: Transport, timeouts: Timeouts) -> Vk {
        Vk {
            transport,
            timeouts,
            counter: Cell::new(0),
            search: js::window().location().search().unwrap_or_default(),
        }
    }

    fn event_name(&self) -> &'static str {
        match self.transport {
            Transport::Web => "message",
            _ => "VKWebAppEvent",
        }
    }

    fn send(&self, method: &str, params: &JsValue) -> Result<()> {
        let w = js::window();
        match self.transport {
            Transport::Android => {
                let bridge = js::android_bridge();
                js::call_method(
                    &bridge,
                    method,
                    &[JsValue::from_str(&js::stringify(params))],
                )
                .map(|_| ())
            }
            Transport::Ios => js::call_method(
                &js::get(&js::message_handlers(), method),
                "postMessage",
                std::slice::from_ref(params),
            )
            .map(|_| ()),
            Transport::Web => {
                let msg = js::obj(&[
                    ("handler", JsValue::from_str(method)),
                    ("params", params.clone()),
                    ("type", JsValue::from_str("vk-connect")),
                ]);
                let parent = w
                    .parent()
                    .ok()
                    .flatten()
                    .ok_or_else(|| HostError::Bridge(String::from("no parent window")))?;
                parent
                    .post_message(&msg, "*")
                    .map_err(|e| HostError::Bridge(js::error_text(&e)))
            }
        }
    }

    /// Sends `method` with `params` and waits for the reply carrying our `request_id`.
    async fn call(&self, method: &str, params: JsValue, ms: u32) -> Result<JsValue> {
        let n = self.counter.get().wrapping_add(1);
        self.counter.set(n);
        let mut id = String::new();
        ashyq_core::encoding::push_decimal(&mut id, u64::from(n), 0);
        id.push_str("_ashyq");
        js::set(&params, "request_id", &JsValue::from_str(&id));
        let data = js::request(
            self.event_name(),
            ms,
            move |e| {
                let (_, data) = reply_of(e)?;
                (js::get(&data, "request_id").as_string().as_deref() == Some(id.as_str()))
                    .then_some(data)
            },
            || self.send(method, &params),
        )
        .await?;
        if js::is_object(&data)
            && js_sys::Reflect::has(&data, &JsValue::from_str("error_type")).unwrap_or(false)
        {
            return Err(classify_error(&data));
        }
        Ok(data)
    }

    fn fire(&self, method: &str, params: JsValue) {
        let _ = self.send(method, &params);
    }
}

impl Host for Vk {
    fn kind(&self) -> HostKind {
        HostKind::Vk(self.transport)
    }
    fn ready(&self) -> Fut<'_, ()> {
        Box::pin(async move {
            // VK wants VKWebAppInit before anything else; a missing answer is not fatal.
            let _ = self
                .call("VKWebAppInit", js::obj(&[]), self.timeouts.bridge_ms)
                .await;
        })
    }
    fn scan_qr(&self) -> Fut<'_, Result<String>> {
        Box::pin(async move {
            let data = self
                .call(
                    "VKWebAppOpenCodeReader",
                    js::obj(&[]),
                    self.timeouts.scan_ms,
                )
                .await?;
            js::get(&data, "code_data")
                .as_string()
                .ok_or_else(|| HostError::Host(String::from("no code_data")))
        })
    }
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>> {
        let launch = launch_params(&self.search);
        Box::pin(async move {
            if has(&launch, "sign=") {
                Ok(Some(Proof::Vk {
                    launch_params: launch,
                }))
            } else {
                Err(HostError::Host(String::from("no signed launch parameters")))
            }
        })
    }
    fn haptic(&self, kind: Haptic) {
        match kind {
            Haptic::Tap => self.fire(
                "VKWebAppTapticImpactOccurred",
                js::obj(&[("style", JsValue::from_str("light"))]),
            ),
            _ => self.fire(
                "VKWebAppTapticNotificationOccurred",
                js::obj(&[(
                    "type",
                    JsValue::from_str(match kind {
                        Haptic::Success => "success",
                        Haptic::Warning => "warning",
                        _ => "error",
                    }),
                )]),
            ),
        }
    }
    fn set_title(&self, title: &str) {
        self.fire(
            "VKWebAppSetTitle",
            js::obj(&[("title", JsValue::from_str(title))]),
        );
    }
    fn set_back_button(&self, _visible: bool) {
        // VK's own back control follows the page's history; nothing to configure.
    }
    fn on_back(&self, _f: Box<dyn Fn()>) {}
    fn storage_get(&self, key: &str) -> Fut<'_, Result<Option<String>>> {
        let key = key.to_owned();
        Box::pin(async move {
            let params = js::obj(&[("keys", js::arr(&[JsValue::from_str(&key)]))]);
            let data = self
                .call("VKWebAppStorageGet", params, self.timeouts.bridge_ms)
                .await?;
            let keys = js::get(&data, "keys");
            let first = js::get(&keys, "0");
            Ok(js::get(&first, "value")
                .as_string()
                .filter(|v| !v.is_empty()))
        })
    }
    fn storage_set(&self, key: &str, value: &str) -> Fut<'_, Result<()>> {
        let params = js::obj(&[
            ("key", JsValue::from_str(key)),
            ("value", JsValue::from_str(value)),
        ]);
        Box::pin(async move {
            self.call("VKWebAppStorageSet", params, self.timeouts.bridge_ms)
                .await
                .map(|_| ())
        })
    }
    fn language(&self) -> Option<String> {
        Query::parse(&self.search)
            .get("vk_language")
            .map(str::to_owned)
    }
    fn theme(&self) -> Option<Theme> {
        None
    }
    fn close(&self) {
        self.fire(
            "VKWebAppClose",
            js::obj(&[("status", JsValue::from_str("success"))]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_params_keep_only_vk_and_sign_raw() {
        assert_eq!(
            launch_params("?ashyq_timeout_ms=300&vk_app_id=1&vk_user_id=2&sign=a-b_c&lang=en"),
            "vk_app_id=1&vk_user_id=2&sign=a-b_c"
        );
        assert_eq!(launch_params(""), "");
    }
}
