//! The host the mini-app runs in (DESIGN §5): one [`Host`] trait, one adapter per host
//! (`aitu`, `telegram`, `vk`, `browser`, and `fake` for tests), and [`detect`]ion, which
//! picks the adapter. All JavaScript of the host bridges lives below this module.
//!
//! Every bridge call has a timeout (the SDKs have none) and is cancelled by dropping its
//! future, which drops the owned reply listener.

use std::future::Future;
use std::pin::Pin;

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
