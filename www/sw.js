// Ashyq's service worker: the installable app shell (PWA), so a started app shows its own
// screens offline: the honest offline / UNKNOWN screen, never a colour, because nothing
// from the API is ever cached. Registered by assets/boot.js (top-level pages only).
//
// - The shell (index.html and what it loads, the web app manifest and its icons) is
//   cached at install, under a cache named after this build. build.mjs writes SHELL and
//   BUILD below; a new deploy changes them, so the browser (which checks sw.js on every
//   start) installs the new worker, which replaces the old cache when it activates; boot.js
//   then reloads a page nobody has touched yet, so the new shell shows on that start.
//   Content-hashed assets come from the HTTP cache when they are there (a hashed name never
//   changes its bytes): the first visit does not download the app twice.
// - Navigations to the app (/, /index.html, /v/1…): this build's index.html from the cache,
//   at once, with no network wait (a warm start on a slow link is then local); the network
//   only when it is not cached. Other navigations: the network.
// - /assets/*: content-hashed, so the cache first; a lazy part (the camera scanner, the QR
//   decoder) is cached the first time it is loaded.
// - Everything else, above all /v1/* (status, passes, sessions, keys), /healthz, /metrics
//   and /dev/*, goes to the network untouched and is never stored.

const SHELL = []; // build.mjs: the shell's URL paths
const BUILD = 'dev'; // build.mjs: a hash of the shell
const CACHE = 'ashyq-shell-' + BUILD;
const NEVER = /^\/(v1|dev)(\/|$)|^\/(healthz|metrics)$/;
// The paths the server answers with index.html (crates/ashyq-server/src/web.rs).
const APP_PAGE = /^\/(index\.html|v\/1\/?)?$/;
const HASHED = /^\/assets\/.+\.[0-9a-f]{8}\.\w+$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Unhashed files from the server (`reload`: not an HTTP-cached copy of the last build).
      .then((cache) => cache.addAll(SHELL.map((p) => new Request(p, { cache: HASHED.test(p) ? 'default' : 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('ashyq-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  if (req.mode === 'navigate') {
    if (APP_PAGE.test(url.pathname)) event.respondWith(appPage(req));
  } else if (url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname)) {
    event.respondWith(shellFile(req, url));
  }
});

async function appPage(req) {
  // Every page of the app is index.html (/v/1 included: the code is in the fragment).
  const cached = await caches.match('/index.html', { cacheName: CACHE });
  return cached || fetch(req);
}

async function shellFile(req, url) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  // Only hashed assets are stored at run time: they never change under the same name.
  if (res.ok && url.pathname.startsWith('/assets/') && !NEVER.test(url.pathname)) {
    await cache.put(req, res.clone());
  }
  return res;
}
