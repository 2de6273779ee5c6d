//! Ashyq's own camera scanner, for hosts without one (a plain browser, Telegram Desktop
//! and clients older than 6.4, VK on the web; DESIGN §5, Browser): its own wasm module
//! (`dist/assets/camera_lazy*`), which the app loads through `window.ashyqCamera`
//! (www/assets/boot.js) only when such a user opens the camera, so the first load does not
//! carry it. It plays the part a host's native scanner plays: a full-screen viewfinder over
//! the app, and [`camera_scan`] resolves to the text read or rejects with why not (the
//! app's `HostError` codes), so the app's state machine does not know which scanner ran.
//!
//! - `getUserMedia`, the rear camera preferred (`facingMode: environment`).
//! - Frames are drawn downscaled (≤ 640 px a side) every [`FRAME_MS`] and decoded one at a
//!   time: by `BarcodeDetector` where the browser has it with `qr_code`, otherwise by the
//!   fallback decoder (crates/ashyq-qr) in a Web Worker, started only now. The UI thread
//!   only draws and posts.
//! - A torch button where the camera has one; a photo from the gallery is decoded the same way.
//! - The camera is released whenever the scan ends: a code, the close button, the page
//!   hidden (the app went to the background), an error, or the future dropped.
//! - Permission denied, no camera, camera in use → [`Error`]s with their own codes; the
//!   app's error screen words them in kk/ru/en and offers the paste field.
//!
//! ```
//! use ashyq_camera::Error;
//! assert_eq!(Error::PermissionDenied.code(), "permission_denied");
//! ```

use futures_channel::mpsc;
use futures_util::StreamExt;
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, Worker,
};

mod i18n;
mod js;

use i18n::{t, Key, Lang};

/// Why no code was read. [`Error::code`] is the app's `HostError` code for the same case:
/// the app turns the rejection back into its error (and its error screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No code within [`SCAN_MS`].
    Timeout,
    /// Closed by the user, or the page went to the background.
    Cancelled,
    PermissionDenied,
    NoCamera,
    CameraInUse,
    /// Anything else `getUserMedia` threw, as its text.
    Other(String),
}

impl Error {
    pub fn code(&self) -> &str {
        match self {
            Error::Timeout => "host_timeout",
            Error::Cancelled => "scan_cancelled",
            Error::PermissionDenied => "permission_denied",
            Error::NoCamera => "no_camera",
            Error::CameraInUse => "camera_in_use",
            Error::Other(text) => text,
        }
    }
}

pub type Result<T> = core::result::Result<T, Error>;

/// The module's entry point for the app: opens the camera and resolves to the first QR
/// text read, or rejects with an [`Error::code`]. `worker_url`: the fallback decoder's
/// worker (its hashed name, which boot.js knows).
#[wasm_bindgen]
pub async fn camera_scan(worker_url: String) -> core::result::Result<String, JsValue> {
    scan(&worker_url)
        .await
        .map_err(|e| JsValue::from_str(e.code()))
}

/// One frame every 150 ms at most (a decode takes 5–20 ms, docs/BENCHMARKS.md): steady on
/// a cheap phone, and the next frame waits for the previous decode.
const FRAME_MS: u32 = 150;
/// The decoder's input bound for camera frames (DESIGN §5).
const MAX_SIDE: f64 = 640.0;
/// A gallery photo holds more detail than a viewfinder frame; the worker takes up to 4096.
const PHOTO_SIDE: f64 = 1024.0;
/// A worker that does not answer a frame in this time is given up on for that frame.
const WORKER_REPLY_MS: u32 = 3_000;
/// The scanner closes itself after this long without a code (the user walked away).
const SCAN_MS: f64 = 120_000.0;

enum Event {
    Close,
    Hidden,
    Torch,
    Photo(JsValue),
}

/// Opens the camera and resolves to the first QR text read.
///
/// Fails with `PermissionDenied`, `NoCamera`, `CameraInUse`, `Cancelled` (closed, or the
/// page hidden) or `Timeout` (no code in [`SCAN_MS`]).
pub async fn scan(worker_url: &str) -> Result<String> {
    let win = js::window();
    let doc = win.document().ok_or(Error::NoCamera)?;
    // No `mediaDevices` on insecure origins and old browsers: as good as no camera.
    let devices = win
        .navigator()
        .media_devices()
        .map_err(|_| Error::NoCamera)?;
    let lang = page_lang(&doc);
    let (tx, mut events) = mpsc::unbounded::<Event>();
    let ui = Overlay::open(&doc, lang, &tx);

    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::FALSE);
    constraints.set_video(&js::obj(&[
        (
            "facingMode",
            js::obj(&[("ideal", JsValue::from_str("environment"))]),
        ),
        ("width", js::obj(&[("ideal", JsValue::from(1280))])),
        ("height", js::obj(&[("ideal", JsValue::from(720))])),
    ]));
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| camera_error(&e))?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map_err(|e| camera_error(&e))?
        .unchecked_into();
    let camera = Camera(stream);
    ui.video.set_src_object(Some(&camera.0));
    // Autoplay of a muted inline video is allowed; a refused play() only means no frames.
    let _ = ui.video.play();
    let track = camera.video_track();
    if has_torch(&track) {
        ui.torch.remove_attribute("hidden").ok();
    }
    let hidden = {
        let tx = tx.clone();
        let d = doc.clone();
        EventListener::new(&doc, "visibilitychange", move |_| {
            if d.hidden() {
                let _ = tx.unbounded_send(Event::Hidden);
            }
        })
    };

    let mut decoder = Decoder::new(worker_url).await;
    let started = js_sys::Date::now();
    let mut torch = false;
    let result = loop {
        // What the user did since the last frame comes first.
        let mut photo_none = false;
        while let Ok(ev) = events.try_recv() {
            match ev {
                Event::Close | Event::Hidden => return Err(Error::Cancelled),
                Event::Torch => {
                    torch = !torch;
                    set_torch(&track, torch);
                    let on = if torch { "true" } else { "false" };
                    ui.torch.set_attribute("aria-pressed", on).ok();
                }
                Event::Photo(file) => {
                    if let Some(text) = decode_photo(&mut decoder, &ui, &file).await {
                        return Ok(text);
                    }
                    photo_none = true;
                }
            }
        }
        if photo_none {
            ui.hint.set_text_content(Some(t(lang, Key::NoCodeInPhoto)));
        }
        if js_sys::Date::now() - started > SCAN_MS {
            break Err(Error::Timeout);
        }
        TimeoutFuture::new(FRAME_MS).await;
        let (w, h) = (ui.video.video_width(), ui.video.video_height());
        if w == 0 || h == 0 {
            continue; // no frame yet
        }
        let (dw, dh) = fit(f64::from(w), f64::from(h), MAX_SIDE);
        ui.size_canvas(dw, dh);
        if ui
            .ctx
            .draw_image_with_html_video_element_and_dw_and_dh(&ui.video, 0.0, 0.0, dw, dh)
            .is_err()
        {
            continue;
        }
        if let Some(text) = decoder.decode(&ui.canvas, &ui.ctx, dw, dh).await {
            break Ok(text);
        }
    };
    drop(hidden);
    result
}

/// The stream; stopping every track on drop is what turns the camera (and its light) off.
struct Camera(MediaStream);

impl Camera {
    fn video_track(&self) -> JsValue {
        self.0.get_video_tracks().get(0)
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        for track in self.0.get_tracks().iter() {
            let _ = js::call_method(&track, "stop", &[]);
        }
    }
}

/// Why `getUserMedia` failed, by the DOMException's name.
fn camera_error(e: &JsValue) -> Error {
    match js::get(e, "name").as_string().as_deref() {
        Some("NotAllowedError" | "SecurityError" | "PermissionDeniedError") => {
            Error::PermissionDenied
        }
        Some("NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError") => Error::NoCamera,
        Some("NotReadableError" | "AbortError" | "TrackStartError") => Error::CameraInUse,
        _ => Error::Other(js::error_text(e)),
    }
}

fn has_torch(track: &JsValue) -> bool {
    js::call_method(track, "getCapabilities", &[])
        .map(|caps| js::get(&caps, "torch").is_truthy())
        .unwrap_or(false)
}

fn set_torch(track: &JsValue, on: bool) {
    let c = js::obj(&[(
        "advanced",
        js::arr(&[js::obj(&[("torch", JsValue::from_bool(on))])]),
    )]);
    // A refused constraint leaves the light as it was: nothing to undo.
    if let Ok(p) = js::call_method(track, "applyConstraints", &[c]) {
        if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(p).await;
            });
        }
    }
}

/// `w × h` scaled down (never up) to fit `max` on its longer side, in whole pixels.
fn fit(w: f64, h: f64, max: f64) -> (f64, f64) {
    let s = (max / w.max(h)).min(1.0);
    ((w * s).round().max(1.0), (h * s).round().max(1.0))
}

fn page_lang(doc: &Document) -> Lang {
    doc.document_element()
        .and_then(|e| e.get_attribute("lang"))
        .and_then(|l| Lang::parse(&l))
        .unwrap_or(Lang::Kk)
}

async fn decode_photo(decoder: &mut Decoder, ui: &Overlay, file: &JsValue) -> Option<String> {
    let p = js::call_method(
        js::window().as_ref(),
        "createImageBitmap",
        std::slice::from_ref(file),
    )
    .ok()?;
    let bitmap = JsFuture::from(p.dyn_into::<js_sys::Promise>().ok()?)
        .await
        .ok()?;
    let (w, h) = (
        js::get(&bitmap, "width").as_f64()?,
        js::get(&bitmap, "height").as_f64()?,
    );
    let (dw, dh) = fit(w, h, PHOTO_SIDE);
    ui.size_canvas(dw, dh);
    let ctx: &JsValue = ui.ctx.as_ref();
    let args = [bitmap.clone(), 0.into(), 0.into(), dw.into(), dh.into()];
    js::call_method(ctx, "drawImage", &args).ok()?;
    let _ = js::call_method(&bitmap, "close", &[]);
    decoder.decode(&ui.canvas, &ui.ctx, dw, dh).await
}

/// `BarcodeDetector` where the browser has one that reads QR codes, else our worker.
enum Decoder {
    Native(JsValue),
    Worker(WorkerDecoder),
    /// Neither could start (no Worker support): frames are not decoded, the paste field stays.
    None,
}

struct WorkerDecoder {
    worker: Worker,
    replies: mpsc::UnboundedReceiver<JsValue>,
    _listener: EventListener,
    next_id: u32,
    /// To start a fresh worker after a fatal error.
    url: String,
}

impl Drop for WorkerDecoder {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Decoder {
    async fn new(worker_url: &str) -> Decoder {
        let ctor = js::get(js::window().as_ref(), "BarcodeDetector");
        if let Some(ctor) = ctor.dyn_ref::<Function>() {
            if let Ok(p) = js::call_method(ctor.as_ref(), "getSupportedFormats", &[]) {
                if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                    let formats = JsFuture::from(p).await.unwrap_or(JsValue::UNDEFINED);
                    let qr = JsValue::from_str("qr_code");
                    if Array::is_array(&formats) && Array::from(&formats).includes(&qr, 0) {
                        let opts = js::obj(&[("formats", js::arr(&[qr]))]);
                        if let Ok(d) = Reflect::construct(ctor, &Array::of1(&opts)) {
                            return Decoder::Native(d);
                        }
                    }
                }
            }
        }
        Decoder::worker(worker_url)
    }

    fn worker(url: &str) -> Decoder {
        let Ok(worker) = Worker::new(url) else {
            return Decoder::None;
        };
        let (tx, replies) = mpsc::unbounded();
        let listener = EventListener::new(&worker, "message", move |e| {
            if let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() {
                let _ = tx.unbounded_send(m.data());
            }
        });
        Decoder::Worker(WorkerDecoder {
            worker,
            replies,
            _listener: listener,
            next_id: 0,
            url: url.to_owned(),
        })
    }

    /// The first QR text in the canvas's top-left `w × h`.
    async fn decode(
        &mut self,
        canvas: &HtmlCanvasElement,
        ctx: &CanvasRenderingContext2d,
        w: f64,
        h: f64,
    ) -> Option<String> {
        match self {
            Decoder::None => None,
            Decoder::Native(detector) => {
                let p = js::call_method(detector, "detect", &[canvas.clone().into()]).ok()?;
                let found = JsFuture::from(p.dyn_into::<js_sys::Promise>().ok()?)
                    .await
                    .ok()?;
                js::get(&Array::from(&found).get(0), "rawValue").as_string()
            }
            Decoder::Worker(wd) => {
                let image = ctx.get_image_data(0.0, 0.0, w, h).ok()?;
                let pixels = js::get(&js::get(image.as_ref(), "data"), "buffer");
                wd.next_id += 1;
                let id = wd.next_id;
                let msg = js::obj(&[
                    ("id", JsValue::from(id)),
                    ("width", JsValue::from(w)),
                    ("height", JsValue::from(h)),
                    ("pixels", pixels.clone()),
                ]);
                // Transferred, not copied: the frame's bytes move to the worker.
                wd.worker
                    .post_message_with_transfer(&msg, &js::arr(&[pixels]))
                    .ok()?;
                let replies = &mut wd.replies;
                let reply = js::with_timeout(WORKER_REPLY_MS, async move {
                    while let Some(r) = replies.next().await {
                        if js::get(&r, "id").as_f64() == Some(f64::from(id)) {
                            return Some(r);
                        }
                    }
                    None
                })
                .await
                .flatten()?;
                if js::get(&reply, "fatal").is_truthy() {
                    // The worker closed itself after a trap: the next frame gets a new one.
                    let url = wd.url.clone();
                    *self = Decoder::worker(&url);
                    return None;
                }
                js::get(&reply, "texts")
                    .dyn_into::<Array>()
                    .ok()?
                    .get(0)
                    .as_string()
            }
        }
    }
}

/// The viewfinder over the app: video, a guide frame, a hint, and torch / photo / close.
/// Removed from the page when dropped.
struct Overlay {
    root: Element,
    video: HtmlVideoElement,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    hint: Element,
    torch: Element,
    _listeners: [EventListener; 3],
}

impl Overlay {
    fn open(doc: &Document, l: Lang, tx: &mpsc::UnboundedSender<Event>) -> Overlay {
        let el = |tag: &str, class: &str| {
            let e = doc
                .create_element(tag)
                .unwrap_or_else(|_| wasm_bindgen::throw_str("unreachable: literal tag names"));
            e.set_class_name(class);
            e
        };
        let attr = |e: &Element, k: &str, v: &str| {
            let _ = e.set_attribute(k, v);
        };
        let root = el("div", "camera");
        attr(&root, "role", "dialog");
        attr(&root, "aria-modal", "true");
        attr(&root, "aria-label", t(l, Key::Title));
        attr(&root, "data-testid", "camera");
        let video = el("video", "camera-video");
        for (k, v) in [("playsinline", ""), ("muted", ""), ("autoplay", "")] {
            attr(&video, k, v);
        }
        attr(&video, "data-testid", "camera-video");
        let guide = el("div", "camera-guide");
        attr(&guide, "aria-hidden", "true");
        let hint = el("p", "camera-hint");
        attr(&hint, "role", "status");
        attr(&hint, "data-testid", "camera-hint");
        hint.set_text_content(Some(t(l, Key::Prompt)));
        let bar = el("div", "camera-bar");
        let torch = el("button", "btn");
        attr(&torch, "type", "button");
        attr(&torch, "hidden", "");
        attr(&torch, "aria-pressed", "false");
        attr(&torch, "data-testid", "camera-torch");
        torch.set_text_content(Some(t(l, Key::Torch)));
        let photo = el("label", "btn");
        photo.set_text_content(Some(t(l, Key::Photo)));
        let input = el("input", "sr-only");
        attr(&input, "type", "file");
        attr(&input, "accept", "image/*");
        attr(&input, "data-testid", "camera-photo");
        let _ = photo.append_child(&input);
        let close = el("button", "btn primary");
        attr(&close, "type", "button");
        attr(&close, "data-testid", "camera-close");
        close.set_text_content(Some(t(l, Key::Close)));
        for c in [&torch, &photo, &close] {
            let _ = bar.append_child(c);
        }
        for c in [&video, &guide, &hint, &bar] {
            let _ = root.append_child(c);
        }
        if let Some(body) = doc.body() {
            let _ = body.append_child(&root);
        }
        let send = |ev: fn() -> Event| {
            let tx = tx.clone();
            move |_: &web_sys::Event| {
                let _ = tx.unbounded_send(ev());
            }
        };
        let on_file = {
            let tx = tx.clone();
            let input = input.clone();
            move |_: &web_sys::Event| {
                let file = js::get(&js::get(input.as_ref(), "files"), "0");
                if js::is_object(&file) {
                    let _ = tx.unbounded_send(Event::Photo(file));
                }
            }
        };
        let listeners = [
            EventListener::new(&close, "click", send(|| Event::Close)),
            EventListener::new(&torch, "click", send(|| Event::Torch)),
            EventListener::new(&input, "change", on_file),
        ];
        let canvas: HtmlCanvasElement = el("canvas", "").unchecked_into();
        let ctx = canvas
            .get_context_with_context_options(
                "2d",
                &js::obj(&[("willReadFrequently", JsValue::TRUE)]),
            )
            .ok()
            .flatten()
            .unwrap_or_else(|| wasm_bindgen::throw_str("unreachable: a canvas has a 2d context"))
            .unchecked_into();
        let _ = close.dyn_ref::<web_sys::HtmlElement>().map(|b| b.focus());
        Overlay {
            root,
            video: video.unchecked_into(),
            canvas,
            ctx,
            hint,
            torch,
            _listeners: listeners,
        }
    }

    fn size_canvas(&self, w: f64, h: f64) {
        // Setting a size clears the canvas even when unchanged: set it only when it changes.
        if f64::from(self.canvas.width()) != w || f64::from(self.canvas.height()) != h {
            self.canvas.set_width(w as u32);
            self.canvas.set_height(h as u32);
        }
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        self.video.set_src_object(None);
        self.root.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn frames_shrink_to_the_bound_and_never_grow() {
        assert_eq!(fit(1280.0, 720.0, 640.0), (640.0, 360.0));
        assert_eq!(fit(720.0, 1280.0, 640.0), (360.0, 640.0));
        assert_eq!(fit(320.0, 240.0, 640.0), (320.0, 240.0));
    }
}
