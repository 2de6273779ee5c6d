//! VK Mini Apps, speaking the protocol of `@vkontakte/vk-bridge` (DESIGN §5):
//! - Android `AndroidBridge[method](JSON.stringify(params))`, iOS
//!   `webkit.messageHandlers[method].postMessage(params)`, web
//!   `parent.postMessage({handler, params, type:'vk-connect'}, '*')`;
//! - replies: native `VKWebAppEvent` CustomEvent `detail {type, data}`, web `message`
//!   `{type, data}`; matched by the `request_id` echoed in `data`; a reply whose data has
//!   `error_type` is a failure.
//!
//! `VKWebAppInit` goes first. Launch parameters are the `vk_*` query parameters and `sign`.
//!
//! On the web transport any frame can post to us, so a `message` is trusted only when it
//! comes from the parent window *and* from a VK origin ([`is_vk_origin`]); trusted ones are
//! re-dispatched as the native transports' `VKWebAppEvent`, so every transport listens to
//! one event. What we post carries `webFrameId` (from the host's `VKWebAppSettings`) and
//! `connectVersion`, and request ids are `<n>_<random instance id>`, as vk-bridge sends them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};

use super::{js, Fut, Host, HostEvent, Result, Theme, Timeouts};
use crate::params::Query;
use crate::types::{Haptic, HostError, HostKind, Proof, VkTransport as Transport};

/// The vk-bridge version whose web messages we speak (its `connectVersion` field).
pub const CONNECT_VERSION: &str = "2.15.0";
/// The one event every transport's replies arrive as.
const EVENT: &str = "VKWebAppEvent";

pub struct Vk {
    transport: Transport,
    timeouts: Timeouts,
    counter: Cell<u32>,
    /// Three random base36 characters, like vk-bridge's instance id: replies meant for
    /// another bridge instance (or guessed by a stranger) do not match ours.
    instance: String,
    search: String,
    /// The host's frame id, sent back with every web message once the host has named it.
    web_frame_id: Rc<RefCell<JsValue>>,
    _web_listener: Option<EventListener>,
    events: RefCell<Option<EventListener>>,
    history: js::HistoryBack,
}

/// The theme of a `VKWebAppUpdateConfig`: `appearance` where the client sends it, else
/// the older `scheme` (`space_gray` and `vkcom_dark` are dark).
pub fn theme_of_config(appearance: Option<&str>, scheme: Option<&str>) -> Option<Theme> {
    match appearance {
        Some("dark") => return Some(Theme::Dark),
        Some("light") => return Some(Theme::Light),
        _ => {}
    }
    match scheme? {
        "space_gray" | "vkcom_dark" => Some(Theme::Dark),
        "bright_light" | "vkcom_light" | "client_light" => Some(Theme::Light),
        _ => None,
    }
}

/// `https://vk.com`, `https://vk.ru` and their subdomains; or this page's own origin (the
/// development host emulator), which can script the page anyway, so trusting it grants
/// nothing a same-origin frame does not already have.
pub fn is_vk_origin(origin: &str, own: &str) -> bool {
    // The one origin matcher, Aitu's (an allow-list with `*.` subdomains).
    super::aitu::allowed_origin(
        origin,
        "https://vk.com,https://*.vk.com,https://vk.ru,https://*.vk.ru",
        own,
    )
}

fn instance_id() -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..3)
        .map(|_| DIGITS[((js_sys::Math::random() * 36.0) as usize).min(35)] as char)
        .collect()
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

/// `{type, data}` of a `VKWebAppEvent`.
fn reply_of(e: &web_sys::Event) -> Option<(String, JsValue)> {
    let msg = js::detail(e);
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
        let w = js::window();
        let web_frame_id = Rc::new(RefCell::new(JsValue::UNDEFINED));
        let web_listener = (transport == Transport::Web).then(|| {
            let frame_id = web_frame_id.clone();
            let own = w.location().origin().unwrap_or_default();
            EventListener::new(&w, "message", move |e| {
                let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                let parent = js::window().parent().ok().flatten();
                if !js::from_window(m, parent) || !is_vk_origin(&m.origin(), &own) {
                    return;
                }
                let data = m.data();
                let Some(t) = js::get(&data, "type").as_string() else {
                    return;
                };
                if t == "VKWebAppSettings" {
                    *frame_id.borrow_mut() = js::get(&data, "frameId");
                    return;
                }
                js::dispatch_custom(EVENT, &data);
            })
        });
        Vk {
            transport,
            timeouts,
            counter: Cell::new(0),
            instance: instance_id(),
            search: w.location().search().unwrap_or_default(),
            web_frame_id,
            _web_listener: web_listener,
            events: RefCell::new(None),
            history: js::HistoryBack::default(),
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
                    ("webFrameId", self.web_frame_id.borrow().clone()),
                    ("connectVersion", JsValue::from_str(CONNECT_VERSION)),
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
        id.push('_');
        id.push_str(&self.instance);
        js::set(&params, "request_id", &JsValue::from_str(&id));
        let data = js::request(
            EVENT,
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
    fn set_back_button(&self, visible: bool) {
        // VK's back (Android's button, iOS's swipe) follows the page's history once
        // `history` swipes are on; at home they are off, so back leaves the app.
        self.history.set_visible(visible);
        self.fire(
            "VKWebAppSetSwipeSettings",
            js::obj(&[("history", JsValue::from(visible))]),
        );
    }
    fn on_event(&self, f: Rc<dyn Fn(HostEvent)>) {
        let back = f.clone();
        self.history
            .on_back(Box::new(move || back(HostEvent::Back)));
        let l = EventListener::new(&js::window(), EVENT, move |e| {
            let Some((t, data)) = reply_of(e) else { return };
            match t.as_str() {
                "VKWebAppViewRestore" => f(HostEvent::Foreground),
                "VKWebAppUpdateConfig" => {
                    let appearance = js::get(&data, "appearance").as_string();
                    let scheme = js::get(&data, "scheme").as_string();
                    if let Some(t) = theme_of_config(appearance.as_deref(), scheme.as_deref()) {
                        f(HostEvent::Theme(t));
                    }
                    let insets = js::get(&data, "insets");
                    if js::is_object(&insets) {
                        f(HostEvent::Insets(js::insets(&insets)));
                    }
                }
                _ => {}
            }
        });
        *self.events.borrow_mut() = Some(l);
    }
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
    fn set_bars(&self, colour: &str) {
        // `status_bar_style` names the colour of the status bar's text and icons.
        let style = match Theme::of_colour(colour) {
            Some(Theme::Dark) => "light",
            _ => "dark",
        };
        self.fire(
            "VKWebAppSetViewSettings",
            js::obj(&[
                ("status_bar_style", JsValue::from_str(style)),
                ("action_bar_color", JsValue::from_str(colour)),
                ("navigation_bar_color", JsValue::from_str(colour)),
            ]),
        );
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
    fn update_config_gives_the_theme() {
        assert_eq!(
            theme_of_config(Some("dark"), Some("bright_light")),
            Some(Theme::Dark)
        );
        assert_eq!(theme_of_config(None, Some("space_gray")), Some(Theme::Dark));
        assert_eq!(
            theme_of_config(None, Some("bright_light")),
            Some(Theme::Light)
        );
        assert_eq!(theme_of_config(None, None), None);
    }

    #[test]
    fn only_vk_origins_and_our_own_are_trusted() {
        let own = "https://ashyq.example";
        for ok in [
            "https://vk.com",
            "https://m.vk.com",
            "https://vk.ru",
            "https://a.b.vk.ru",
            own,
        ] {
            assert!(is_vk_origin(ok, own), "{ok}");
        }
        for bad in [
            "http://vk.com",
            "https://evilvk.com",
            "https://vk.com.evil.example",
            "https://evil.example",
            "null",
            "",
        ] {
            assert!(!is_vk_origin(bad, own), "{bad}");
        }
        assert!(!is_vk_origin("", ""));
    }

    #[test]
    fn launch_params_keep_only_vk_and_sign_raw() {
        assert_eq!(
            launch_params("?ashyq_timeout_ms=300&vk_app_id=1&vk_user_id=2&sign=a-b_c&lang=en"),
            "vk_app_id=1&vk_user_id=2&sign=a-b_c"
        );
        assert_eq!(launch_params(""), "");
    }
}
