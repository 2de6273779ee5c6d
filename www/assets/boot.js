// Loads the Ashyq WebAssembly app. A module file (not inline) so the strict CSP
// `script-src 'self' 'wasm-unsafe-eval'` holds. build.sh rewrites these two asset names
// to their content-hashed copies.
import init from '/assets/ashyq.js';

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

init({ module_or_path: '/assets/ashyq_bg.wasm' }).then(() => {
  // The installable shell (sw.js), once the app runs: it then starts offline too. Top-level
  // pages only: inside a host's frame the host is the app, and the emulator's frames would
  // put the tester's pages under the worker.
  if ('serviceWorker' in navigator && window.top === window) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}, (err) => {
  const app = document.getElementById('app');
  if (!app) return;
  app.dataset.screen = 'error';
  const p = document.createElement('p');
  p.dataset.testid = 'error-message';
  p.dataset.code = 'load_failed';
  p.setAttribute('role', 'alert');
  p.textContent = 'Ashyq could not start: ' + String(err && err.message ? err.message : err);
  app.replaceChildren(p);
});

// The owner's and the door staff's screens: a second module, fetched only when one of them
// is opened (the app calls this). Its names contain "lazy", so the build counts it apart
// from the first load.
window.ashyqRoles = () =>
  import('/assets/ashyq_lazy.js').then(async (m) => {
    await m.default({ module_or_path: '/assets/ashyq_lazy_bg.wasm' });
    return m;
  });

// The words of rare screens (why a code was rejected, an error), fetched the first time one
// shows; the app reads the module's `default`.
window.ashyqTexts = () => import('/assets/texts_lazy.js');

// The app's own camera scanner, for hosts without one: a module of its own with its
// stylesheet, fetched only when the camera first opens (the app calls this through
// host::camera). Resolves to the text read; rejects with the scanner's error code, or with
// an Error when the module cannot be loaded (then the next try loads it again). The worker
// is the decoder where the browser has no BarcodeDetector.
let camera = null;
window.ashyqCamera = () => {
  camera ||= Promise.all([
    import('/assets/camera_lazy.js'),
    new Promise((resolve) => {
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = '/assets/camera_lazy.css';
      css.onload = css.onerror = resolve;
      document.head.append(css);
    }),
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
