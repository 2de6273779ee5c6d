// Loads the Ashyq WebAssembly app. A module file (not inline) so the strict CSP
// `script-src 'self' 'wasm-unsafe-eval'` holds. build.mjs rewrites the asset names
// below to their content-hashed copies (and minifies this file).

// A dark Telegram passes its colours in the launch hash: take its theme before the wasm
// loads, so the first paint is already dark (the app then follows the host live). The
// theme is the perceived brightness of the background, as src/host/mod.rs computes it; no
// parameter (or a malformed one) throws or gives NaN, and the stylesheet's choice stands.
try {
  const bg = JSON.parse(new URLSearchParams(location.hash.slice(1)).get('tgWebAppThemeParams')).bg_color;
  const v = parseInt(bg.slice(1), 16);
  if (v >= 0) {
    const y = (v >> 16) * 299 + ((v >> 8) & 255) * 587 + (v & 255) * 114;
    document.documentElement.dataset.theme = y < 128000 ? 'dark' : 'light';
  }
} catch (e) {
  /* no Telegram theme */
}

// The first requests the app makes, started now, while the wasm downloads and compiles
// (on a slow link that is most of a start): the venue keys, and the status when a session
// from an earlier visit is in localStorage. The app takes each once, when it would have
// sent it (src/api.rs: `window.ashyqEarly(path, token)`, the answer if it asked for that
// path with that session), and reads and checks it exactly as its own. Nothing here is
// shown or cached.
const early = {};
window.ashyqEarly = (path, token) => {
  const e = early[path];
  delete early[path];
  return e && e.token === token ? e.res : undefined;
};
const ask = (path, token) => {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = fetch(path, { headers });
  // Unused (or failed) answers must not surface as unhandled rejections.
  res.catch(() => {});
  early[path] = { token, res };
};
let session = null;
try {
  session = JSON.parse(localStorage.getItem('ashyq.session'));
} catch {
  // None readable: the app signs in first.
}
// The app sends its cached session's token with every request, the keys' too.
const token = session && typeof session.token === 'string' ? session.token : null;
ask('/v1/keys', token);
if (token && session.expires_at > Date.now() / 1000 + 60) ask('/v1/me/status', token);

// The installable shell (sw.js), once the app runs: it then starts offline too. Top-level
// pages only: inside a host's frame the host is the app, and the emulator's frames would
// put the tester's pages under the worker.
function installShell() {
  const sw = navigator.serviceWorker;
  if (!sw || window.top !== window) return;
  // A new deploy's worker takes over during this start (the page came from the old
  // shell): reload, but only while nobody has touched the page.
  const updating = !!sw.controller;
  let touched = false;
  for (const t of ['pointerdown', 'keydown']) addEventListener(t, () => (touched = true), { capture: true, once: true });
  sw.addEventListener('controllerchange', () => {
    if (updating && !touched) location.reload();
  });
  sw.register('/sw.js').catch(() => {});
}

function loadFailed(err) {
  const app = document.getElementById('app');
  if (!app) return;
  app.dataset.screen = 'error';
  const p = document.createElement('p');
  p.dataset.testid = 'error-message';
  p.dataset.code = 'load_failed';
  p.setAttribute('role', 'alert');
  p.textContent = 'Ashyq could not start: ' + String(err && err.message ? err.message : err);
  app.replaceChildren(p);
}

// A dynamic import, so the requests above go out first (index.html modulepreloads it).
import('/assets/ashyq.js')
  .then((m) => m.default({ module_or_path: '/assets/ashyq_bg.wasm' }))
  .then(installShell, loadFailed);

// The owner's and the door staff's screens: a second module, fetched only when one of them
// is opened (the app calls this). Its names contain "lazy", so the build counts it apart
// from the first load.
window.ashyqRoles = () =>
  Promise.all([import('/assets/ashyq_lazy.js'), stylesheet('/assets/roles_lazy.css')]).then(async ([m]) => {
    await m.default({ module_or_path: '/assets/ashyq_lazy_bg.wasm' });
    return m;
  });

// A lazy module's stylesheet; resolves once it has loaded or failed (the screens still work
// unstyled rather than not at all).
function stylesheet(href) {
  return new Promise((resolve) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = href;
    css.onload = css.onerror = resolve;
    document.head.append(css);
  });
}

// The app's own camera scanner, for hosts without one: a module of its own with its
// stylesheet, fetched only when the camera first opens (the app calls this through
// host::camera). Resolves to the text read; rejects with the scanner's error code, or with
// an Error when the module cannot be loaded (then the next try loads it again). The worker
// is the decoder where the browser has no BarcodeDetector.
let camera = null;
window.ashyqCamera = () => {
  camera ||= Promise.all([
    import('/assets/camera_lazy.js'),
    stylesheet('/assets/camera_lazy.css'),
  ])
    .then(async ([m]) => {
      await m.default({ module_or_path: '/assets/camera_lazy_bg.wasm' });
      return m;
    })
    .catch((err) => {
      camera = null;
      throw err;
    });
  return camera.then((m) => m.camera_scan('/assets/qr-decoder-worker.js'));
};

// The words of rare screens (why a code was rejected, an error), fetched the first time one
// shows; the app reads the module's `default`.
window.ashyqTexts = () => import('/assets/texts_lazy.js');
