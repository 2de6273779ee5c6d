//! The app's own camera scanner, for hosts without one (a plain browser, Telegram Desktop
//! and clients older than 6.4, VK on the web; DESIGN §5, Browser). The viewfinder and the
//! decoding live in their own wasm module (crates/ashyq-camera), which boot.js's
//! `window.ashyqCamera` loads only now: a user who never opens the camera never downloads
//! it (it was 7.6 KB brotli of the first load when it lived here; docs/BENCHMARKS.md §1).

use wasm_bindgen_futures::JsFuture;

use super::{js, Result};
use crate::types::HostError;

/// Opens the camera and resolves to the first QR text read.
///
/// Fails with `PermissionDenied`, `NoCamera`, `CameraInUse`, `Cancelled` (closed, or the
/// page hidden), `Timeout` (no code for two minutes), or `Unsupported` when the scanner's
/// module cannot be loaded (offline before it was ever cached, or a page without boot.js).
pub async fn scan() -> Result<String> {
    let w = js::window();
    let started = match js::call_method(w.as_ref(), "ashyqCamera", &[]) {
        Ok(p) => JsFuture::from(js_sys::Promise::resolve(&p)).await,
        Err(_) => return Err(HostError::Unsupported),
    };
    match started {
        Ok(text) => text.as_string().ok_or(HostError::Cancelled),
        // The module rejects with one of our codes; a failed import rejects with an Error.
        Err(e) => Err(e
            .as_string()
            .map_or(HostError::Unsupported, |code| HostError::from_code(&code))),
    }
}
