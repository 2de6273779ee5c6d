//! Browser tests of every host adapter and transport against a simulated host that records
//! calls and answers in that host's exact message shapes (DESIGN §5): scan success, cancel,
//! error, no answer (timeout); and host detection.
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p ashyq`
#![cfg(target_arch = "wasm32")]

use ashyq::host::aitu::Aitu;
use ashyq::host::detect::{detect, read_env};
use ashyq::host::telegram::Telegram;
use ashyq::host::vk::Vk;
use ashyq::host::{Host, HostEvent, Theme, Timeouts};
use ashyq::types::{AituTransport, HostError, HostKind, Proof, TelegramTransport, VkTransport};
use ashyq_core::api::{HostProof, SessionRequest};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The simulated hosts. `sim(host, transport, mode, text)` installs one (removing any
/// other) and records every call in `window.__calls` as JSON of exactly what arrived.
/// Modes: ok (scan `text`), cancel, deny, never (no answer).
const SIM: &str = r#"
const w = window;
w.__calls = [];
delete w.AndroidBridge; delete w.webkit; delete w.TelegramWebviewProxy;
if (w.__simListener) { w.removeEventListener('message', w.__simListener); w.__simListener = null; }
try { localStorage.removeItem('mini-app-domain'); } catch (e) {}
const later = (f) => setTimeout(f, 5);
const rec = (x) => w.__calls.push(JSON.stringify(x));

function aituReply(reqId, body) {
  const detail = Object.assign({ reqId }, body);
  if (transport === 'web') w.postMessage(detail, location.origin);
  else w.dispatchEvent(new CustomEvent('aituEvents', { detail }));
}
function aituAnswer(method, reqId, args) {
  if (method === 'getQr') {
    if (mode === 'ok') later(() => aituReply(reqId, { data: text }));
    if (mode === 'cancel') later(() => aituReply(reqId, { error: { code: 'cancelled', msg: 'closed by user' } }));
    if (mode === 'deny') later(() => aituReply(reqId, { error: { code: 'permission_denied', msg: 'permission deny' } }));
  } else if (method === 'invoke') {
    if (args[0] === 'GetMe') later(() => aituReply(reqId, { data: { id: 'u-1', name: 'Айгерим', lastname: 'Сейтқали', avatar: '', sign: 'me-sign' } }));
    else if (args[0] === 'GetPhone') later(() => aituReply(reqId, { data: { phone: '+77010000001', sign: 'phone-sign' } }));
  } else if (method === 'storage') {
    later(() => aituReply(reqId, { data: null }));
  }
}
function tgEmit(type, data) {
  if (transport === 'native') w.Telegram.WebView.receiveEvent(type, data);
  else w.postMessage(JSON.stringify({ eventType: type, eventData: data }), '*');
}
let tgOpens = 0;
function tgAnswer(type, data) {
  if (mode === 'foreign') {
    // A menu QR first; the client reports the app's own close; then the poster.
    if (type === 'web_app_open_scan_qr_popup') {
      tgOpens += 1;
      if (tgOpens === 1) later(() => tgEmit('qr_text_received', { data: 'https://example.com/menu' }));
      else setTimeout(() => tgEmit('qr_text_received', { data: text }), 40);
    }
    if (type === 'web_app_close_scan_qr_popup' && tgOpens === 1) later(() => tgEmit('scan_qr_popup_closed', null));
    return;
  }
  if (type === 'web_app_open_scan_qr_popup') {
    if (mode === 'ok') later(() => tgEmit('qr_text_received', { data: text }));
    if (mode === 'cancel' || mode === 'deny') later(() => tgEmit('scan_qr_popup_closed', null));
  }
}
function vkEmit(type, data) {
  if (transport === 'web') w.postMessage({ type, data }, '*');
  else w.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type, data } }));
}
function vkAnswer(method, params) {
  const id = params && params.request_id;
  if (method === 'VKWebAppInit') later(() => vkEmit('VKWebAppInitResult', { result: true, request_id: id }));
  if (method === 'VKWebAppOpenCodeReader') {
    if (mode === 'ok') later(() => vkEmit('VKWebAppOpenCodeReaderResult', { code_data: text, request_id: id }));
    if (mode === 'cancel') later(() => vkEmit('VKWebAppOpenCodeReaderFailed', { error_type: 'client_error', error_data: { error_code: 4, error_reason: 'User denied' }, request_id: id }));
    if (mode === 'deny') later(() => vkEmit('VKWebAppOpenCodeReaderFailed', { error_type: 'client_error', error_data: { error_code: 4, error_reason: 'User denied', error_description: 'Camera permission denied' }, request_id: id }));
  }
}

const AITU = ['getQr', 'invoke', 'storage', 'setTitle', 'vibrate', 'closeApplication', 'setCustomBackArrowMode', 'setCustomBackArrowVisible', 'disableScreenCapture', 'disableSwipeBack', 'enableScreenCapture', 'enableSwipeBack', 'openSettings'];
const VK = ['VKWebAppInit', 'VKWebAppOpenCodeReader', 'VKWebAppClose', 'VKWebAppSetTitle', 'VKWebAppTapticNotificationOccurred', 'VKWebAppSetViewSettings', 'VKWebAppSetSwipeSettings'];
if (host === 'aitu' && transport === 'android') {
  w.AndroidBridge = {};
  for (const m of AITU) w.AndroidBridge[m] = function () {
    const args = [...arguments];
    rec({ method: m, args });
    const rest = args.slice(1);
    aituAnswer(m, args[0], (m === 'invoke' || m === 'storage') ? [rest[0], JSON.parse(rest[1])] : rest);
  };
} else if (host === 'aitu' && transport === 'ios') {
  const h = {};
  for (const m of AITU) h[m] = { postMessage: (msg) => { rec({ method: m, msg }); aituAnswer(m, msg.reqId, [msg.method, msg.data]); } };
  w.webkit = { messageHandlers: h };
} else if (host === 'aitu' && transport === 'web') {
  localStorage.setItem('mini-app-domain', location.origin);
  w.__simListener = (e) => { const d = e.data; if (d && d.source === 'aitu-bridge') { rec(d); aituAnswer(d.method, d.reqId, d.payload); } };
  w.addEventListener('message', w.__simListener);
} else if (host === 'telegram' && transport === 'native') {
  w.TelegramWebviewProxy = { postEvent: (type, json) => { rec({ type, json }); tgAnswer(type, json === undefined ? undefined : JSON.parse(json)); } };
} else if (host === 'telegram' && transport === 'web') {
  w.__simListener = (e) => {
    if (typeof e.data !== 'string') return;
    let m; try { m = JSON.parse(e.data); } catch (x) { return; }
    if (m && typeof m.eventType === 'string' && m.eventType.startsWith('web_app_')) { w.__calls.push(e.data); tgAnswer(m.eventType, m.eventData); }
  };
  w.addEventListener('message', w.__simListener);
} else if (host === 'vk' && transport === 'android') {
  w.AndroidBridge = {};
  for (const m of VK) w.AndroidBridge[m] = (json) => { rec({ method: m, json }); vkAnswer(m, JSON.parse(json)); };
} else if (host === 'vk' && transport === 'ios') {
  const h = {};
  for (const m of VK) h[m] = { postMessage: (p) => { rec({ method: m, params: p }); vkAnswer(m, p); } };
  w.webkit = { messageHandlers: h };
} else if (host === 'vk' && transport === 'web') {
  w.__simListener = (e) => { const d = e.data; if (d && d.type === 'vk-connect') { rec(d); vkAnswer(d.handler, d.params); } };
  w.addEventListener('message', w.__simListener);
} else if (host === 'chrome-ios') {
  // Chrome on iOS: webkit.messageHandlers exists, with neither Aitu's nor VK's handlers.
  w.webkit = { messageHandlers: { crWebInvokeHandler: { postMessage: () => {} } } };
}
"#;

fn sim(host: &str, transport: &str, mode: &str, text: &str) {
    let f = js_sys::Function::new_with_args("host, transport, mode, text", SIM);
    f.call4(
        &JsValue::NULL,
        &host.into(),
        &transport.into(),
        &mode.into(),
        &text.into(),
    )
    .expect("the simulator installs");
}

/// What the simulated host received, one JSON text per call.
fn calls() -> Vec<String> {
    let w = web_sys::window().expect("window");
    let arr = js_sys::Reflect::get(&w, &"__calls".into()).expect("calls");
    js_sys::Array::from(&arr)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

fn clear_calls() {
    js_sys::Function::new_no_args("window.__calls = [];")
        .call0(&JsValue::NULL)
        .expect("clears");
}

/// Every event `h` reports from now on.
fn events(h: &dyn Host) -> std::rc::Rc<std::cell::RefCell<Vec<HostEvent>>> {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let s = seen.clone();
    h.on_event(std::rc::Rc::new(move |e| s.borrow_mut().push(e)));
    seen
}

/// How many of `seen` are `want`.
fn count(seen: &std::cell::RefCell<Vec<HostEvent>>, want: HostEvent) -> usize {
    seen.borrow().iter().filter(|e| **e == want).count()
}

fn fast() -> Timeouts {
    Timeouts {
        scan_ms: 300,
        bridge_ms: 300,
    }
}

const CODE: &str = "ASHYQ1:abc.def";

/// Runs the four scan cases for one adapter factory.
async fn scan_cases<H: Host>(host: &str, transport: &str, make: impl Fn() -> H, deny: HostError) {
    sim(host, transport, "ok", CODE);
    assert_eq!(
        make().scan_qr().await,
        Ok(String::from(CODE)),
        "{host}/{transport} ok"
    );
    sim(host, transport, "cancel", CODE);
    assert_eq!(
        make().scan_qr().await,
        Err(HostError::Cancelled),
        "{host}/{transport} cancel"
    );
    sim(host, transport, "deny", CODE);
    assert_eq!(make().scan_qr().await, Err(deny), "{host}/{transport} deny");
    sim(host, transport, "never", CODE);
    let started = js_sys::Date::now();
    assert_eq!(
        make().scan_qr().await,
        Err(HostError::Timeout),
        "{host}/{transport} never"
    );
    let waited = js_sys::Date::now() - started;
    assert!(
        (250.0..3000.0).contains(&waited),
        "timed out after {waited} ms"
    );
}

// ---------------------------------------------------------------- Aitu

#[wasm_bindgen_test]
async fn aitu_android_speaks_android_bridge() {
    scan_cases(
        "aitu",
        "android",
        || Aitu::new(AituTransport::Android, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("aitu", "android", "ok", CODE);
    Aitu::new(AituTransport::Android, fast())
        .scan_qr()
        .await
        .expect("scans");
    // getQr(reqId): the request id is the only argument.
    assert_eq!(calls()[0], r#"{"method":"getQr","args":["getQr:1"]}"#);
    let proof = Aitu::new(AituTransport::Android, fast())
        .proof()
        .await
        .expect("proof");
    let Some(p @ Proof::Aitu { .. }) = proof else {
        panic!("expected an Aitu proof, got {proof:?}")
    };
    // The session body carries both results verbatim, `sign` and empty `avatar` included,
    // as the server's serde reads them into `HostProof::Aitu`.
    let body = ashyq::json::session_request(&p);
    let req: SessionRequest = serde_json::from_str(&body).expect("a session request");
    assert_eq!(
        req.proof,
        HostProof::Aitu {
            me: serde_json::json!({
                "id": "u-1", "name": "Айгерим", "lastname": "Сейтқали", "avatar": "", "sign": "me-sign"
            }),
            phone: serde_json::json!({ "phone": "+77010000001", "sign": "phone-sign" }),
        }
    );
    assert!(
        body.starts_with(r#"{"proof":{"kind":"aitu","me":{"#),
        "{body}"
    );
    // invoke(reqId, method, JSON.stringify(data)).
    let c = calls();
    assert_eq!(
        c[1],
        r#"{"method":"invoke","args":["GetMe:invoke:1","GetMe","{}"]}"#
    );
    assert_eq!(
        c[2],
        r#"{"method":"invoke","args":["GetPhone:invoke:2","GetPhone","{}"]}"#
    );
}

#[wasm_bindgen_test]
async fn aitu_ios_posts_to_message_handlers() {
    scan_cases(
        "aitu",
        "ios",
        || Aitu::new(AituTransport::Ios, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("aitu", "ios", "ok", CODE);
    let a = Aitu::new(AituTransport::Ios, fast());
    a.scan_qr().await.expect("scans");
    a.proof().await.expect("proof");
    let c = calls();
    assert_eq!(c[0], r#"{"method":"getQr","msg":{"reqId":"getQr:1"}}"#);
    assert_eq!(
        c[1],
        r#"{"method":"invoke","msg":{"reqId":"GetMe:invoke:2","method":"GetMe","data":{}}}"#
    );
}

#[wasm_bindgen_test]
async fn aitu_web_posts_to_top_with_the_aitu_origin() {
    sim("aitu", "web", "ok", CODE);
    scan_cases(
        "aitu",
        "web",
        || Aitu::new(AituTransport::Web, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("aitu", "web", "ok", CODE);
    let a = Aitu::new(AituTransport::Web, fast());
    assert_eq!(a.scan_qr().await, Ok(String::from(CODE)));
    assert_eq!(
        calls()[0],
        r#"{"source":"aitu-bridge","method":"getQr","reqId":"getQr:1","payload":[]}"#
    );
    a.proof().await.expect("proof");
    assert_eq!(
        calls()[1],
        r#"{"source":"aitu-bridge","method":"invoke","reqId":"GetMe:invoke:2","payload":["GetMe",{}]}"#
    );
}

#[wasm_bindgen_test]
async fn aitu_web_ignores_replies_from_other_origins() {
    sim("aitu", "web", "never", CODE);
    let a = Aitu::new(AituTransport::Web, fast());
    let w = web_sys::window().expect("window");
    // A reply for getQr:1 posted with a foreign origin is not delivered as an aituEvent.
    let forge = js_sys::Function::new_no_args(
        "setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: { reqId: 'getQr:1', data: 'ASHYQ1:forged' }, origin: 'https://evil.example' })), 20);",
    );
    forge.call0(&w).expect("forges");
    assert_eq!(a.scan_qr().await, Err(HostError::Timeout));
}

// ---------------------------------------------------------------- Telegram

fn tg_web() -> Telegram {
    let origin = web_sys::window()
        .expect("w")
        .location()
        .origin()
        .expect("origin");
    Telegram::with_target_origin(TelegramTransport::Web, fast(), origin)
}

#[wasm_bindgen_test]
async fn telegram_native_uses_the_webview_proxy() {
    scan_cases(
        "telegram",
        "native",
        || Telegram::new(TelegramTransport::Native, fast()),
        HostError::Cancelled,
    )
    .await;
    sim("telegram", "native", "ok", CODE);
    Telegram::new(TelegramTransport::Native, fast())
        .scan_qr()
        .await
        .expect("scans");
    let c = calls();
    assert!(
        c[0].starts_with(r#"{"type":"web_app_open_scan_qr_popup","json":"{\"text\":"#),
        "{}",
        c[0]
    );
    // After a scan the app closes the popup itself.
    assert_eq!(c[1], r#"{"type":"web_app_close_scan_qr_popup"}"#);
}

#[wasm_bindgen_test]
async fn telegram_web_posts_json_strings_to_the_parent() {
    scan_cases("telegram", "web", tg_web, HostError::Cancelled).await;
    // Let the last case's close message (posted asynchronously) arrive before recording anew.
    gloo_timers::future::TimeoutFuture::new(50).await;
    sim("telegram", "web", "ok", CODE);
    tg_web().scan_qr().await.expect("scans");
    gloo_timers::future::TimeoutFuture::new(50).await;
    let c = calls();
    assert!(
        c[0].starts_with(r#"{"eventType":"web_app_open_scan_qr_popup","eventData":{"text":"#),
        "{}",
        c[0]
    );
    assert_eq!(c[1], r#"{"eventType":"web_app_close_scan_qr_popup"}"#);
}

#[wasm_bindgen_test]
async fn telegram_keeps_scanning_past_a_foreign_qr_with_a_hint() {
    sim("telegram", "native", "foreign", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    assert_eq!(tg.scan_qr().await, Ok(String::from(CODE)));
    let c = calls();
    let opens: Vec<&String> = c
        .iter()
        .filter(|x| x.contains("web_app_open_scan_qr_popup"))
        .collect();
    assert_eq!(opens.len(), 2, "{c:?}");
    // The second popup carries the hint (Russian: no language in the launch data).
    assert!(opens[1].contains("Это не код Ashyq"), "{}", opens[1]);
    assert!(
        c.iter()
            .any(|x| x.contains("web_app_trigger_haptic_feedback")),
        "{c:?}"
    );
    assert_eq!(
        c.last().map(String::as_str),
        Some(r#"{"type":"web_app_close_scan_qr_popup"}"#)
    );
}

#[wasm_bindgen_test]
async fn telegram_takes_a_pass_at_once_for_the_door_staff() {
    let pass = "ASHYQP1:gQECAwQ.c2ln";
    sim("telegram", "native", "ok", pass);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    assert_eq!(tg.scan_qr().await, Ok(String::from(pass)));
    let opens = calls()
        .iter()
        .filter(|x| x.contains("web_app_open_scan_qr_popup"))
        .count();
    assert_eq!(opens, 1, "a pass is no foreign QR: no second popup");
}

#[wasm_bindgen_test]
async fn telegram_timeout_closes_the_popup() {
    sim("telegram", "native", "never", CODE);
    assert_eq!(
        Telegram::new(TelegramTransport::Native, fast())
            .scan_qr()
            .await,
        Err(HostError::Timeout)
    );
    assert_eq!(
        calls().last().map(String::as_str),
        Some(r#"{"type":"web_app_close_scan_qr_popup"}"#)
    );
}

#[wasm_bindgen_test]
async fn telegram_proof_is_the_raw_init_data() {
    sim("telegram", "native", "ok", CODE);
    let w = web_sys::window().expect("w");
    let init = "query_id=AA1&user=%7B%22id%22%3A7%2C%22language_code%22%3A%22kk%22%7D&auth_date=1800000000&hash=ab12";
    let mut hash = String::from("#tgWebAppData=");
    hash.push_str(&ashyq_core::encoding::uri_component_encode(init));
    hash.push_str("&tgWebAppVersion=7.10&tgWebAppPlatform=ios");
    w.location().set_hash(&hash).expect("hash");
    let tg = Telegram::new(TelegramTransport::Native, fast());
    let proof = tg.proof().await;
    w.location().set_hash("").expect("hash");
    assert_eq!(
        proof,
        Ok(Some(Proof::Telegram {
            init_data: String::from(init)
        }))
    );
    assert_eq!(tg.language().as_deref(), Some("kk"));
}

// ---------------------------------------------------------------- VK

#[wasm_bindgen_test]
async fn vk_android_sends_json_strings() {
    scan_cases(
        "vk",
        "android",
        || Vk::new(VkTransport::Android, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("vk", "android", "ok", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    vk.ready().await;
    vk.scan_qr().await.expect("scans");
    let c = calls();
    // VKWebAppInit goes first.
    assert_eq!(
        c[0],
        with_instance(
            r#"{"method":"VKWebAppInit","json":"{\"request_id\":\"1_III\"}"}"#,
            &c[0]
        )
    );
    assert_eq!(
        c[1],
        with_instance(
            r#"{"method":"VKWebAppOpenCodeReader","json":"{\"request_id\":\"2_III\"}"}"#,
            &c[1]
        )
    );
}

#[wasm_bindgen_test]
async fn vk_ios_posts_params_objects() {
    scan_cases(
        "vk",
        "ios",
        || Vk::new(VkTransport::Ios, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("vk", "ios", "ok", CODE);
    let vk = Vk::new(VkTransport::Ios, fast());
    vk.scan_qr().await.expect("scans");
    let c = calls();
    assert_eq!(
        c[0],
        with_instance(
            r#"{"method":"VKWebAppOpenCodeReader","params":{"request_id":"1_III"}}"#,
            &c[0]
        )
    );
}

#[wasm_bindgen_test]
async fn vk_web_posts_vk_connect_messages() {
    scan_cases(
        "vk",
        "web",
        || Vk::new(VkTransport::Web, fast()),
        HostError::PermissionDenied,
    )
    .await;
    sim("vk", "web", "ok", CODE);
    Vk::new(VkTransport::Web, fast())
        .scan_qr()
        .await
        .expect("scans");
    // As vk-bridge 2.15 posts it: `webFrameId` (absent until the host names the frame)
    // and `connectVersion`.
    let c = calls();
    assert_eq!(
        c[0],
        with_instance(
            r#"{"handler":"VKWebAppOpenCodeReader","params":{"request_id":"1_III"},"type":"vk-connect","connectVersion":"2.15.0"}"#,
            &c[0]
        )
    );
}

#[wasm_bindgen_test]
async fn vk_replies_for_other_requests_are_ignored() {
    sim("vk", "android", "never", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    let w = web_sys::window().expect("window");
    let stray = js_sys::Function::new_no_args(
        "setTimeout(() => window.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type: 'VKWebAppOpenCodeReaderResult', data: { code_data: 'ASHYQ1:other', request_id: '99_other' } } })), 20);",
    );
    stray.call0(&w).expect("posts");
    assert_eq!(vk.scan_qr().await, Err(HostError::Timeout));
}

// ---------------------------------------------------------------- detection

#[wasm_bindgen_test]
fn detection_tells_every_host_apart() {
    let cases = [
        ("aitu", "android", HostKind::Aitu(AituTransport::Android)),
        ("aitu", "ios", HostKind::Aitu(AituTransport::Ios)),
        ("vk", "android", HostKind::Vk(VkTransport::Android)),
        ("vk", "ios", HostKind::Vk(VkTransport::Ios)),
        (
            "telegram",
            "native",
            HostKind::Telegram(TelegramTransport::Native),
        ),
        // Chrome on iOS has webkit.messageHandlers without `invoke`: a plain browser.
        ("chrome-ios", "", HostKind::Browser),
        ("none", "", HostKind::Browser),
        // Aitu's web transport needs a frame: a cached domain at the top level is a browser.
        ("aitu", "web", HostKind::Browser),
    ];
    for (host, transport, want) in cases {
        sim(host, transport, "ok", CODE);
        assert_eq!(detect(&read_env()), want, "{host}/{transport}");
    }
    sim("none", "", "ok", CODE);
}

/// Chrome on iOS exposes `webkit.messageHandlers` too, with its own handlers but not Aitu's
/// `invoke`: a plain browser. The same page with an `invoke` handler is Aitu on iOS, so
/// detection looks at that handler, not at `messageHandlers` alone.
#[wasm_bindgen_test]
fn chrome_on_ios_is_not_aitu() {
    sim("chrome-ios", "", "ok", CODE);
    let env = read_env();
    assert!(!env.ios_aitu, "{env:?}");
    assert_eq!(detect(&env), HostKind::Browser);
    js_sys::Function::new_no_args(
        "window.webkit.messageHandlers.invoke = { postMessage: () => {} };",
    )
    .call0(&JsValue::NULL)
    .expect("adds a handler");
    assert_eq!(detect(&read_env()), HostKind::Aitu(AituTransport::Ios));
    sim("none", "", "ok", CODE);
}

/// `template` with `III` replaced by the random instance id found in `actual`'s
/// `request_id` (three base36 characters, as vk-bridge makes them).
fn with_instance(template: &str, actual: &str) -> String {
    let at = actual.find("request_id").expect("a request id");
    let rest = &actual[at + "request_id".len()..];
    let us = rest.find('_').expect("n_instance");
    let id: String = rest[us + 1..].chars().take(3).collect();
    assert!(
        id.len() == 3
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()),
        "instance id {id:?} in {actual}"
    );
    template.replace("III", &id)
}

// ---------------------------------------------------------------- foreign frames

/// Runs `body` as a script of a new same-origin child frame (`frame = true`), or of this
/// window itself (`frame = false`, the control: the same forgery sent by the host's window
/// is accepted, so the message shapes are right and only the sender makes the difference).
/// The script sees `host` as the window the app runs in.
async fn forger(body: &str, frame: bool) {
    let install = if frame {
        "const f = document.createElement('iframe'); f.id = '__forger'; \
         f.srcdoc = '<script>const host = parent;' + body + '<' + '/script>'; \
         document.body.appendChild(f);"
    } else {
        "(new Function('host', body))(window);"
    };
    js_sys::Function::new_with_args("body", install)
        .call1(&JsValue::NULL, &body.into())
        .expect("installs the forger");
    // Let the frame load and run its script.
    gloo_timers::future::TimeoutFuture::new(150).await;
}

fn remove_forger() {
    js_sys::Function::new_no_args(
        "const f = document.getElementById('__forger'); if (f) f.remove();",
    )
    .call0(&JsValue::NULL)
    .expect("removes");
}

const FORGED: &str = "ASHYQ1:forged.by-a-stranger";

#[wasm_bindgen_test]
async fn vk_web_ignores_a_foreign_frame() {
    // The stranger sees our request (and its id) and answers it with a fake scan result.
    let body = "host.addEventListener('message', (e) => { const d = e.data; \
        if (d && d.type === 'vk-connect' && d.handler === 'VKWebAppOpenCodeReader') \
        host.postMessage({ type: 'VKWebAppOpenCodeReaderResult', data: { code_data: 'ASHYQ1:forged.by-a-stranger', request_id: d.params.request_id } }, '*'); });";
    for (frame, want) in [
        (true, Err(HostError::Timeout)),
        (false, Ok(String::from(FORGED))),
    ] {
        sim("vk", "web", "never", CODE);
        let vk = Vk::new(VkTransport::Web, fast());
        forger(body, frame).await;
        assert_eq!(vk.scan_qr().await, want, "from a frame: {frame}");
        remove_forger();
    }
}

#[wasm_bindgen_test]
async fn vk_web_sends_the_frame_id_the_host_names() {
    sim("vk", "web", "ok", CODE);
    let vk = Vk::new(VkTransport::Web, fast());
    js_sys::Function::new_no_args(
        "window.postMessage({ type: 'VKWebAppSettings', frameId: 7 }, '*');",
    )
    .call0(&JsValue::NULL)
    .expect("names the frame");
    gloo_timers::future::TimeoutFuture::new(30).await;
    vk.scan_qr().await.expect("scans");
    let c = calls();
    assert!(
        c[0].contains(r#""webFrameId":7,"connectVersion":"2.15.0""#),
        "{}",
        c[0]
    );
}

#[wasm_bindgen_test]
async fn aitu_web_ignores_a_foreign_frame() {
    // A same-origin frame (so the origin check alone would pass) answers our GetMe with a
    // fake identity and our getQr with a fake code.
    let body = "host.addEventListener('message', (e) => { const d = e.data; \
        if (d && d.source === 'aitu-bridge') host.postMessage(d.method === 'getQr' \
        ? { reqId: d.reqId, data: 'ASHYQ1:forged.by-a-stranger' } \
        : { reqId: d.reqId, data: { id: 'mallory', name: 'M', sign: 'x' } }, location.origin); });";
    for (frame, want) in [
        (true, Err(HostError::Timeout)),
        (false, Ok(String::from(FORGED))),
    ] {
        sim("aitu", "web", "never", CODE);
        let a = Aitu::new(AituTransport::Web, fast());
        forger(body, frame).await;
        assert_eq!(a.scan_qr().await, want, "from a frame: {frame}");
        if frame {
            // The simulated host answers GetMe a little later than the stranger: its
            // identity, not the stranger's, is the one taken.
            let proof = a.proof().await;
            let Ok(Some(Proof::Aitu { me, .. })) = &proof else {
                panic!("{proof:?}")
            };
            assert!(me.contains("u-1") && !me.contains("mallory"), "{me}");
        }
        remove_forger();
    }
}

#[wasm_bindgen_test]
async fn aitu_web_talks_only_to_allowed_origins() {
    // `__aitu-domain` (here its cached form) naming a stranger: nothing is posted to it and
    // nothing from it is believed.
    sim("aitu", "web", "never", CODE);
    let w = web_sys::window().expect("window");
    let ls = w.local_storage().expect("ls").expect("ls");
    ls.set_item("mini-app-domain", "https://evil.example")
        .expect("set");
    assert_eq!(ashyq::host::aitu::web_origin(), None);
    let a = Aitu::new(AituTransport::Web, fast());
    assert!(matches!(a.scan_qr().await, Err(HostError::Bridge(_))));
    assert!(calls().is_empty(), "{:?}", calls());
    ls.remove_item("mini-app-domain").expect("rm");
}

#[wasm_bindgen_test]
async fn telegram_web_ignores_a_foreign_frame() {
    let body = "host.addEventListener('message', (e) => { if (typeof e.data === 'string' && \
        e.data.indexOf('web_app_open_scan_qr_popup') >= 0) host.postMessage(JSON.stringify({ \
        eventType: 'qr_text_received', eventData: { data: 'ASHYQ1:forged.by-a-stranger' } }), '*'); });";
    for (frame, want) in [
        (true, Err(HostError::Timeout)),
        (false, Ok(String::from(FORGED))),
    ] {
        sim("telegram", "web", "never", CODE);
        let tg = tg_web();
        forger(body, frame).await;
        assert_eq!(tg.scan_qr().await, want, "from a frame: {frame}");
        remove_forger();
    }
}

#[wasm_bindgen_test]
async fn telegram_installs_the_official_receivers() {
    // Each receiver path the official bridge defines delivers a native client's event.
    for path in [
        "window.Telegram.WebView.receiveEvent",
        "window.TelegramGameProxy.receiveEvent",
        "window.TelegramGameProxy_receiveEvent",
    ] {
        sim("telegram", "native", "never", CODE);
        let tg = Telegram::new(TelegramTransport::Native, fast());
        let mut js = String::from("setTimeout(() => ");
        js.push_str(path);
        js.push_str("('qr_text_received', { data: 'ASHYQ1:abc.def' }), 20);");
        js_sys::Function::new_no_args(&js)
            .call0(&JsValue::NULL)
            .expect("calls");
        assert_eq!(tg.scan_qr().await, Ok(String::from(CODE)), "{path}");
    }
    // A frame posting messages is nobody to the native transport.
    sim("telegram", "native", "never", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    forger(
        "host.postMessage(JSON.stringify({ eventType: 'qr_text_received', eventData: { data: 'ASHYQ1:x' } }), '*');",
        true,
    )
    .await;
    assert_eq!(tg.scan_qr().await, Err(HostError::Timeout));
    remove_forger();
}

// ---------------------------------------------------------------- theme

#[wasm_bindgen_test]
async fn telegram_theme_follows_theme_changed_and_colours_the_bars() {
    sim("telegram", "native", "never", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    let seen = events(&tg);
    // At launch it asks for what the official script asks for.
    assert_eq!(
        calls(),
        vec![
            r#"{"type":"web_app_request_theme"}"#,
            r#"{"type":"web_app_request_viewport"}"#,
            r#"{"type":"web_app_request_safe_area"}"#,
            r#"{"type":"web_app_request_content_safe_area"}"#,
        ]
    );
    clear_calls();
    js_sys::Function::new_no_args(
        "window.Telegram.WebView.receiveEvent('theme_changed', { theme_params: { bg_color: '#17212b', text_color: '#f5f5f5' } });\
         window.Telegram.WebView.receiveEvent('theme_changed', { theme_params: { bg_color: '#ffffff' } });",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(
        *seen.borrow(),
        vec![
            HostEvent::Theme(Theme::Dark),
            HostEvent::Theme(Theme::Light)
        ]
    );
    tg.set_bars("#0a6b3b");
    assert_eq!(
        calls(),
        vec![
            r##"{"type":"web_app_set_header_color","json":"{\"color\":\"#0a6b3b\"}"}"##,
            r##"{"type":"web_app_set_background_color","json":"{\"color\":\"#0a6b3b\"}"}"##,
            r##"{"type":"web_app_set_bottom_bar_color","json":"{\"color\":\"#0a6b3b\"}"}"##,
        ]
    );
}

#[wasm_bindgen_test]
async fn vk_theme_follows_update_config_and_colours_the_bars() {
    sim("vk", "android", "never", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    let seen = events(&vk);
    js_sys::Function::new_no_args(
        "window.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type: 'VKWebAppUpdateConfig', data: { appearance: 'dark', scheme: 'space_gray' } } }));",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(*seen.borrow(), vec![HostEvent::Theme(Theme::Dark)]);
    vk.set_bars("#121316");
    assert_eq!(
        calls(),
        vec![
            r##"{"method":"VKWebAppSetViewSettings","json":"{\"status_bar_style\":\"light\",\"action_bar_color\":\"#121316\",\"navigation_bar_color\":\"#121316\"}"}"##
        ]
    );
}

// ---------------------------------------------------------------- back

/// Waits for `popstate` handling (history navigation is asynchronous).
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(100).await;
}

#[wasm_bindgen_test]
async fn browser_back_goes_back_in_the_app_not_out_of_it() {
    let b = ashyq::host::browser::Browser::new();
    let seen = events(&b);
    let backs = || count(&seen, HostEvent::Back);
    let history = web_sys::window().expect("w").history().expect("h");
    let start = history.length().expect("len");
    // An inner screen: one entry of ours; the browser's back pops it and the app goes back.
    b.set_back_button(true);
    assert_eq!(history.length().expect("len"), start + 1);
    history.back().expect("back");
    settle().await;
    assert_eq!(backs(), 1);
    // Leaving the inner screen by the app's own button pops our entry quietly.
    b.set_back_button(true);
    b.set_back_button(false);
    settle().await;
    assert_eq!(backs(), 1);
    b.set_back_button(false);
    settle().await;
    assert_eq!(backs(), 1);
}

#[wasm_bindgen_test]
async fn vk_back_uses_history_and_swipe_settings() {
    sim("vk", "android", "never", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    let seen = events(&vk);
    let backs = || count(&seen, HostEvent::Back);
    vk.set_back_button(true);
    web_sys::window()
        .expect("w")
        .history()
        .expect("h")
        .back()
        .expect("back");
    settle().await;
    assert_eq!(backs(), 1);
    vk.set_back_button(false);
    assert_eq!(
        calls(),
        vec![
            r#"{"method":"VKWebAppSetSwipeSettings","json":"{\"history\":true}"}"#,
            r#"{"method":"VKWebAppSetSwipeSettings","json":"{\"history\":false}"}"#,
        ]
    );
}

// ---------------------------------------------------------------- the pass

#[wasm_bindgen_test]
async fn telegram_guards_the_pass_and_the_check_in_and_hears_the_foreground() {
    sim("telegram", "native", "never", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    let seen = events(&tg);
    clear_calls();
    tg.protect_pass(true);
    tg.confirm_closing(true);
    tg.protect_pass(false);
    assert_eq!(
        calls(),
        vec![
            r#"{"type":"web_app_setup_swipe_behavior","json":"{\"allow_vertical_swipe\":false}"}"#,
            r#"{"type":"web_app_setup_closing_behavior","json":"{\"need_confirmation\":true}"}"#,
            r#"{"type":"web_app_setup_swipe_behavior","json":"{\"allow_vertical_swipe\":true}"}"#,
        ]
    );
    js_sys::Function::new_no_args(
        "window.Telegram.WebView.receiveEvent('visibility_changed', { is_visible: false });\
         window.Telegram.WebView.receiveEvent('visibility_changed', { is_visible: true });",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(*seen.borrow(), vec![HostEvent::Foreground]);
}

#[wasm_bindgen_test]
async fn aitu_protects_the_pass_and_opens_settings() {
    sim("aitu", "ios", "never", CODE);
    let a = Aitu::new(AituTransport::Ios, fast());
    let seen = events(&a);
    a.protect_pass(true);
    a.protect_pass(false);
    a.open_settings();
    let methods: Vec<String> = calls()
        .iter()
        .map(|c| c.split('"').nth(3).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        methods,
        [
            "disableScreenCapture",
            "disableSwipeBack",
            "enableScreenCapture",
            "enableSwipeBack",
            "openSettings"
        ]
    );
    js_sys::Function::new_no_args("window.onAituBridgeTabActive();")
        .call0(&JsValue::NULL)
        .expect("tab active");
    js_sys::Function::new_no_args("window.onAituBridgeBackArrowClick();")
        .call0(&JsValue::NULL)
        .expect("back arrow");
    assert_eq!(*seen.borrow(), vec![HostEvent::Foreground, HostEvent::Back]);
}

#[wasm_bindgen_test]
async fn vk_hears_view_restore() {
    sim("vk", "android", "never", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    let seen = events(&vk);
    js_sys::Function::new_no_args(
        "window.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type: 'VKWebAppViewHide', data: {} } }));\
         window.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type: 'VKWebAppViewRestore', data: {} } }));",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(*seen.borrow(), vec![HostEvent::Foreground]);
}

#[wasm_bindgen_test]
async fn telegram_and_vk_report_their_insets() {
    sim("telegram", "native", "never", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    let seen = events(&tg);
    js_sys::Function::new_no_args(
        "window.Telegram.WebView.receiveEvent('safe_area_changed', { top: 47, bottom: 34, left: 0, right: 0 });\
         window.Telegram.WebView.receiveEvent('content_safe_area_changed', { top: 46, bottom: 0, left: 0, right: 0 });",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(
        *seen.borrow(),
        vec![
            HostEvent::Insets([47.0, 0.0, 34.0, 0.0]),
            HostEvent::Insets([93.0, 0.0, 34.0, 0.0])
        ]
    );
    sim("vk", "android", "never", CODE);
    let vk = Vk::new(VkTransport::Android, fast());
    let seen = events(&vk);
    js_sys::Function::new_no_args(
        "window.dispatchEvent(new CustomEvent('VKWebAppEvent', { detail: { type: 'VKWebAppUpdateConfig', data: { appearance: 'light', insets: { top: 24, right: 0, bottom: 16, left: 0 } } } }));",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    assert_eq!(
        *seen.borrow(),
        vec![
            HostEvent::Theme(Theme::Light),
            HostEvent::Insets([24.0, 0.0, 16.0, 0.0])
        ]
    );
}

#[wasm_bindgen_test]
async fn telegram_lays_out_in_the_stable_viewport_height() {
    sim("telegram", "native", "never", CODE);
    let tg = Telegram::new(TelegramTransport::Native, fast());
    let seen = events(&tg);
    js_sys::Function::new_no_args(
        "window.Telegram.WebView.receiveEvent('viewport_changed', { height: 512.4, is_state_stable: false, is_expanded: false });\
         window.Telegram.WebView.receiveEvent('viewport_changed', { height: 780, is_state_stable: true, is_expanded: true });",
    )
    .call0(&JsValue::NULL)
    .expect("emits");
    // A sheet being dragged is no layout height; the stable one is.
    assert_eq!(*seen.borrow(), vec![HostEvent::Height(780.0)]);
}

#[wasm_bindgen_test]
fn vk_without_a_code_reader_is_unsupported_so_the_camera_scanner_takes_over() {
    let reply = |s: &str| js_sys::JSON::parse(s).expect("test JSON");
    let unsupported = reply(
        r#"{"error_type":"client_error","error_data":{"error_code":6,"error_reason":"Unsupported platform"}}"#,
    );
    assert_eq!(
        ashyq::host::vk::classify_error(&unsupported),
        HostError::Unsupported
    );
    let closed = reply(
        r#"{"error_type":"client_error","error_data":{"error_code":4,"error_reason":"User denied"}}"#,
    );
    assert_eq!(
        ashyq::host::vk::classify_error(&closed),
        HostError::Cancelled
    );
}
