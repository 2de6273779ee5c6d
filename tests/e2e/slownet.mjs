// node tests/e2e/slownet.mjs   (./build.sh bench runs it through scripts/bench_slownet.sh)
//
// Start-up on a slow mobile network (issue 12): headless Chromium with every target (the
// page, and the app's service worker) on an emulated slow-4G link (CDP
// Network.emulateNetworkConditions: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up),
// against the real server (--dev --demo). Each round, in a fresh browser context (empty
// HTTP cache, no service worker):
//   blank  a blank page (/dev/blank.html): navigation → load event, the floor of the link;
//   cold   the app for a signed-in visitor (session and keys in localStorage, as after an
//          earlier visit; nothing else cached): navigation → `ashyq-ready`, the first
//          screen the visitor can scan from;
//   warm   the same once the service worker controls the page (its shell cached):
//          navigation → `ashyq-ready` again.
// Also: navigation → the status colour on the home screen (the status request comes after
// the app is ready), and the bytes of the whole first visit until the service worker holds
// its shell. Reported: the median (and min, max) of ≥ 5 rounds, with the bytes received over the
// network up to ready (headers and bodies as transferred; the service worker's own fetches
// included, its cache hits not) and the content encoding the app's wasm arrived in.
// Printed and written to test-results/slownet.json; a benchmark, never asserted (targets:
// cold ≤ 1.0 s, warm ≤ 0.3 s).
//
// Environment: ASHYQ_SERVER_BIN, ASHYQ_DIST (as tests/e2e/run.mjs), ASHYQ_CHROMIUM,
// ASHYQ_BENCH_ROUNDS (default 7), ASHYQ_BENCH_DISTS ("label=dir,label=dir": several builds
// of the app in the same run, one server each, rounds interleaved — e.g. before and after a
// change; default: ASHYQ_DIST as "app"), ASHYQ_BENCH_TRACE=1 prints each request of the
// first cold and warm start (start and end, ms after navigation) to see what waits on what.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { launchCdp } from './lib/cdp.mjs';
import { RESULTS, demoInfo, startServer } from './lib/server.mjs';

const ROUNDS = Math.max(5, Number(process.env.ASHYQ_BENCH_ROUNDS || 7));
const TRACE = process.env.ASHYQ_BENCH_TRACE === '1';
export const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
  connectionType: 'cellular4g',
};

const DISTS = (process.env.ASHYQ_BENCH_DISTS || `app=${process.env.ASHYQ_DIST || path.join(path.dirname(RESULTS), 'dist')}`)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s) => {
    const i = s.indexOf('=');
    return { label: s.slice(0, i), dist: path.resolve(s.slice(i + 1)) };
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stats(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return { n: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const r = (x) => Math.round(x);
  return { n: s.length, median: r(median), min: r(s[0]), max: r(s.at(-1)) };
}

// ---------------------------------------------------------------- the browser
const throttled = new Set(); // browserContextIds on the slow link
const pageSessions = new Map(); // targetId → sessionId
const contextOf = new Map(); // sessionId → browserContextId
// A service worker is attached twice (by the browser and through the page): one request,
// two sessions. Requests are keyed by target, so each is counted once.
const targetOf = new Map(); // sessionId → targetId
const requests = new Map(); // targetId:requestId → {url, t0, sw, fromSW, fromCache, encoding, status, t1, bytes}
let meter = null; // {context, bytes, wasmEncoding, log: [...]}: what the current navigation received

const browser = await launchCdp({
  async onTarget(sessionId, info, send) {
    contextOf.set(sessionId, info.browserContextId);
    targetOf.set(sessionId, info.targetId);
    if (info.type === 'page') pageSessions.set(info.targetId, sessionId);
    if (!['page', 'service_worker', 'worker', 'iframe'].includes(info.type)) return;
    // Sent together, not one after the other's answer: a paused worker answers only once it runs.
    await Promise.all([
      send('Network.enable', {}, sessionId),
      throttled.has(info.browserContextId) ? send('Network.emulateNetworkConditions', SLOW_4G, sessionId) : null,
    ]);
  },
});
const send = browser.send;

const key = (sid, id) => `${targetOf.get(sid)}:${id}`;
browser.on('Network.requestWillBeSent', (p, sid) => {
  if (!meter || contextOf.get(sid) !== meter.context || requests.has(key(sid, p.requestId))) return;
  requests.set(key(sid, p.requestId), { url: p.request.url, t0: performance.now() - meter.start, sw: sid !== meter.page });
});
browser.on('Network.responseReceived', (p, sid) => {
  const r = requests.get(key(sid, p.requestId));
  if (!r || r.status !== undefined) return;
  r.fromSW = p.response.fromServiceWorker;
  r.fromCache = p.response.fromDiskCache || p.response.fromPrefetchCache || p.response.fromEarlyHints;
  r.encoding = Object.entries(p.response.headers || {}).find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] || 'identity';
  r.status = p.response.status;
});
browser.on('Network.loadingFinished', (p, sid) => {
  const r = requests.get(key(sid, p.requestId));
  if (!r || !meter) return;
  requests.delete(key(sid, p.requestId));
  r.t1 = performance.now() - meter.start;
  r.bytes = r.fromSW || r.fromCache ? 0 : p.encodedDataLength;
  meter.bytes += r.bytes;
  if (/\/assets\/ashyq_bg\.[0-9a-f]+\.wasm$/.test(r.url) && !r.fromSW && !r.fromCache) meter.wasmEncoding = r.encoding;
  meter.log.push(r);
});

async function newPage(slow) {
  const { browserContextId } = await send('Target.createBrowserContext', { disposeOnDetach: true });
  if (slow) throttled.add(browserContextId);
  const { targetId } = await send('Target.createTarget', { url: 'about:blank', browserContextId });
  for (let i = 0; !pageSessions.has(targetId); i++) {
    if (i > 200) throw new Error('the new page was not attached');
    await sleep(10);
  }
  const sid = pageSessions.get(targetId);
  await send('Page.enable', {}, sid);
  await send('Page.addScriptToEvaluateOnNewDocument', { source: STATUS_WATCH }, sid);
  return {
    sid,
    context: browserContextId,
    async eval(expression) {
      const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sid);
      if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
      return r.result.value;
    },
    /** Polls EXPRESSION (through navigations) until it is truthy; its value. */
    async until(expression, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        try {
          const v = await this.eval(expression);
          if (v) return v;
        } catch {
          // The page is between documents.
        }
        if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
        await sleep(15);
      }
    },
    async navigate(url) {
      meter = { context: browserContextId, page: sid, bytes: 0, wasmEncoding: null, log: [], start: performance.now() };
      await send('Page.navigate', { url }, sid);
    },
    async close() {
      throttled.delete(browserContextId);
      await send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
    },
  };
}

// When the home screen first shows a status colour (ms after navigation): the moment the
// visitor sees their status, which needs the status request after the app is ready.
const STATUS_WATCH = `new MutationObserver((_, o) => {
  const s = document.querySelector('[data-testid=status-card]')?.getAttribute('data-status');
  if (s && s !== 'LOADING' && s !== 'UNKNOWN') { window.__ashyqStatusAt = performance.now(); o.disconnect(); }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });`;
const STATUS = `window.__ashyqStatusAt`;
const READY = `document.documentElement.dataset.ready === '1' && performance.getEntriesByName('ashyq-ready')[0]?.startTime`;
const LOADED = `document.readyState === 'complete' && performance.getEntriesByType('navigation')[0]?.loadEventEnd`;

function trace(label, log, ready, status) {
  console.log(`  ${label}: ready at ${Math.round(ready)} ms, status on screen at ${Math.round(status)} ms; each request's start → end (ms after navigation), bytes, encoding`);
  for (const r of [...log].sort((a, b) => a.t0 - b.t0)) {
    const where = r.fromSW ? 'service worker' : r.fromCache ? 'HTTP cache' : r.sw ? 'network (by the worker)' : 'network';
    console.log(`    ${String(Math.round(r.t0)).padStart(5)} → ${String(Math.round(r.t1)).padStart(5)}  ${String(r.bytes).padStart(6)} B  ${(r.encoding || '').padEnd(8)} ${where.padEnd(24)} ${new URL(r.url).pathname}`);
  }
}

/** Signs in the GREEN demo citizen on an unthrottled page: the session and keys it caches. */
async function seed(srv) {
  const demo = await demoInfo(srv.origin);
  const who = demo.citizens.find((c) => c.expected_status === 'GREEN');
  const page = await newPage(false);
  try {
    await page.navigate(`${srv.origin}/?lang=en`);
    await page.until(`(() => { const b = document.querySelector('[data-testid=citizen-${who.iin}]'); if (b) b.click(); return !!b; })()`);
    return await page.until(`(() => {
      const s = localStorage.getItem('ashyq.session'), k = localStorage.getItem('ashyq.keys');
      return s && k && JSON.stringify({ s, k });
    })()`);
  } finally {
    await page.close();
  }
}

async function round(target, cached, out, first) {
  const page = await newPage(true);
  try {
    await page.navigate(`${target.srv.origin}/dev/blank.html`);
    out.blank.push(await page.until(LOADED));
    out.blank_bytes.push(meter.bytes);
    const { s, k } = JSON.parse(cached);
    await page.eval(`localStorage.setItem('ashyq.session', ${JSON.stringify(s)}); localStorage.setItem('ashyq.keys', ${JSON.stringify(k)}); true`);

    await page.navigate(`${target.srv.origin}/?lang=en`);
    const cold = await page.until(READY);
    out.cold.push(cold);
    out.cold_bytes.push(meter.bytes);
    out.wasm_encoding = meter.wasmEncoding || out.wasm_encoding;
    const coldStatus = await page.until(STATUS);
    out.cold_status.push(coldStatus);
    if (first && TRACE) trace(`${target.label} cold`, meter.log, cold, coldStatus);
    // Let the first load finish and the service worker install its shell and take control.
    try {
      await page.until(`navigator.serviceWorker.controller !== null && caches.keys().then((k) => k.length > 0)`, 20_000);
    } catch (e) {
      const why = await page.eval(`navigator.serviceWorker.getRegistration().then((r) => JSON.stringify({ reg: !!r, installing: r?.installing?.state, waiting: r?.waiting?.state, active: r?.active?.state, controller: !!navigator.serviceWorker.controller }))`);
      throw new Error(`${e.message}: ${why}`);
    }
    await sleep(500);
    // The whole first visit: the app, its first requests, and the worker's shell.
    out.first_visit_bytes.push(meter.bytes);

    await page.navigate(`${target.srv.origin}/?lang=en`);
    const warm = await page.until(READY);
    out.warm.push(warm);
    out.warm_bytes.push(meter.bytes);
    const warmStatus = await page.until(STATUS);
    out.warm_status.push(warmStatus);
    if (first && TRACE) trace(`${target.label} warm`, meter.log, warm, warmStatus);
  } finally {
    await page.close();
  }
}

mkdirSync(RESULTS, { recursive: true });
const targets = [];
try {
  for (const d of DISTS) {
    const srv = await startServer({ dist: d.dist });
    targets.push({ ...d, srv, out: { blank: [], blank_bytes: [], cold: [], cold_bytes: [], cold_status: [], first_visit_bytes: [], warm: [], warm_bytes: [], warm_status: [], wasm_encoding: null } });
  }
  for (const t of targets) t.cached = await seed(t.srv);
  const version = await send('Browser.getVersion');
  for (let i = 0; i < ROUNDS; i++) {
    for (const t of targets) await round(t, t.cached, t.out, i === 0);
  }

  const result = { when: new Date().toISOString(), chromium: version.product, conditions: SLOW_4G, rounds: ROUNDS, builds: {} };
  console.log(`Start-up on slow 4G (${version.product}; ${SLOW_4G.latency} ms, 1.6 Mbit/s down, 750 kbit/s up), ${ROUNDS} rounds; targets: cold ≤ 1000 ms, warm ≤ 300 ms`);
  const fmt = (s, b) => `median ${String(s.median).padStart(5)} ms (min ${s.min}, max ${s.max}), ${(stats(b).median / 1024).toFixed(1).padStart(6)} KB received`;
  for (const t of targets) {
    const o = t.out;
    const r = {
      dist: t.dist,
      blank_load_ms: stats(o.blank),
      blank_bytes: stats(o.blank_bytes),
      cold_ready_ms: stats(o.cold),
      cold_bytes: stats(o.cold_bytes),
      cold_status_ms: stats(o.cold_status),
      first_visit_bytes: stats(o.first_visit_bytes),
      warm_ready_ms: stats(o.warm),
      warm_bytes: stats(o.warm_bytes),
      warm_status_ms: stats(o.warm_status),
      wasm_encoding: o.wasm_encoding,
      samples: o,
    };
    result.builds[t.label] = r;
    console.log(`  ${t.label} (${t.dist}; the wasm arrived ${o.wasm_encoding || '?'}):`);
    console.log(`    blank page, load event   ${fmt(r.blank_load_ms, o.blank_bytes)}`);
    console.log(`    cold start → ready       ${fmt(r.cold_ready_ms, o.cold_bytes)}`);
    console.log(`    warm start → ready       ${fmt(r.warm_ready_ms, o.warm_bytes)}`);
    const st = (x) => `median ${String(x.median).padStart(5)} ms (min ${x.min}, max ${x.max})`;
    console.log(`    cold start → status      ${st(r.cold_status_ms)}`);
    console.log(`    warm start → status      ${st(r.warm_status_ms)}`);
    console.log(`    first visit, until the worker holds the shell: ${(r.first_visit_bytes.median / 1024).toFixed(1)} KB received`);
  }
  writeFileSync(path.join(RESULTS, 'slownet.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await browser.close();
  for (const t of targets) await t.srv.stop();
}
