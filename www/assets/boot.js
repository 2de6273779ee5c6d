// Loads the Ashyq WebAssembly app. A module file (not inline) so the strict CSP
// `script-src 'self' 'wasm-unsafe-eval'` holds. build.sh rewrites these two asset names
// to their content-hashed copies.
import init from '/assets/ashyq.js';

// A dark Telegram passes its colours in the launch hash: take its theme before the wasm
// loads, so the first paint is already dark (the app then follows the host live).
try {
  const p = new URLSearchParams(location.hash.slice(1)).get('tgWebAppThemeParams');
  const bg = p ? JSON.parse(p).bg_color : '';
  if (/^#[0-9a-f]{6}$/i.test(bg)) {
    const v = parseInt(bg.slice(1), 16);
    const y = ((v >> 16) & 255) * 299 + ((v >> 8) & 255) * 587 + (v & 255) * 114;
    document.documentElement.dataset.theme = y < 128000 ? 'dark' : 'light';
  }
} catch (e) { /* no theme: the stylesheet's own choice stands */ }

init({ module_or_path: '/assets/ashyq_bg.wasm' }).catch((err) => {
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

// The words of rare screens (why a code was rejected), fetched the first time one shows.
window.ashyqTexts = () => import('/assets/texts_lazy.js').then((m) => m.default);
