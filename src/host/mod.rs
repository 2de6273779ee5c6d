//! The host the mini-app runs in (DESIGN §5): one [`Host`] trait, one adapter per host, and
//! detection. All JavaScript of the host bridges lives below this module.
//!
//! Every bridge call has a timeout (the SDKs have none) and is cancelled by dropping its
//! future, which drops the owned reply listener.

use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::JsValue;

use crate::types::{AituTransport, Haptic, HostKind, Proof, TelegramTransport, VkTransport};

pub mod aitu;
pub mod browser;
pub mod fake;
pub mod js;
pub mod telegram;
pub mod vk;

pub use js::Result;

/// A boxed local future: wasm is single-threaded, nothing here is `Send`.
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

/// What every host adapter offers the app. Methods a host lacks are no-ops (title,
/// haptics) or fail with [`crate::types::HostError::Unsupported`] (scan).
pub trait Host {
    fn kind(&self) -> HostKind;
    /// Tells the host the app is ready (`VKWebAppInit`, `web_app_ready`).
    fn ready(&self) -> Fut<'_, ()>;
    /// Opens the host's QR scanner and resolves to the scanned text.
    fn scan_qr(&self) -> Fut<'_, Result<String>>;
    /// The signed identity the backend turns into a session; `None` when the host has none
    /// (plain browser).
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>>;
    fn haptic(&self, kind: Haptic);
    fn set_title(&self, title: &str);
    /// Shows or hides the host's back control; presses arrive through `on_back`.
    fn set_back_button(&self, visible: bool);
    fn on_back(&self, f: Box<dyn Fn()>);
    /// Host storage; the page's localStorage unless the host has its own.
    fn storage_get(&self, key: &str) -> Fut<'_, Result<Option<String>>> {
        let v = js::local_get(key);
        Box::pin(async move { Ok(v) })
    }
    fn storage_set(&self, key: &str, value: &str) -> Fut<'_, Result<()>> {
        js::local_set(key, value);
        Box::pin(async { Ok(()) })
    }
    /// The user's language as the host reports it (a BCP 47 tag), if it does.
    fn language(&self) -> Option<String>;
    fn theme(&self) -> Option<Theme>;
    fn close(&self);
}

/// Timeouts for host calls, overridable with `ashyq_timeout_ms` so tests run fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub scan_ms: u32,
    pub bridge_ms: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            scan_ms: 30_000,
            bridge_ms: 8_000,
        }
    }
}

impl Timeouts {
    pub fn with_override(ms: Option<u32>) -> Timeouts {
        match ms {
            Some(ms) => Timeouts {
                scan_ms: ms,
                bridge_ms: ms,
            },
            None => Timeouts::default(),
        }
    }
}

/// The facts detection looks at, read from the page once (pure, so it is testable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    pub in_iframe: bool,
    /// `window.AndroidBridge` exists.
    pub android_bridge: bool,
    /// `AndroidBridge.VKWebAppInit` is a function (VK's Android bridge).
    pub android_has_vk_methods: bool,
    /// `AndroidBridge.getQr` or `.invoke` is a function (Aitu's Android bridge).
    pub android_has_aitu_methods: bool,
    /// `webkit.messageHandlers.invoke` exists (Aitu iOS; Chrome on iOS has handlers but not this).
    pub ios_aitu: bool,
    /// `webkit.messageHandlers.VKWebAppClose` exists (VK iOS, as vk-bridge detects it).
    pub ios_vk: bool,
    /// `window.TelegramWebviewProxy` exists (Telegram iOS/Android/macOS).
    pub telegram_proxy: bool,
    /// The URL hash carries `tgWebAppData` or `tgWebAppPlatform`.
    pub telegram_launch: bool,
    /// The query carries `vk_app_id` and `sign`.
    pub vk_launch: bool,
    /// `__aitu-domain` in the query or cached as `mini-app-domain`.
    pub aitu_domain: bool,
}

/// Which host this is. Aitu and VK both name their Android object `AndroidBridge`: they are
/// told apart by VK's launch parameters and by which methods the object has.
pub fn detect(env: &Env) -> HostKind {
    if env.telegram_proxy {
        return HostKind::Telegram(TelegramTransport::Native);
    }
    if env.telegram_launch {
        return HostKind::Telegram(TelegramTransport::Web);
    }
    let vk_android = env.android_bridge
        && (env.android_has_vk_methods || (env.vk_launch && !env.android_has_aitu_methods));
    if vk_android {
        return HostKind::Vk(VkTransport::Android);
    }
    if env.ios_vk && !env.ios_aitu {
        return HostKind::Vk(VkTransport::Ios);
    }
    if env.android_bridge && env.android_has_aitu_methods {
        return HostKind::Aitu(AituTransport::Android);
    }
    if env.ios_aitu {
        return HostKind::Aitu(AituTransport::Ios);
    }
    if env.vk_launch && env.in_iframe {
        return HostKind::Vk(VkTransport::Web);
    }
    if env.aitu_domain && env.in_iframe {
        return HostKind::Aitu(AituTransport::Web);
    }
    HostKind::Browser
}

/// Reads [`Env`] from the current page.
pub fn read_env() -> Env {
    let w = js::window();
    let android = js::android_bridge();
    let android_bridge = js::is_object(&android);
    let fn_on = |o: &JsValue, name: &str| js::get(o, name).is_function();
    let handlers = js::message_handlers();
    let search = w.location().search().unwrap_or_default();
    let hash = w.location().hash().unwrap_or_default();
    let q = crate::params::Query::parse(&search);
    let h = crate::params::Query::parse(&hash);
    let cached_aitu = js::local_get("mini-app-domain").is_some();
    Env {
        in_iframe: js::in_iframe(),
        android_bridge,
        android_has_vk_methods: android_bridge && fn_on(&android, "VKWebAppInit"),
        android_has_aitu_methods: android_bridge
            && (fn_on(&android, "getQr") || fn_on(&android, "invoke")),
        ios_aitu: js::is_object(&js::get(&handlers, "invoke")),
        ios_vk: js::is_object(&js::get(&handlers, "VKWebAppClose")),
        telegram_proxy: js::is_object(&js::telegram_webview_proxy()),
        telegram_launch: h.get("tgWebAppData").is_some() || h.get("tgWebAppPlatform").is_some(),
        vk_launch: q.get("vk_app_id").is_some() && q.get("sign").is_some(),
        aitu_domain: q.get("__aitu-domain").is_some() || cached_aitu,
    }
}

/// Builds the adapter for the detected host.
pub fn connect(kind: HostKind, t: Timeouts) -> std::rc::Rc<dyn Host> {
    use std::rc::Rc;
    match kind {
        HostKind::Aitu(tr) => Rc::new(aitu::Aitu::new(tr, t)),
        HostKind::Telegram(tr) => Rc::new(telegram::Telegram::new(tr, t)),
        HostKind::Vk(tr) => Rc::new(vk::Vk::new(tr, t)),
        HostKind::Browser | HostKind::Fake => Rc::new(browser::Browser::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_a_plain_browser() {
        assert_eq!(detect(&Env::default()), HostKind::Browser);
    }

    #[test]
    fn vk_and_aitu_on_android_are_told_apart() {
        let aitu = Env {
            android_bridge: true,
            android_has_aitu_methods: true,
            ..Env::default()
        };
        assert_eq!(detect(&aitu), HostKind::Aitu(AituTransport::Android));
        let vk = Env {
            android_bridge: true,
            android_has_vk_methods: true,
            vk_launch: true,
            ..Env::default()
        };
        assert_eq!(detect(&vk), HostKind::Vk(VkTransport::Android));
        // VK launch params alone are enough when the object has no Aitu methods.
        let vk_params = Env {
            android_bridge: true,
            vk_launch: true,
            ..Env::default()
        };
        assert_eq!(detect(&vk_params), HostKind::Vk(VkTransport::Android));
    }

    #[test]
    fn web_transports_need_an_iframe() {
        let aitu = Env {
            aitu_domain: true,
            in_iframe: true,
            ..Env::default()
        };
        assert_eq!(detect(&aitu), HostKind::Aitu(AituTransport::Web));
        let top = Env {
            aitu_domain: true,
            ..Env::default()
        };
        assert_eq!(detect(&top), HostKind::Browser);
        let vk = Env {
            vk_launch: true,
            in_iframe: true,
            ..Env::default()
        };
        assert_eq!(detect(&vk), HostKind::Vk(VkTransport::Web));
        let tg = Env {
            telegram_launch: true,
            in_iframe: true,
            ..Env::default()
        };
        assert_eq!(detect(&tg), HostKind::Telegram(TelegramTransport::Web));
        let tg_native = Env {
            telegram_proxy: true,
            telegram_launch: true,
            ..Env::default()
        };
        assert_eq!(
            detect(&tg_native),
            HostKind::Telegram(TelegramTransport::Native)
        );
    }
}
