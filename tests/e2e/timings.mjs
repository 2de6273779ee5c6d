// node tests/e2e/timings.mjs   (./build.sh bench runs it through scripts/bench_app.sh)
//
// The app's timings in headless Chromium against the real server (--dev --demo): a blank
// page and the app loaded top-level, navigation → ready, the same inside the host emulator,
// and scan → pass on screen. Printed and written to test-results/timings.json; a benchmark,
// never asserted (DESIGN §7 targets: scan → pass p95 ≤ 50 ms).
//
// Environment: as tests/e2e/run.mjs (ASHYQ_SERVER_BIN, ASHYQ_DIST, ASHYQ_CHROMIUM), plus
// ASHYQ_BENCH_HOST (default aitu), ASHYQ_BENCH_LOADS (default 10), ASHYQ_BENCH_SCANS
// (default 25), ASHYQ_E2E_TIMEOUT_MS (the app's bridge timeout, default 3000).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { launch } from './lib/browser.mjs';
import { Emu } from './lib/emu.mjs';
import { RESULTS, demoInfo, startServer } from './lib/server.mjs';

const HOST = process.env.ASHYQ_BENCH_HOST || 'aitu';
const LOADS = Math.max(5, Number(process.env.ASHYQ_BENCH_LOADS || 10));
const SCANS = Math.max(20, Number(process.env.ASHYQ_BENCH_SCANS || 25));
const TIMEOUT_MS = Number(process.env.ASHYQ_E2E_TIMEOUT_MS || 3000);

function stats(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return { n: 0 };
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, median: r(q(0.5)), p95: r(q(0.95)), min: r(s[0]), max: r(s.at(-1)) };
}

mkdirSync(RESULTS, { recursive: true });
const srv = await startServer();
const browser = await launch();
try {
  const demo = await demoInfo(srv.origin);
  const grocery = demo.venues.find((v) => v.category === 'grocery');
  if (!grocery) throw new Error('the demo data has no grocery venue');
  const out = { when: new Date().toISOString(), chromium: browser.version(), bridge_timeout_ms: TIMEOUT_MS };

  // A blank page and the app, each loaded top-level in the same browser.
  const context = await browser.newContext();
  const page = await context.newPage();
  const blank = [];
  const appReady = [];
  const appLoad = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(srv.origin + '/dev/blank.html');
    await page.waitForLoadState('load');
    blank.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? NaN));
    await page.goto(srv.origin + '/');
    await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForLoadState('load');
    const t = await page.evaluate(() => ({
      ready: performance.getEntriesByName('ashyq-ready')[0]?.startTime ?? NaN,
      load: performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? NaN,
    }));
    appReady.push(t.ready);
    appLoad.push(t.load);
  }
  await context.close();
  out.blank_page_load_ms = stats(blank);
  out.app_navigation_to_ready_ms = stats(appReady);
  out.app_load_event_ms = stats(appLoad);

  // Inside the host emulator, as the GREEN citizen.
  const emu = await Emu.open(browser, srv.origin, { host: HOST, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
  try {
    const inFrameReady = [];
    for (let i = 0; i < 5; i++) {
      await emu.reload();
      const f = await emu.frame();
      inFrameReady.push(await f.evaluate(() => performance.getEntriesByName('ashyq-ready')[0]?.startTime ?? NaN));
    }
    out.app_in_host_navigation_to_ready_ms = stats(inFrameReady);
    const dom = [];
    const painted = [];
    for (let i = 0; i < SCANS; i++) {
      const t = await emu.timedScan(`poster-${grocery.venue_id}-1-in`);
      dom.push(t.dom);
      painted.push(t.painted);
      await emu.done();
    }
    out.scan_to_pass_dom_ms = stats(dom);
    out.scan_to_pass_painted_ms = stats(painted);
    out.scan_host = emu.host;
  } finally {
    await emu.close();
  }

  const line = (k, s) => (s?.n ? `  ${k.padEnd(36)} n=${String(s.n).padStart(3)}  median ${s.median} ms  p95 ${s.p95} ms` : `  ${k}: no samples`);
  console.log(`App timings (${out.chromium}, host ${HOST}; DESIGN §7: scan → pass p95 ≤ 50 ms)`);
  for (const k of ['blank_page_load_ms', 'app_load_event_ms', 'app_navigation_to_ready_ms', 'app_in_host_navigation_to_ready_ms', 'scan_to_pass_dom_ms', 'scan_to_pass_painted_ms']) {
    console.log(line(k, out[k]));
  }
  writeFileSync(path.join(RESULTS, 'timings.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  await browser.close();
  await srv.stop();
}
