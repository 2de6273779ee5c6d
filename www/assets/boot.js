// Loads the Ashyq WebAssembly app. A module file (not inline) so the strict CSP
// `script-src 'self' 'wasm-unsafe-eval'` holds. build.sh rewrites these two asset names
// to their content-hashed copies.
import init from '/assets/ashyq.js';

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
