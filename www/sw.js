// Ashyq's service worker: the installable app shell (PWA), so a started app shows its own
// screens offline: the honest offline / UNKNOWN screen, never a colour, because nothing
// from the API is ever cached. Registered by assets/boot.js (top-level pages only).
//
// - The shell (index.html and what it loads, the web app manifest and its icons) is
//   cached at install, under a cache named after this build. build.mjs writes SHELL and
//   BUILD below; a new deploy changes them, so the browser installs the new worker on the
//   next start, which replaces the old cache when it activates.
// - Navigations: the network first (a new deploy is seen at once), the cached index.html
//   when the network fails or takes longer than NAV_TIMEOUT_MS.
// - /assets/*: content-hashed, so the cache first; a lazy part (the QR decoder) is cached
//   the first time it is loaded.
// - Everything else, above all /v1/* (status, passes, sessions, keys), /healthz, /metrics
//   and /dev/*, goes to the network untouched and is never stored.

const SHELL = []; // build.mjs: the shell's URL paths
const BUILD = 'dev'; // build.mjs: a hash of the shell
const CACHE = 'ashyq-shell-' + BUILD;
const NAV_TIMEOUT_MS = 5000;
const NEVER = /^\/(v1|dev)(\/|$)|^\/(healthz|metrics)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // `reload`: the shell from the server, not from an HTTP cache of the last build.
      .then((cache) => cache.addAll(SHELL.map((p) => new Request(p, { cache: 'reload' }))))
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
    event.respondWith(navigate(req));
  } else if (url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname)) {
    event.respondWith(shellFile(req, url));
  }
});

async function navigate(req) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('navigation timed out')), NAV_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fetch(req), timeout]);
  } catch (err) {
    // Every page of the app is index.html (/v/… included): the code is in the fragment.
    const cached = await caches.match('/index.html', { cacheName: CACHE });
    if (cached) return cached;
    throw err;
  } finally {
    clearTimeout(timer);
  }
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
