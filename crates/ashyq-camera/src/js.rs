//! The few JavaScript helpers the scanner needs: property access and calls by name for the
//! APIs web-sys does not type for us (torch constraints, `BarcodeDetector`,
//! `createImageBitmap`), plain objects, and a timeout.

use std::future::Future;

use futures_util::future::{select, Either};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Window;

pub fn window() -> Window {
    web_sys::window().expect("unreachable: the scanner runs in a window")
}

/// `o[name]`, or `undefined` when `o` is not an object or the getter throws.
pub fn get(o: &JsValue, name: &str) -> JsValue {
    if !is_object(o) {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub fn is_object(v: &JsValue) -> bool {
    v.is_object() || v.is_function()
}

/// A plain object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in pairs {
        // Setting a property on a plain object we created cannot throw.
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

pub fn arr(items: &[JsValue]) -> JsValue {
    items.iter().collect::<Array>().into()
}

/// Calls `o[method](...args)`; `Err` with what was thrown, or `undefined` when it is not a
/// function.
pub fn call_method(o: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f = get(o, method);
    let f: &Function = f.dyn_ref::<Function>().ok_or(JsValue::UNDEFINED)?;
    let args: Array = args.iter().collect();
    f.apply(o, &args)
}

/// A thrown JavaScript value as text.
pub fn error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string()
        .unwrap_or_else(|| String::from("unknown error"))
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
