// Ashyq host emulator: open /dev/ on a server started in dev + demo mode (./build.sh serve).
//
// Loads the mini-app in an iframe and plays its host (Aitu web, Telegram web, VK web, or a
// plain browser) through each host's web message protocol, as the hosts' public SDKs
// expect it (DESIGN §5). Identities are signed with the dev secrets from /dev/api/demo.
//
// Query parameters (all optional): host=aitu|telegram|vk|none,
// citizen=<index|IIN|status|owner|staff|parent> (a role picks the demo citizen who has it),
// theme=dark, start=<start parameter> (Telegram tgWebAppStartParam, VK and Aitu link hash),
// and any ashyq_* parameter (e.g. ashyq_timeout_ms=3000), which is passed on to the app.
// The bar plays the host's theme switch, its back control, and a foreign frame that posts
// a fake scan result and identity to the app (which must ignore it).
//
// Everything that came from the app or the network is shown with textContent only.

import { aituSigned, telegramInitData, vkLaunchQuery } from './sign.js';

const HOSTS = ['aitu', 'telegram', 'vk', 'none'];
const LOG_MAX = 500;
const TG_THEME_DARK = {
  bg_color: '#17212b',
  text_color: '#f5f5f5',
  hint_color: '#708499',
  link_color: '#6ab3f3',
  button_color: '#5288c1',
  button_text_color: '#ffffff',
  secondary_bg_color: '#232e3c',
};
const TG_THEME = {
  bg_color: '#ffffff',
  text_color: '#000000',
  hint_color: '#707579',
  link_color: '#3390ec',
  button_color: '#3390ec',
  button_text_color: '#ffffff',
  secondary_bg_color: '#f4f4f5',
};

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error('emulator markup is missing #' + id);
  return el;
};

const ui = {
  host: $('host-select'),
  citizen: $('citizen-select'),
  reload: $('reload'),
  themeToggle: $('theme-toggle'),
  hostBack: $('host-back'),
  foreignFrame: $('foreign-frame'),
  demoState: $('demo-state'),
  title: $('host-title'),
  /** Replaced by a new element on every app load. */
  frame: /** @type {HTMLIFrameElement} */ ($('app-frame')),
  toast: $('toast'),
  scanner: $('scanner'),
  scannerState: $('scanner-state'),
  posters: $('posters'),
  scanText: /** @type {HTMLInputElement} */ ($('scan-text')),
  scanSend: $('scan-send'),
  scanCancel: $('scan-cancel'),
  scanDeny: $('scan-deny'),
  scanNever: $('scan-never'),
  identity: $('identity'),
  log: $('bridge-log'),
  logClear: $('log-clear'),
};

const state = {
  /** @type {any} */ demo: null,
  host: 'aitu',
  citizen: 0,
  /** Proofs prepared for the current host and citizen. */
  /** @type {any} */ ident: null,
  /** The scan request waiting for an answer: {host, reqId?, requestId?}. */
  /** @type {any} */ pending: null,
  /** Telegram keeps its popup open after a scan until the app closes it. */
  tgPopupOpen: false,
  /** Aitu storage, per citizen (the real one is per user and app). */
  storage: new Map(),
  dark: false,
  /** A start parameter the next load passes (Telegram, VK, Aitu's link fragment). */
  start: '',
};

function tgTheme() {
  return state.dark ? TG_THEME_DARK : TG_THEME;
}

/** The host's theme switch: Telegram `theme_changed`, VK `VKWebAppUpdateConfig`; Aitu has
 * no theme API; a plain browser follows the system (the e2e tests emulate that). */
function toggleTheme() {
  state.dark = !state.dark;
  ui.themeToggle.textContent = state.dark ? 'Light theme' : 'Dark theme';
  document.documentElement.dataset.hostTheme = state.dark ? 'dark' : 'light';
  if (state.host === 'telegram') tgSend('theme_changed', { theme_params: tgTheme() });
  if (state.host === 'vk') {
    vkSend('VKWebAppUpdateConfig', {
      appearance: state.dark ? 'dark' : 'light',
      scheme: state.dark ? 'space_gray' : 'bright_light',
    });
  }
  saveUrl();
}

/** The host's back control: Telegram's BackButton, Aitu's back arrow (a web message), VK's
 * and the browser's history back. */
function hostBack() {
  if (state.host === 'telegram') return tgSend('back_button_pressed', null);
  if (state.host === 'aitu') {
    const msg = JSON.stringify({ method: 'setCustomBackArrowOnClickHandler' });
    log('out', msg);
    return appWindow()?.postMessage(msg, location.origin);
  }
  log('note', 'history.back() in the app');
  appWindow()?.history.back();
}

/** A frame that is not the host (same origin, so only the sender tells it apart) answers
 * the app's bridge as the host would, with a fake scan result and a fake identity. */
function foreignFrame() {
  const f = document.createElement('iframe');
  f.hidden = true;
  f.dataset.testid = 'foreign';
  f.srcdoc =
    '<script>const app = parent.document.querySelector("[data-testid=app-frame]").contentWindow;' +
    'const fake = "ASHYQ1:forged.by-a-stranger";' +
    'app.postMessage(JSON.stringify({ eventType: "qr_text_received", eventData: { data: fake } }), "*");' +
    'app.postMessage({ type: "VKWebAppOpenCodeReaderResult", data: { code_data: fake, request_id: "1_abc" } }, "*");' +
    'for (let i = 1; i < 10; i++) app.postMessage({ reqId: "getQr:" + i, data: fake }, "*");' +
    'app.postMessage({ reqId: "GetMe:invoke:1", data: { id: "mallory", name: "M", sign: "x" } }, "*");' +
    '<' + '/script>';
  document.body.append(f);
  log('note', 'a foreign frame posted a fake scan result and identity to the app');
  setTimeout(() => f.remove(), 2000);
}

// ---------------------------------------------------------------- log and toast

function log(dir, text) {
  const li = document.createElement('li');
  li.className = dir;
  li.dataset.dir = dir;
  const t = new Date().toISOString().slice(11, 23);
  const arrow = dir === 'in' ? 'app → host' : dir === 'out' ? 'host → app' : '—';
  li.textContent = t + '  ' + arrow + '  ' + text;
  ui.log.append(li);
  while (ui.log.childElementCount > LOG_MAX) ui.log.firstElementChild?.remove();
  ui.log.scrollTop = ui.log.scrollHeight;
}

function show(v) {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return String(v);
  }
}

let toastTimer = 0;
function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, 2500);
}

// ---------------------------------------------------------------- sending to the app

function appWindow() {
  return ui.frame.contentWindow;
}

/** Aitu: a plain object; the SDK turns it into `aituEvents` with this as `detail`. */
function aituReply(reqId, body) {
  const msg = { reqId, ...body };
  log('out', show(msg));
  appWindow()?.postMessage(msg, location.origin);
}

/** Telegram web: a JSON string `{eventType, eventData}`. */
function tgSend(eventType, eventData) {
  const msg = JSON.stringify({ eventType, eventData });
  log('out', msg);
  appWindow()?.postMessage(msg, location.origin);
}

/** VK web: `{type, data}` with `request_id` echoed in data; `…Failed` carries error_type. */
function vkSend(type, data) {
  const msg = { type, data };
  log('out', show(msg));
  appWindow()?.postMessage(msg, location.origin);
}

function vkResult(method, requestId, data) {
  vkSend(method + 'Result', { ...data, request_id: requestId });
}

function vkFailed(method, requestId, errorData, errorType = 'client_error') {
  vkSend(method + 'Failed', { error_type: errorType, error_data: errorData, request_id: requestId });
}

// ---------------------------------------------------------------- identities

function citizen() {
  return state.demo?.citizens?.[state.citizen] ?? null;
}

async function prepareIdentity() {
  const c = citizen();
  const s = state.demo?.secrets;
  state.ident = null;
  if (!c || !s || state.host === 'none') return;
  const now = Math.floor(Date.now() / 1000);
  if (state.host === 'aitu') {
    const me = await aituSigned(
      {
        id: c.aitu_id,
        name: c.name,
        lastname: c.lastname,
        avatar: 'https://aitu.example/avatars/' + encodeURIComponent(c.aitu_id) + '.jpg',
        avatarThumb: '',
        notifications_allowed: false,
        private_messaging_enabled: false,
      },
      s.aitu_api_key,
    );
    const phone = await aituSigned({ phone: c.phone }, s.aitu_api_key);
    state.ident = { me, phone };
  } else if (state.host === 'telegram') {
    const user = { id: c.telegram_id, first_name: c.name, last_name: c.lastname, language_code: 'ru' };
    const queryId = 'AAH' + Math.random().toString(36).slice(2, 14);
    const initData = await telegramInitData({ user, authDate: now, queryId }, s.telegram_bot_token);
    state.ident = { user, initData };
  } else if (state.host === 'vk') {
    // The parameters VK web passes to a mini-app, in VK's order; all vk_* are signed.
    const params = {
      vk_access_token_settings: '',
      vk_app_id: String(s.vk_app_id),
      vk_are_notifications_enabled: '0',
      vk_is_app_user: '1',
      vk_is_favorite: '0',
      vk_language: 'ru',
      vk_platform: 'desktop_web',
      vk_ref: 'other',
      vk_ts: String(now),
      vk_user_id: String(c.vk_id),
    };
    const query = await vkLaunchQuery(params, s.vk_app_secret);
    state.ident = { params, query };
  }
}

/** What VKWebAppGetLaunchParams answers: the launch query parsed as the SDK types it. */
function vkLaunchParamsData() {
  const out = {};
  for (const [k, v] of new URLSearchParams(state.ident?.query ?? '')) {
    out[k] = /^(vk_ts|vk_user_id|vk_app_id|vk_group_id|vk_is_app_user|vk_are_notifications_enabled|vk_is_favorite)$/.test(k)
      ? Number(v)
      : v;
  }
  return out;
}

function renderIdentity() {
  ui.identity.replaceChildren();
  const add = (k, v) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    ui.identity.append(dt, dd);
  };
  const c = citizen();
  add('host', state.host);
  if (c) {
    add('citizen', c.name + ' ' + c.lastname + ' (' + c.expected_status + ')');
    add('IIN', c.iin);
    const roles = rolesOf(c);
    if (roles.length) add('roles', roles.join(', '));
  }
  if (state.host === 'aitu' && state.ident) {
    add('GetMe', show(state.ident.me));
    add('GetPhone', show(state.ident.phone));
  } else if (state.host === 'telegram' && state.ident) {
    add('tgWebAppData', state.ident.initData);
  } else if (state.host === 'vk' && state.ident) {
    add('launch', state.ident.query);
  }
}

// ---------------------------------------------------------------- the app frame

/** ashyq_* parameters of the emulator's own URL, passed on to the app (e.g. timeouts). */
function passThrough() {
  const out = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(location.search)) if (k.startsWith('ashyq_')) out.append(k, v);
  return out;
}

function appUrl() {
  const q = passThrough();
  let hash = '';
  if (state.host === 'aitu') {
    q.set('__aitu-domain', location.origin);
    // Aitu's SDK has no start parameter: the configured app link carries it after '#'.
    if (state.start) hash = '#' + state.start;
  } else if (state.host === 'telegram' && state.ident) {
    hash =
      '#tgWebAppData=' +
      encodeURIComponent(state.ident.initData) +
      '&tgWebAppVersion=7.10&tgWebAppPlatform=weba&tgWebAppThemeParams=' +
      encodeURIComponent(JSON.stringify(tgTheme())) +
      (state.start ? '&tgWebAppStartParam=' + encodeURIComponent(state.start) : '');
  } else if (state.host === 'vk' && state.ident) {
    const vkq = new URLSearchParams(state.ident.query);
    for (const [k, v] of q) vkq.append(k, v);
    return '/?' + vkq.toString() + (state.start ? '#' + state.start : '');
  }
  const qs = q.toString();
  return '/' + (qs ? '?' + qs : '') + hash;
}

async function loadApp() {
  setPending(null);
  state.tgPopupOpen = false;
  ui.title.textContent = 'Ashyq';
  if (state.host !== 'aitu') {
    // The Aitu SDK caches the host origin in localStorage (same origin as this page), which
    // would make a later plain-browser load look like Aitu.
    try {
      localStorage.removeItem('mini-app-domain');
    } catch {
      /* storage disabled: nothing cached either */
    }
  }
  await prepareIdentity();
  renderIdentity();
  const url = appUrl();
  log('note', 'load ' + state.host + ': ' + url);
  // A new iframe element: a real load even when only the hash differs (Telegram's launch
  // data), and nothing the old document still sends can reach the new one's host.
  const f = document.createElement('iframe');
  for (const a of ['id', 'data-testid', 'title', 'allow']) {
    const v = ui.frame.getAttribute(a);
    if (v !== null) f.setAttribute(a, v);
  }
  f.src = url;
  ui.frame.replaceWith(f);
  ui.frame = f;
  saveUrl();
}

function saveUrl() {
  const q = new URLSearchParams(location.search);
  q.set('host', state.host);
  q.set('citizen', String(state.citizen));
  if (state.dark) q.set('theme', 'dark');
  else q.delete('theme');
  history.replaceState(null, '', '?' + q.toString());
}

// ---------------------------------------------------------------- the scanner panel

function setPending(p) {
  state.pending = p;
  renderScanner();
}

function renderScanner() {
  const open = !!state.pending || state.tgPopupOpen || state.host === 'none';
  ui.scanner.hidden = !open;
  ui.scanner.dataset.pending = state.pending ? state.pending.host : '';
  if (state.pending) ui.scannerState.textContent = '(' + state.pending.host + ' request waiting)';
  else if (state.tgPopupOpen) ui.scannerState.textContent = '(popup open, app has its answer)';
  else if (state.host === 'none') ui.scannerState.textContent = '(phone camera: a poster opens its URL)';
  else ui.scannerState.textContent = '';
  const answerable = !!state.pending;
  for (const b of [ui.scanSend, ui.scanCancel, ui.scanDeny, ui.scanNever]) {
    b.disabled = !answerable && !(b === ui.scanSend && state.host === 'none');
  }
}

function renderPosters() {
  ui.posters.replaceChildren();
  const add = (testid, label, code, cls) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.testid = testid;
    b.textContent = label;
    b.title = code;
    if (cls) b.className = cls;
    b.addEventListener('click', () => answerScan(code));
    ui.posters.append(b);
  };
  for (const v of state.demo?.venues ?? []) {
    for (const e of v.entrances ?? []) {
      const where = v.name + ' · ' + v.category + ' · #' + e.entrance;
      add('poster-' + v.venue_id + '-' + e.entrance + '-in', '⇥ entry — ' + where, e.entry_code);
      add('poster-' + v.venue_id + '-' + e.entrance + '-out', '⇤ exit — ' + where, e.exit_code);
    }
  }
  const t = state.demo?.test_codes;
  if (t?.forged) add('poster-forged', '✗ forged code', t.forged, 'test');
  if (t?.unknown_key) add('poster-unknown-key', '✗ code signed by an unknown key', t.unknown_key, 'test');
}

/** Answers the pending scan with `text`; in plain-browser mode opens the code as a URL. */
function answerScan(text) {
  if (state.host === 'none' && !state.pending) {
    // A phone camera opens the poster's URL; keep the path and hash on this origin.
    let target;
    try {
      const u = new URL(text);
      const local = new URL(u.pathname + u.search + u.hash, location.origin);
      for (const [k, v] of passThrough()) local.searchParams.set(k, v);
      target = local.pathname + local.search + local.hash;
    } catch {
      toast('not a URL: paste it into the app instead');
      return;
    }
    log('note', 'camera opens ' + target);
    ui.frame.src = target;
    return;
  }
  const p = state.pending;
  if (!p) return;
  if (p.host === 'aitu') {
    aituReply(p.reqId, { data: text });
  } else if (p.host === 'telegram') {
    state.tgPopupOpen = true;
    tgSend('qr_text_received', { data: text });
  } else if (p.host === 'vk') {
    vkResult('VKWebAppOpenCodeReader', p.requestId, { code_data: text });
  }
  setPending(null);
}

function cancelScan() {
  const p = state.pending;
  if (!p) return;
  if (p.host === 'aitu') {
    // Aitu documents no cancel reply; the app treats any error as a cancel.
    aituReply(p.reqId, { error: { code: 'cancelled', msg: 'The user closed the scanner' } });
  } else if (p.host === 'telegram') {
    state.tgPopupOpen = false;
    tgSend('scan_qr_popup_closed', null);
  } else if (p.host === 'vk') {
    vkFailed('VKWebAppOpenCodeReader', p.requestId, { error_code: 4, error_reason: 'User denied' });
  }
  setPending(null);
}

function denyScan() {
  const p = state.pending;
  if (!p) return;
  if (p.host === 'aitu') {
    aituReply(p.reqId, { error: { code: 'permission_denied', msg: 'Camera permission denied' } });
  } else if (p.host === 'telegram') {
    // Telegram has no permission event: the popup just closes.
    state.tgPopupOpen = false;
    tgSend('scan_qr_popup_closed', null);
  } else if (p.host === 'vk') {
    vkFailed('VKWebAppOpenCodeReader', p.requestId, {
      error_code: 4,
      error_reason: 'User denied',
      error_description: 'Camera permission denied',
    });
  }
  setPending(null);
}

function neverAnswer() {
  if (!state.pending) return;
  log('note', 'scan request dropped: the host will never answer it');
  state.tgPopupOpen = false;
  setPending(null);
}

// ---------------------------------------------------------------- receiving from the app

function onAitu(msg) {
  const { method, reqId } = msg;
  const payload = Array.isArray(msg.payload) ? msg.payload : [];
  switch (method) {
    case 'getQr':
      setPending({ host: 'aitu', reqId });
      return;
    case 'invoke': {
      const [name] = payload;
      if (name === 'GetMe' && state.ident) return aituReply(reqId, { data: state.ident.me });
      if (name === 'GetPhone' && state.ident) return aituReply(reqId, { data: state.ident.phone });
      return aituReply(reqId, { error: { code: 'not_supported', msg: 'invoke ' + String(name) + ' is not emulated' } });
    }
    case 'storage': {
      const [op, data] = payload;
      const key = 'aitu:' + state.citizen;
      const store = state.storage.get(key) ?? new Map();
      state.storage.set(key, store);
      if (op === 'setItem') {
        store.set(String(data?.keyName), String(data?.keyValue));
        return aituReply(reqId, { data: null });
      }
      if (op === 'getItem') return aituReply(reqId, { data: store.get(String(data?.keyName)) ?? null });
      if (op === 'clear') {
        store.clear();
        return aituReply(reqId, { data: null });
      }
      return aituReply(reqId, { error: { code: 'not_supported', msg: 'storage ' + String(op) } });
    }
    case 'setTitle':
      ui.title.textContent = String(payload[0] ?? '');
      return aituReply(reqId, { data: null });
    case 'vibrate':
      toast('vibrate ' + show(payload[0]));
      return aituReply(reqId, { data: null });
    case 'share':
      toast('share: ' + String(payload[0] ?? ''));
      return aituReply(reqId, { data: null });
    case 'closeApplication':
      toast('the app asked to close');
      return aituReply(reqId, { data: null });
    default:
      return aituReply(reqId, { error: { code: 'not_supported', msg: String(method) + ' is not emulated' } });
  }
}

function onTelegram(eventType, eventData) {
  switch (eventType) {
    case 'web_app_request_theme':
      return tgSend('theme_changed', { theme_params: tgTheme() });
    case 'web_app_request_viewport':
      // As a client does while its sheet settles: a moving height, then the stable one.
      tgSend('viewport_changed', { height: Math.round(ui.frame.clientHeight * 0.6), is_expanded: false, is_state_stable: false });
      return tgSend('viewport_changed', {
        height: ui.frame.clientHeight,
        width: ui.frame.clientWidth,
        is_expanded: true,
        is_state_stable: true,
      });
    case 'web_app_request_safe_area':
      // A phone with a notch and a home indicator.
      return tgSend('safe_area_changed', { top: 24, right: 0, bottom: 16, left: 0 });
    case 'web_app_request_content_safe_area':
      return tgSend('content_safe_area_changed', { top: 0, right: 0, bottom: 0, left: 0 });
    case 'web_app_open_scan_qr_popup':
      state.tgPopupOpen = true;
      setPending({ host: 'telegram' });
      if (eventData?.text) ui.scannerState.textContent = '“' + String(eventData.text) + '”';
      return;
    case 'web_app_close_scan_qr_popup':
      state.tgPopupOpen = false;
      return setPending(null);
    case 'web_app_trigger_haptic_feedback':
      return toast('haptic ' + show(eventData));
    case 'web_app_close':
      return toast('the app asked to close');
    default:
      return; // web_app_ready, web_app_expand, header colours …: nothing to answer
  }
}

function onVk(handler, params) {
  const requestId = params?.request_id;
  switch (handler) {
    case 'VKWebAppInit':
      vkResult(handler, requestId, { result: true });
      // As VK clients do after init: the current appearance.
      return vkSend('VKWebAppUpdateConfig', {
        appearance: state.dark ? 'dark' : 'light',
        scheme: state.dark ? 'space_gray' : 'bright_light',
      });
    case 'VKWebAppGetLaunchParams':
      return vkResult(handler, requestId, vkLaunchParamsData());
    case 'VKWebAppOpenCodeReader':
      return setPending({ host: 'vk', requestId });
    case 'VKWebAppSetViewSettings':
    case 'VKWebAppSetSwipeSettings':
    case 'VKWebAppTapticImpactOccurred':
    case 'VKWebAppTapticNotificationOccurred':
    case 'VKWebAppTapticSelectionChanged':
      return vkResult(handler, requestId, { result: true });
    case 'VKWebAppStorageSet': {
      const key = 'vk:' + state.citizen;
      const store = state.storage.get(key) ?? new Map();
      state.storage.set(key, store);
      store.set(String(params?.key), String(params?.value ?? ''));
      return vkResult(handler, requestId, { result: true });
    }
    case 'VKWebAppStorageGet': {
      const store = state.storage.get('vk:' + state.citizen) ?? new Map();
      const keys = Array.isArray(params?.keys) ? params.keys : [];
      return vkResult(handler, requestId, { keys: keys.map((k) => ({ key: k, value: store.get(String(k)) ?? '' })) });
    }
    default:
      return vkFailed(handler, requestId, { error_code: 6, error_reason: 'Unsupported platform' });
  }
}

window.addEventListener('message', (e) => {
  if (e.source !== appWindow() || e.origin !== location.origin) return;
  const d = e.data;
  if (state.host === 'aitu' && d && typeof d === 'object' && d.source === 'aitu-bridge') {
    log('in', show(d));
    return onAitu(d);
  }
  if (state.host === 'vk' && d && typeof d === 'object' && d.type === 'vk-connect') {
    log('in', show(d));
    return onVk(d.handler, d.params);
  }
  if (state.host === 'telegram' && typeof d === 'string') {
    let m;
    try {
      m = JSON.parse(d);
    } catch {
      return;
    }
    if (!m || typeof m.eventType !== 'string') return;
    log('in', d);
    return onTelegram(m.eventType, m.eventData);
  }
  log('note', 'ignored message for ' + state.host + ': ' + show(d));
});

// ---------------------------------------------------------------- controls and start

/** The demo roles of a citizen (from /dev/api/demo): owner, staff, parent. */
function rolesOf(c) {
  const d = state.demo ?? {};
  const roles = [];
  if ((d.businesses ?? []).some((b) => b.owner_iin === c.iin)) roles.push('owner');
  if ((d.staff ?? []).some((s) => s.iin === c.iin)) roles.push('staff');
  if ((d.dependants ?? []).some((k) => k.parent_iin === c.iin)) roles.push('parent');
  return roles;
}

function pickCitizen(spec) {
  const list = state.demo?.citizens ?? [];
  if (spec == null || spec === '') return 0;
  const n = Number(spec);
  if (Number.isInteger(n) && n >= 0 && n < list.length && String(spec).length < 3) return n;
  const i = list.findIndex(
    (c) => c.iin === spec || c.expected_status === String(spec).toUpperCase() || rolesOf(c).includes(String(spec)),
  );
  return i >= 0 ? i : 0;
}

function renderCitizens() {
  ui.citizen.replaceChildren();
  (state.demo?.citizens ?? []).forEach((c, i) => {
    const o = document.createElement('option');
    o.value = String(i);
    const roles = rolesOf(c);
    o.textContent = c.name + ' ' + c.lastname + ' — ' + c.expected_status + (roles.length ? ' · ' + roles.join(', ') : '');
    o.dataset.status = c.expected_status;
    o.dataset.roles = roles.join(' ');
    ui.citizen.append(o);
  });
  ui.citizen.value = String(state.citizen);
}

ui.host.addEventListener('change', () => {
  state.host = HOSTS.includes(ui.host.value) ? ui.host.value : 'aitu';
  void loadApp();
});
ui.citizen.addEventListener('change', () => {
  state.citizen = Number(ui.citizen.value) || 0;
  void loadApp();
});
ui.reload.addEventListener('click', () => void loadApp());
ui.themeToggle.addEventListener('click', toggleTheme);
ui.hostBack.addEventListener('click', hostBack);
ui.foreignFrame.addEventListener('click', foreignFrame);
ui.scanSend.addEventListener('click', () => {
  const text = ui.scanText.value.trim();
  if (text) answerScan(text);
});
ui.scanText.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') ui.scanSend.click();
});
ui.scanCancel.addEventListener('click', cancelScan);
ui.scanDeny.addEventListener('click', denyScan);
ui.scanNever.addEventListener('click', neverAnswer);
ui.logClear.addEventListener('click', () => ui.log.replaceChildren());

// ---------------------------------------------------------------- text messages

// What the dev server's SMS outbox holds (GET /dev/api/sms): guard mode's one-time codes,
// shown here as the visitor's phone would receive them, so a tester can read one out.
async function pollSms() {
  try {
    const r = await fetch('/dev/api/sms', { cache: 'no-store' });
    if (!r.ok) return;
    const { messages } = await r.json();
    const list = document.getElementById('sms-log');
    if (!list || list.childElementCount === messages.length) return;
    list.replaceChildren(...messages.slice().reverse().map((m) => {
      const li = document.createElement('li');
      li.textContent = m.to + ': ' + m.body;
      return li;
    }));
  } catch {
    // The server is down: the app says so; nothing to show here.
  }
}

async function start() {
  const q = new URLSearchParams(location.search);
  const h = q.get('host');
  state.host = h && HOSTS.includes(h) ? h : 'aitu';
  ui.host.value = state.host;
  state.dark = q.get('theme') === 'dark';
  state.start = q.get('start') ?? '';
  ui.themeToggle.textContent = state.dark ? 'Light theme' : 'Dark theme';
  try {
    const r = await fetch('/dev/api/demo', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    state.demo = await r.json();
    ui.demoState.textContent = (state.demo.citizens?.length ?? 0) + ' citizens, ' + (state.demo.venues?.length ?? 0) + ' venues';
  } catch (err) {
    state.demo = null;
    ui.demoState.textContent = 'no demo data (start the server with --dev --demo): ' + String(err);
    log('note', 'GET /dev/api/demo failed: ' + String(err));
  }
  state.citizen = pickCitizen(q.get('citizen'));
  renderCitizens();
  renderPosters();
  await loadApp();
  document.documentElement.dataset.emulatorReady = '1';
  void pollSms();
  setInterval(pollSms, 2000);
}

void start();
