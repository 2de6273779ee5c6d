// node --test tests/e2e/pwa.test.mjs   (tests/e2e/run.mjs runs it too; needs ./build.sh build
// and the server: ASHYQ_SERVER_BIN, ASHYQ_DIST)
//
// The installable app (www/app.webmanifest, www/sw.js) in headless Chromium against the real
// server: Chromium's own installability check, the installed shell started offline (the
// honest UNKNOWN screen, never a colour), the API never answered from the service
// worker's cache (a status changed on the server shows at once), and a new deploy taking
// over the cached shell on the next start.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, launchPersistent, screenshot, watchPage } from './lib/browser.mjs';
import { COLOURS, UNAVAILABLE_WORDS } from './lib/emu.mjs';
import { ROOT, api, demoInfo, startServer } from './lib/server.mjs';

const DEV_ADMIN_KEY = 'ashyq-dev-admin-key';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NEVER_CACHED = /\/(v1|dev)\/|\/(healthz|metrics)(\?|$)/;

describe('installable app (web manifest + service worker)', () => {
  let srv;
  let browser;
  let demo;

  before(async () => {
    srv = await startServer();
    browser = await launch();
    demo = await demoInfo(srv.origin);
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  /**
   * A fresh context (or CONTEXT) with the app loaded, signed in as a STATUS citizen, and
   * controlled by sw.js.
   */
  async function installed(status, context = null) {
    const who = demo.citizens.find((c) => c.expected_status === status);
    assert.ok(who, `demo has a ${status} citizen`);
    context ??= await browser.newContext();
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(srv.origin + '/?lang=en');
    await page.locator(`[data-testid=citizen-${who.iin}]`).click({ timeout: 20_000 });
    await page.locator('#app[data-screen=home]').waitFor({ state: 'attached', timeout: 10_000 });
    // The worker installs (the shell cached) and takes the page over.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      }
    });
    return { context, page, problems, who };
  }

  const homeStatus = async (page) => {
    const card = page.locator('[data-testid=status-card]');
    await card.waitFor({ state: 'attached', timeout: 10_000 });
    for (let i = 0; i < 50; i++) {
      const s = await card.getAttribute('data-status');
      if (s && s !== 'LOADING') return s;
      await page.waitForTimeout(100);
    }
    return card.getAttribute('data-status');
  };

  const cachedUrls = (page) =>
    page.evaluate(async () => {
      const out = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
      }
      return out;
    });

  test('Chromium finds the app installable (Page.getInstallabilityErrors)', async () => {
    // A real profile: an incognito context is never installable ("in-incognito").
    const profile = mkdtempSync(path.join(os.tmpdir(), 'ashyq-pwa-profile-'));
    const { context, page, problems } = await installed('GREEN', await launchPersistent(profile));
    try {
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, [], 'no installability errors');
      const { errors, url } = await cdp.send('Page.getAppManifest');
      assert.ok(url.endsWith('/app.webmanifest'), `manifest linked: ${url}`);
      assert.deepEqual(errors, [], 'the manifest parses without errors');
      assert.deepEqual(problems.csp, [], 'CSP violations');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('the installed shell started offline shows UNKNOWN, never a colour', async () => {
    const { context, page } = await installed('GREEN');
    try {
      assert.equal(await homeStatus(page), 'GREEN', 'online first: the real status');
      const cached = await cachedUrls(page);
      assert.ok(cached.includes('/index.html'), `the shell is cached: ${cached.join(', ')}`);
      await page.close();
      await context.setOffline(true);
      // A new start of the installed app, with no network at all.
      const start = await context.newPage();
      await start.goto(srv.origin + '/?lang=en');
      await start.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
      // Whatever screen the app settles on, it says the status is unavailable and shows no colour.
      await start.waitForFunction(
        (re) => new RegExp(re, 'i').test(document.getElementById('app')?.innerText ?? ''),
        UNAVAILABLE_WORDS.source,
        { timeout: 15_000 },
      );
      const colours = await start.evaluate(
        (cs) => [...document.querySelectorAll('[data-status]')].filter((el) => cs.includes(el.getAttribute('data-status'))).length,
        COLOURS,
      );
      assert.equal(colours, 0, 'no colour while offline');
      await screenshot(start, 'pwa-offline-start');
    } finally {
      await context.close();
    }
  });

  test('a new deploy replaces the cached shell on the next start', async () => {
    // Its own server, on a copy of dist/ that the test "deploys" over.
    const dist = mkdtempSync(path.join(os.tmpdir(), 'ashyq-deploy-'));
    cpSync(process.env.ASHYQ_DIST || path.join(ROOT, 'dist'), dist, { recursive: true });
    // The server would send these compressed siblings of the old files.
    for (const f of ['index.html', 'sw.js']) for (const ext of ['.br', '.gz']) rmSync(path.join(dist, f + ext), { force: true });
    const own = await startServer({ dist });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchPage(page);
      await page.goto(own.origin + '/?lang=en');
      await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
          await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
        }
      });
      const [oldCache] = await page.evaluate(() => caches.keys());
      assert.match(oldCache, /^ashyq-shell-\w+$/);

      // The deploy: a changed page, and a worker naming a new shell.
      const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
      writeFileSync(path.join(dist, 'index.html'), html.replace('<html lang="kk"', '<html lang="kk" data-deploy="2"'));
      const oldBuild = oldCache.slice('ashyq-shell-'.length);
      const sw = readFileSync(path.join(dist, 'sw.js'), 'utf8');
      assert.ok(sw.includes(oldBuild), 'sw.js names its build');
      writeFileSync(path.join(dist, 'sw.js'), sw.replaceAll(oldBuild, 'deploy2'));
      // A real deploy lands seconds or days after the files it replaces. Here it can land in
      // the same second as the copy above, and the server's Last-Modified has a resolution
      // of one second: the browser's update check would get a 304 for the new sw.js.
      for (const f of ['index.html', 'sw.js']) {
        const later = new Date(statSync(path.join(dist, f)).mtimeMs + 10_000);
        utimesSync(path.join(dist, f), later, later);
      }

      // The next start: the old shell at once, then the new one (nobody touched the page).
      await page.goto(own.origin + '/?lang=en');
      let deploy = null;
      for (let i = 0; i < 100 && deploy !== '2'; i++) {
        await sleep(200);
        deploy = await page.evaluate(() => document.documentElement.dataset.deploy ?? null).catch(() => null);
      }
      assert.equal(deploy, '2', 'the new deploy shows on this start');
      await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
      assert.deepEqual(await page.evaluate(() => caches.keys()), ['ashyq-shell-deploy2'], 'the old shell is gone');
      // A start after that comes straight from the new shell.
      await page.goto(own.origin + '/?lang=en');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.deploy), '2');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
      await own.stop();
      rmSync(dist, { recursive: true, force: true });
    }
  });

  test('the API is never answered from the service worker cache', async () => {
    const { context, page, who } = await installed('BLUE');
    try {
      assert.equal(await homeStatus(page), 'BLUE');
      // The server learns of a completed vaccination: the status is GREEN from now on.
      const report = await api(srv.origin, 'POST', '/v1/import', {
        token: DEV_ADMIN_KEY,
        body: { batch_id: `pwa-${Date.now()}`, vaccinations: [{ iin: who.iin, at: Math.floor(Date.now() / 1000) - 86_400, course_complete: true }] },
      });
      assert.equal(report.accepted, 1, `import accepted: ${JSON.stringify(report)}`);
      await page.reload();
      await page.locator('#app[data-screen=home]').waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal(await homeStatus(page), 'GREEN', 'the page controlled by the worker sees the new status');
      const cached = await cachedUrls(page);
      assert.deepEqual(cached.filter((u) => NEVER_CACHED.test(u)), [], `nothing from the API in any cache: ${cached.join(', ')}`);
    } finally {
      await context.close();
    }
  });
});
