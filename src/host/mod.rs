//! The host the mini-app runs in (DESIGN §5): one [`Host`] trait, one adapter per host
//! (`aitu`, `telegram`, `vk`, `browser`, and `fake` for tests), and [`detect`]ion, which
//! picks the adapter. All JavaScript of the host bridges lives below this module.
//!
//! Every bridge call has a timeout (the SDKs have none) and is cancelled by dropping its
//! future, which drops the owned reply listener.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::types::{Haptic, HostKind, Proof};

pub mod aitu;
pub mod browser;
pub mod camera;
pub mod detect;
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

/// What a host tells the app after launch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostEvent {
    /// The host's back control (Telegram BackButton, Aitu's arrow, the history of VK and
    /// the browser).
    Back,
    /// Back in the foreground (Telegram `visibility_changed`, VK `VKWebAppViewRestore`,
    /// Aitu's tab-active handler).
    Foreground,
    /// The host's theme changed (Telegram `theme_changed`, VK `VKWebAppUpdateConfig`); the
    /// browser's `prefers-color-scheme` is the stylesheet's own.
    Theme(Theme),
    /// Insets in CSS px (top, right, bottom, left) of the host's own UI and the device
    /// (Telegram's safe-area events, VK's `insets`); elsewhere `env(safe-area-inset-*)`.
    Insets([f64; 4]),
    /// The stable height of the viewport in CSS px (Telegram `viewport_changed` once
    /// `is_state_stable`): the layout's height, not the one of a sheet being dragged.
    Height(f64),
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
    /// Shows or hides the host's back control; presses arrive as [`HostEvent::Back`].
    fn set_back_button(&self, visible: bool);
    /// Calls `f` with every [`HostEvent`] from now on. One listener per host for all of
    /// them (each listener costs first-load bytes; docs/BENCHMARKS.md).
    fn on_event(&self, f: Rc<dyn Fn(HostEvent)>);
    /// Host storage; the page's localStorage unless the host has its own.
    fn storage_get(&self, key: &str) -> Fut<'_, Result<Option<String>>> {
        let v = js::local_get(key);
        Box::pin(async move { Ok(v) })
    }
    fn storage_set(&self, key: &str, value: &str) -> Fut<'_, Result<()>> {
        js::local_set(key, value);
        Box::pin(async { Ok(()) })
    }
    /// Opens the host's settings of this app (camera permission); a no-op where the host
    /// has none ([`crate::types::HostKind::has_settings`] says which do).
    fn open_settings(&self) {}
    /// The user's language as the host reports it (a BCP 47 tag), if it does.
    fn language(&self) -> Option<String>;
    /// Colours the host's own bars around the app (header, background, bottom or
    /// navigation bar) in `colour` (`#rrggbb`).
    fn set_bars(&self, _colour: &str) {}
    /// While the pass is shown: no screen capture and no swipe-back (Aitu), no vertical
    /// swipe that closes the app (Telegram).
    fn protect_pass(&self, _on: bool) {}
    /// Ask before closing (Telegram), while a check-in is under way.
    fn confirm_closing(&self, _on: bool) {}
    fn close(&self);
}

/// The host's scanner, or the app's own camera scanner where the host has none (it says
/// so with `Unsupported`): the rest of the app does not know which one read the code.
pub fn scan(host: &dyn Host) -> Fut<'_, Result<String>> {
    Box::pin(async move {
        match host.scan_qr().await {
            Err(crate::types::HostError::Unsupported) => camera::scan().await,
            other => other,
        }
    })
}

/// Timeouts for host calls, overridable with `ashyq_timeout_ms` so tests run fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub scan_ms: u32,
    pub bridge_ms: u32,
}

impl Theme {
    /// The theme a background colour (`#rrggbb`) belongs to, by its perceived brightness.
    pub fn of_colour(hex: &str) -> Option<Theme> {
        let h = hex.strip_prefix('#')?;
        if h.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok()?;
        let (r, g, b) = ((v >> 16) & 255, (v >> 8) & 255, v & 255);
        Some(if r * 299 + g * 587 + b * 114 < 128_000 {
            Theme::Dark
        } else {
            Theme::Light
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_colours_pick_the_theme() {
        assert_eq!(Theme::of_colour("#17212b"), Some(Theme::Dark));
        assert_eq!(Theme::of_colour("#ffffff"), Some(Theme::Light));
        assert_eq!(Theme::of_colour("ffffff"), None);
        assert_eq!(Theme::of_colour("#fff"), None);
    }
}
