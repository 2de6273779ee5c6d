//! Small JavaScript helpers shared by the host adapters: the hosts' objects by name (each
//! path written once here), property access, posting messages, timeouts, and waiting for
//! one matching reply event with an owned listener.
//!
//! Not an `extern "C"` block of typed bindings: one was measured (2026-11-28) at +1.0 KB
//! brotli of first load (eleven more imports in the wasm and the glue) for the same calls,
//! so the adapters go through `Reflect` as before (docs/BENCHMARKS.md).

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::{select, Either};
use gloo_events::EventListener;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Window;

use crate::types::HostError;

pub type Result<T> = core::result::Result<T, HostError>;

/// `window.AndroidBridge`: Aitu's and VK's Android object (the same name for both);
/// `undefined` when the page has none.
pub fn android_bridge() -> JsValue {
    get(window().as_ref(), "AndroidBridge")
}

/// `window.webkit.messageHandlers` (iOS WKWebView); `undefined` when the page has none.
pub fn message_handlers() -> JsValue {
    get(&get(window().as_ref(), "webkit"), "messageHandlers")
}

/// `window.TelegramWebviewProxy` (Telegram's native clients); `undefined` when absent.
pub fn telegram_webview_proxy() -> JsValue {
    get(window().as_ref(), "TelegramWebviewProxy")
}

/// A thrown JavaScript value as a typed error.
pub fn bridge_error(e: &JsValue) -> HostError {
    HostError::Bridge(error_text(e))
}

/// A thrown JavaScript value as text.
pub fn error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string()
        .unwrap_or_else(|| String::from("unknown error"))
}

/// Resolves after the next frame has been painted (a `requestAnimationFrame` callback,
/// then a task), or after 200 ms where frames do not run (a hidden frame). Both timers
/// resolve the same promise: the second call does nothing.
pub async fn after_paint() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        let w = window();
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 200);
        let _ = call_method(w.as_ref(), "requestAnimationFrame", &[resolve.into()]);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// `(top, right, bottom, left)` of a host's insets object, in CSS px, never negative.
pub fn insets(o: &JsValue) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (v, k) in out.iter_mut().zip(["top", "right", "bottom", "left"]) {
        *v = get(o, k).as_f64().unwrap_or(0.0).max(0.0);
    }
    out
}

/// Runs `fut` for at most `ms` milliseconds; `None` when time ran out (the future is
/// dropped, which cancels it).
pub async fn with_timeout<T>(ms: u32, fut: impl Future<Output = T>) -> Option<T> {
    let fut = Box::pin(fut);
    let timer = gloo_timers::future::TimeoutFuture::new(ms);
    match select(fut, timer).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}

pub fn window() -> Window {
    web_sys::window().expect("unreachable: the app runs in a window")
}

/// `o[name]`, or `undefined` when `o` is not an object or the getter throws.
pub fn get(o: &JsValue, name: &str) -> JsValue {
    if !is_object(o) && !o.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub fn is_object(v: &JsValue) -> bool {
    v.is_object() || v.is_function()
}

pub fn set(o: &JsValue, name: &str, v: &JsValue) {
    // Setting a property on a plain object we created cannot throw.
    let _ = Reflect::set(o, &JsValue::from_str(name), v);
}

/// A plain object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

pub fn arr(items: &[JsValue]) -> JsValue {
    items.iter().collect::<Array>().into()
}

/// `JSON.stringify(v)`; `"{}"` for what cannot be stringified.
pub fn stringify(v: &JsValue) -> String {
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| String::from("{}"))
}

/// Calls `o[method](...args)`; fails when it is not a function or it throws.
pub fn call_method(o: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue> {
    let f = get(o, method);
    let f: &Function = f
        .dyn_ref::<Function>()
        .ok_or_else(|| HostError::Bridge(String::from("no such bridge method")))?;
    let args: Array = args.iter().collect();
    f.apply(o, &args).map_err(|e| bridge_error(&e))
}

pub fn in_iframe() -> bool {
    let w = window();
    match w.top() {
        Ok(Some(top)) => {
            let a: &JsValue = top.as_ref();
            let b: &JsValue = w.as_ref();
            !Object::is(a, b)
        }
        // A cross-origin top that cannot even be read is a frame.
        _ => true,
    }
}

/// Whether a `message` event came from `expected` (compared by identity): a frame that
/// is not the host cannot pass this, whatever origin it has.
pub fn from_window(m: &web_sys::MessageEvent, expected: Option<Window>) -> bool {
    match (m.source(), expected) {
        (Some(src), Some(w)) => {
            let a: &JsValue = src.as_ref();
            let b: &JsValue = w.as_ref();
            Object::is(a, b)
        }
        _ => false,
    }
}

pub fn local_get(key: &str) -> Option<String> {
    window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(key)
        .ok()
        .flatten()
}

pub fn local_set(key: &str, value: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        // Storage full or disabled: the cache is only a cache.
        let _ = s.set_item(key, value);
    }
}

pub fn local_remove(key: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        let _ = s.remove_item(key);
    }
}

/// Dispatches `new CustomEvent(name, {detail})` on the window.
pub fn dispatch_custom(name: &str, detail: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = window().dispatch_event(&ev);
    }
}

/// The `detail` of a CustomEvent (undefined for other events).
pub fn detail(e: &web_sys::Event) -> JsValue {
    e.dyn_ref::<web_sys::CustomEvent>()
        .map(|c| c.detail())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Listens for `event` on the window until `pick` returns `Some`, or `ms` pass.
/// `send` runs after the listener is in place (so a synchronous reply is not missed).
/// Dropping the returned future removes the listener: that is the cancel path.
pub async fn request<R: 'static>(
    event: &str,
    ms: u32,
    pick: impl Fn(&web_sys::Event) -> Option<R> + 'static,
    send: impl FnOnce() -> Result<()>,
) -> Result<R> {
    let (tx, rx) = oneshot::channel::<R>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let listener = {
        let tx = tx.clone();
        EventListener::new(&window(), event.to_owned(), move |e| {
            if let Some(r) = pick(e) {
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(r);
                }
            }
        })
    };
    send()?;
    let out = with_timeout(ms, rx).await;
    drop(listener);
    match out {
        Some(Ok(r)) => Ok(r),
        Some(Err(_)) | None => Err(HostError::Timeout),
    }
}

/// Back through the page's history, for hosts whose back control is the browser's (the
/// browser, VK's Android back button and iOS swipe). While an inner screen is shown one
/// history entry of ours is on top: the back control pops it (and we go back instead of
/// the host closing the app); leaving the inner screen by the app's own buttons pops it
/// quietly, so the history never grows.
#[derive(Default)]
pub struct HistoryBack {
    state: std::rc::Rc<HistoryState>,
    listener: RefCell<Option<EventListener>>,
}

#[derive(Default)]
struct HistoryState {
    /// Our entry is on top.
    pushed: std::cell::Cell<bool>,
    /// The next `popstate` is our own `history.back()`.
    ignore_next: std::cell::Cell<bool>,
}

impl HistoryBack {
    pub fn set_visible(&self, visible: bool) {
        // Through Reflect, as the adapters do (typed History bindings cost glue bytes).
        let history = get(window().as_ref(), "history");
        let s = &self.state;
        if visible && !s.pushed.get() {
            let marker = obj(&[("ashyq", JsValue::TRUE)]);
            if call_method(&history, "pushState", &[marker, JsValue::from_str("")]).is_ok() {
                s.pushed.set(true);
            }
        } else if !visible && s.pushed.get() {
            s.pushed.set(false);
            s.ignore_next.set(true);
            let _ = call_method(&history, "back", &[]);
        }
    }

    pub fn on_back(&self, f: Box<dyn Fn()>) {
        let s = self.state.clone();
        let l = EventListener::new(&window(), "popstate", move |_| {
            if s.ignore_next.replace(false) {
                return;
            }
            if s.pushed.replace(false) {
                f();
            }
        });
        *self.listener.borrow_mut() = Some(l);
    }
}
