//! Telegram Mini Apps, speaking the protocol of `@telegram-apps/bridge` (DESIGN §5):
//! - out, native clients: `TelegramWebviewProxy.postEvent(type, JSON.stringify(data))`;
//!   out, web clients: `parent.postMessage(JSON.stringify({eventType, eventData}), origin)`;
//! - in, native clients call `window.Telegram.WebView.receiveEvent(type, data)`, which this
//!   adapter defines itself (there is no official script); web clients post the same JSON
//!   strings, accepted only from the parent window.
//!
//! Both inward paths are re-dispatched as one window event, [`EVENT`], with
//! `detail {eventType, eventData}`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{js, Fut, Host, HostEvent, Result, Theme, Timeouts};
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
    events: RefCell<Option<EventListener>>,
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

/// `o[name]`, created as `{}` when it is not an object yet.
fn object_at(o: &JsValue, name: &str) -> JsValue {
    let existing = js::get(o, name);
    if js::is_object(&existing) {
        return existing;
    }
    let created = js::obj(&[]);
    js::set(o, name, &created);
    created
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
                if !js::from_window(m, js::window().parent().ok().flatten()) {
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
        // The three receivers the official bridge installs: Telegram Desktop and the
        // mobile clients call `Telegram.WebView.receiveEvent`, older clients (Windows
        // Phone) `TelegramGameProxy_receiveEvent` or `TelegramGameProxy.receiveEvent`.
        let win: &JsValue = w.as_ref();
        let f: &JsValue = receiver.as_ref();
        js::set(win, "TelegramGameProxy_receiveEvent", f);
        js::set(&object_at(win, "TelegramGameProxy"), "receiveEvent", f);
        js::set(
            &object_at(&object_at(win, "Telegram"), "WebView"),
            "receiveEvent",
            f,
        );
        Telegram {
            transport,
            timeouts,
            target_origin,
            launch,
            _message_listener: message_listener,
            _receiver: Some(receiver),
            events: RefCell::new(None),
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
            let lang = crate::i18n::Lang::parse(&self.language().unwrap_or_default())
                .unwrap_or(crate::i18n::Lang::Ru);
            // The popup text is limited to 64 characters.
            let popup = |key| {
                let text: String = crate::i18n::t(lang, key).chars().take(64).collect();
                js::obj(&[("text", JsValue::from_str(&text))])
            };
            let mut open = Some(popup(crate::i18n::Key::ScanPrompt));
            // When we reopened the popup ourselves (to show the hint): a close event that
            // follows closely is ours, not the user's.
            let mut reopened_at: Option<f64> = None;
            let r = loop {
                // The reply is picked as the event's `detail` and read below: a `JsValue`,
                // like the other hosts' replies, so `js::request` has one instance.
                let d = js::request(
                    EVENT,
                    self.timeouts.scan_ms,
                    |e| {
                        let d = js::detail(e);
                        let t = js::get(&d, "eventType").as_string()?;
                        matches!(t.as_str(), "qr_text_received" | "scan_qr_popup_closed")
                            .then_some(d)
                    },
                    || match open.take() {
                        Some(data) => self.post("web_app_open_scan_qr_popup", Some(&data)),
                        None => Ok(()),
                    },
                )
                .await;
                let (t, d) = match d {
                    Ok(d) => reply_event(&d),
                    Err(e) => break Err(e),
                };
                if t == "scan_qr_popup_closed" {
                    let ours = reopened_at.is_some_and(|at| js_sys::Date::now() - at < 1000.0);
                    if ours {
                        reopened_at = None;
                        continue;
                    }
                    break Err(HostError::Cancelled);
                }
                let Some(text) = js::get(&d, "data").as_string() else {
                    break Err(HostError::Host(String::from("scan result is not text")));
                };
                // Ours: a venue code, or a pass (the door staff scan those).
                if ashyq_core::venue::has_code_form(&text)
                    || text.trim_start().starts_with(ashyq_core::pass::PREFIX)
                {
                    break Ok(text);
                }
                // A stray QR (a menu, a Wi-Fi code): keep scanning, with a short hint. The
                // popup's text cannot change while it is open, so it is reopened.
                self.haptic(Haptic::Warning);
                let _ = self.post("web_app_close_scan_qr_popup", None);
                open = Some(popup(crate::i18n::Key::ScanNotAshyq));
                reopened_at = Some(js_sys::Date::now());
            };
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
    fn on_event(&self, f: Rc<dyn Fn(HostEvent)>) {
        // The device's safe area and Telegram's own controls over the content (8.0+): the
        // content is padded by both.
        let device = Cell::new([0.0; 4]);
        let content = Cell::new([0.0; 4]);
        let l = EventListener::new(&js::window(), EVENT, move |e| {
            let (t, data) = event_of(e);
            let event = match t.as_str() {
                "back_button_pressed" => HostEvent::Back,
                "visibility_changed" if js::get(&data, "is_visible").as_bool() == Some(true) => {
                    HostEvent::Foreground
                }
                "theme_changed" => {
                    let bg = js::get(&js::get(&data, "theme_params"), "bg_color");
                    match bg.as_string().as_deref().and_then(Theme::of_colour) {
                        Some(theme) => HostEvent::Theme(theme),
                        None => return,
                    }
                }
                "viewport_changed" if js::get(&data, "is_state_stable").as_bool() == Some(true) => {
                    match js::get(&data, "height").as_f64() {
                        Some(h) if h > 0.0 => HostEvent::Height(h),
                        _ => return,
                    }
                }
                "safe_area_changed" | "content_safe_area_changed" => {
                    if t == "safe_area_changed" {
                        device.set(js::insets(&data));
                    } else {
                        content.set(js::insets(&data));
                    }
                    let (d, c) = (device.get(), content.get());
                    HostEvent::Insets([d[0] + c[0], d[1] + c[1], d[2] + c[2], d[3] + c[3]])
                }
                _ => return,
            };
            f(event);
        });
        *self.events.borrow_mut() = Some(l);
        // What the official script asks for at launch: the answers arrive as the events
        // above (the launch theme is in the URL too; boot.js applies that one).
        for m in [
            "web_app_request_theme",
            "web_app_request_viewport",
            "web_app_request_safe_area",
            "web_app_request_content_safe_area",
        ] {
            let _ = self.post(m, None);
        }
    }
    fn language(&self) -> Option<String> {
        let init = self.launch.get("tgWebAppData")?;
        let user = Query::parse(init).get("user").map(str::to_owned)?;
        let v = js_sys::JSON::parse(&user).ok()?;
        js::get(&v, "language_code").as_string()
    }
    fn protect_pass(&self, on: bool) {
        let data = js::obj(&[("allow_vertical_swipe", JsValue::from(!on))]);
        let _ = self.post("web_app_setup_swipe_behavior", Some(&data));
    }
    fn confirm_closing(&self, on: bool) {
        let data = js::obj(&[("need_confirmation", JsValue::from(on))]);
        let _ = self.post("web_app_setup_closing_behavior", Some(&data));
    }
    fn set_bars(&self, colour: &str) {
        let data = js::obj(&[("color", JsValue::from_str(colour))]);
        for m in [
            "web_app_set_header_color",
            "web_app_set_background_color",
            "web_app_set_bottom_bar_color",
        ] {
            let _ = self.post(m, Some(&data));
        }
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
