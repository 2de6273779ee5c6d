//! Telegram Mini Apps, speaking the protocol of `@telegram-apps/bridge` (DESIGN §5):
//! - out, native clients: `TelegramWebviewProxy.postEvent(type, JSON.stringify(data))`;
//!   out, web clients: `parent.postMessage(JSON.stringify({eventType, eventData}), origin)`;
//! - in, native clients call `window.Telegram.WebView.receiveEvent(type, data)`, which this
//!   adapter defines itself (there is no official script); web clients post the same JSON
//!   strings, accepted only from the parent window.
//!
//! Both inward paths are re-dispatched as one window event, [`EVENT`], with
//! `detail {eventType, eventData}`.

use std::cell::RefCell;

use gloo_events::EventListener;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{js, Fut, Host, Result, Theme, Timeouts};
use crate::params::Query;
use crate::types::{Haptic, HostError, HostKind, Proof, TelegramTransport as Transport};

/// The window event carrying every Telegram event inside the app.
pub const EVENT: &str = "ashyq-telegram";
/// Telegram Web's origin; the SDK's default target.
pub const WEB_ORIGIN: &str = "https://web.telegram.org";
/// The scanner popup appeared in Mini Apps version 6.4.
const SCAN_MIN_VERSION: (u32, u32) = (6, 4);

pub struct Telegram {
    transport: Transport,
    timeouts: Timeouts,
    target_origin: String,
    launch: Query,
    _message_listener: Option<EventListener>,
    _receiver: Option<Closure<dyn Fn(JsValue, JsValue)>>,
    back: RefCell<Option<EventListener>>,
}

/// Where web clients' messages go: Telegram Web, or this origin when the parent page is one
/// of our own (the development host emulator). The parent's origin is read from
/// `location.ancestorOrigins` (the server sends `Referrer-Policy: no-referrer`, so the
/// referrer is empty), falling back to the referrer where that list does not exist.
fn target_origin() -> String {
    let w = js::window();
    let own = w.location().origin().unwrap_or_default();
    let ancestors = js::get(&js::get(w.as_ref(), "location"), "ancestorOrigins");
    let parent = if js::is_object(&ancestors) {
        js::get(&ancestors, "0").as_string().unwrap_or_default()
    } else {
        let r = w.document().map(|d| d.referrer()).unwrap_or_default();
        r.split('/').take(3).collect::<Vec<_>>().join("/")
    };
    if !own.is_empty() && parent == own {
        own
    } else {
        String::from(WEB_ORIGIN)
    }
}

/// `major.minor` of `tgWebAppVersion`.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().unwrap_or("0").parse().ok()?;
    Some((major, minor))
}

impl Telegram {
    pub fn new(transport: Transport, timeouts: Timeouts) -> Telegram {
        Telegram::with_target_origin(transport, timeouts, target_origin())
    }

    /// With an explicit origin for web clients' messages (tests post to themselves).
    pub fn with_target_origin(
        transport: Transport,
        timeouts: Timeouts,
        target_origin: String,
    ) -> Telegram {
        let w = js::window();
        let hash = w.location().hash().unwrap_or_default();
        let launch = Query::parse(&hash);
        let message_listener = (transport != Transport::Native).then(|| {
            EventListener::new(&w, "message", |e| {
                let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                // Only the parent (Telegram Web) speaks for Telegram.
                let parent = js::window().parent().ok().flatten();
                let from_parent = match (m.source(), parent) {
                    (Some(src), Some(p)) => {
                        let a: &JsValue = src.as_ref();
                        let b: &JsValue = p.as_ref();
                        js_sys::Object::is(a, b)
                    }
                    _ => false,
                };
                if !from_parent {
                    return;
                }
                let Some(text) = m.data().as_string() else {
                    return;
                };
                let Ok(parsed) = js_sys::JSON::parse(&text) else {
                    return;
                };
                if js::get(&parsed, "eventType").as_string().is_some() {
                    js::dispatch_custom(EVENT, &parsed);
                }
            })
        });
        // Native clients call window.Telegram.WebView.receiveEvent(type, data).
        let receiver =
            Closure::<dyn Fn(JsValue, JsValue)>::new(|event_type: JsValue, data: JsValue| {
                let detail = js::obj(&[("eventType", event_type), ("eventData", data)]);
                js::dispatch_custom(EVENT, &detail);
            });
        let tg = {
            let existing = js::get(w.as_ref(), "Telegram");
            if js::is_object(&existing) {
                existing
            } else {
                let o = js::obj(&[]);
                js::set(w.as_ref(), "Telegram", &o);
                o
            }
        };
        let webview = {
            let existing = js::get(&tg, "WebView");
            if js::is_object(&existing) {
                existing
            } else {
                let o = js::obj(&[]);
                js::set(&tg, "WebView", &o);
                o
            }
        };
        js::set(&webview, "receiveEvent", receiver.as_ref());
        Telegram {
            transport,
            timeouts,
            target_origin,
            launch,
            _message_listener: message_listener,
            _receiver: Some(receiver),
            back: RefCell::new(None),
        }
    }

    /// Posts one method call to Telegram.
    pub fn post(&self, event_type: &str, data: Option<&JsValue>) -> Result<()> {
        let w = js::window();
        match self.transport {
            Transport::Native => {
                let proxy = js::telegram_webview_proxy();
                let data = data
                    .map(js::stringify)
                    .map(|s| JsValue::from_str(&s))
                    .unwrap_or(JsValue::UNDEFINED);
                js::call_method(&proxy, "postEvent", &[JsValue::from_str(event_type), data])
                    .map(|_| ())
            }
            Transport::Web => {
                let msg = js::obj(&[
                    ("eventType", JsValue::from_str(event_type)),
                    ("eventData", data.cloned().unwrap_or(JsValue::UNDEFINED)),
                ]);
                let text = js::stringify(&msg);
                let parent = w
                    .parent()
                    .ok()
                    .flatten()
                    .ok_or_else(|| HostError::Bridge(String::from("no parent window")))?;
                parent
                    .post_message(&JsValue::from_str(&text), &self.target_origin)
                    .map_err(|e| HostError::Bridge(js::error_text(&e)))
            }
        }
    }

    fn version_ok_for_scan(&self) -> bool {
        // The desktop clients have no scanner at any version (DESIGN §5): the app's own
        // camera scanner stands in (`host::scan`).
        if matches!(
            self.launch.get("tgWebAppPlatform"),
            Some("tdesktop" | "macos")
        ) {
            return false;
        }
        match self.launch.get("tgWebAppVersion").and_then(parse_version) {
            Some(v) => v >= SCAN_MIN_VERSION,
            // No version given (older clients do not say): try and let the timeout decide.
            None => true,
        }
    }
}

fn event_of(e: &web_sys::Event) -> (String, JsValue) {
    reply_event(&js::detail(e))
}

/// `(eventType, eventData)` of a re-dispatched event's `detail`.
fn reply_event(d: &JsValue) -> (String, JsValue) {
    let t = js::get(d, "eventType").as_string().unwrap_or_default();
    (t, js::get(d, "eventData"))
}

impl Host for Telegram {
    fn kind(&self) -> HostKind {
        HostKind::Telegram(self.transport)
    }
    fn ready(&self) -> Fut<'_, ()> {
        let _ = self.post("web_app_ready", None);
        let _ = self.post("web_app_expand", None);
        Box::pin(async {})
    }
    fn scan_qr(&self) -> Fut<'_, Result<String>> {
        Box::pin(async move {
            if !self.version_ok_for_scan() {
                return Err(HostError::Unsupported);
            }
            let prompt = crate::i18n::t(
                crate::i18n::Lang::parse(&self.language().unwrap_or_default())
                    .unwrap_or(crate::i18n::Lang::Ru),
                crate::i18n::Key::ScanPrompt,
            );
            // The popup text is limited to 64 characters.
            let text: String = prompt.chars().take(64).collect();
            let data = js::obj(&[("text", JsValue::from_str(&text))]);
            // The reply is picked as the event's `detail` and read below: a `JsValue`, like
            // the other hosts' replies, so `js::request` and its channel have one instance.
            let r = js::request(
                EVENT,
                self.timeouts.scan_ms,
                |e| {
                    let d = js::detail(e);
                    let t = js::get(&d, "eventType").as_string()?;
                    matches!(t.as_str(), "qr_text_received" | "scan_qr_popup_closed").then_some(d)
                },
                || self.post("web_app_open_scan_qr_popup", Some(&data)),
            )
            .await
            .and_then(|d| {
                let (t, d) = reply_event(&d);
                if t == "scan_qr_popup_closed" {
                    return Err(HostError::Cancelled);
                }
                js::get(&d, "data")
                    .as_string()
                    .ok_or_else(|| HostError::Host(String::from("scan result is not text")))
            });
            // The popup stays open after a scan (and after a timeout): close it ourselves.
            if matches!(r, Ok(_) | Err(HostError::Timeout)) {
                let _ = self.post("web_app_close_scan_qr_popup", None);
            }
            r
        })
    }
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>> {
        let init = self.launch.get("tgWebAppData").map(str::to_owned);
        Box::pin(async move {
            match init {
                Some(init_data) if !init_data.is_empty() => Ok(Some(Proof::Telegram { init_data })),
                _ => Err(HostError::Host(String::from("no tgWebAppData"))),
            }
        })
    }
    fn haptic(&self, kind: Haptic) {
        let data = match kind {
            Haptic::Tap => js::obj(&[
                ("type", JsValue::from_str("impact")),
                ("impact_style", JsValue::from_str("light")),
            ]),
            Haptic::Success | Haptic::Warning | Haptic::Error => js::obj(&[
                ("type", JsValue::from_str("notification")),
                (
                    "notification_type",
                    JsValue::from_str(match kind {
                        Haptic::Success => "success",
                        Haptic::Warning => "warning",
                        _ => "error",
                    }),
                ),
            ]),
        };
        let _ = self.post("web_app_trigger_haptic_feedback", Some(&data));
    }
    fn set_title(&self, _title: &str) {
        // Telegram shows the bot's name; there is no title method.
    }
    fn set_back_button(&self, visible: bool) {
        let data = js::obj(&[("is_visible", JsValue::from(visible))]);
        let _ = self.post("web_app_setup_back_button", Some(&data));
    }
    fn on_back(&self, f: Box<dyn Fn()>) {
        let l = EventListener::new(&js::window(), EVENT, move |e| {
            if event_of(e).0 == "back_button_pressed" {
                f();
            }
        });
        *self.back.borrow_mut() = Some(l);
    }
    fn language(&self) -> Option<String> {
        let init = self.launch.get("tgWebAppData")?;
        let user = Query::parse(init).get("user").map(str::to_owned)?;
        let v = js_sys::JSON::parse(&user).ok()?;
        js::get(&v, "language_code").as_string()
    }
    fn theme(&self) -> Option<Theme> {
        let params = js_sys::JSON::parse(self.launch.get("tgWebAppThemeParams")?).ok()?;
        let bg = js::get(&params, "bg_color").as_string()?;
        let bg = bg.trim_start_matches('#');
        let v = u32::from_str_radix(bg, 16).ok()?;
        let (r, g, b) = ((v >> 16) & 255, (v >> 8) & 255, v & 255);
        Some(if r * 299 + g * 587 + b * 114 < 128_000 {
            Theme::Dark
        } else {
            Theme::Light
        })
    }
    fn close(&self) {
        let _ = self.post("web_app_close", None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(parse_version("6.10"), Some((6, 10)));
        assert!(parse_version("6.10").expect("v") >= SCAN_MIN_VERSION);
        assert!(parse_version("6.3").expect("v") < SCAN_MIN_VERSION);
        assert_eq!(parse_version("7"), Some((7, 0)));
        assert_eq!(parse_version("x"), None);
    }
}
