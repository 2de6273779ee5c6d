//! Which host the app runs in, from facts read off the page once ([`Env`], [`read_env`]),
//! and the adapter for it ([`connect`]).

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::{aitu, browser, js, telegram, vk, Host, Timeouts};
use crate::types::{AituTransport, HostKind, TelegramTransport, VkTransport};

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
pub fn connect(kind: HostKind, t: Timeouts) -> Rc<dyn Host> {
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
