// node tests/e2e/run.mjs        (./build.sh test runs it; needs ./build.sh build first)
//
// End-to-end: the real ashyq-server (--dev --demo, temporary data dir) and the built app,
// driven in Debian's headless Chromium through the host emulator at /dev/, for Aitu web,
// Telegram web and VK web. Screenshots go to test-results/screenshots/. Timings are a
// benchmark, not a test: tests/e2e/timings.mjs (./build.sh bench).
//
// Environment: ASHYQ_SERVER_BIN (default target/release/ashyq-server), ASHYQ_DIST
// (default dist), ASHYQ_CHROMIUM (default /usr/bin/chromium), ASHYQ_E2E_HOSTS (default
// "aitu,telegram,vk"), ASHYQ_E2E_TIMEOUT_MS (the app's bridge timeout, default 3000).

import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { launch, screenshot, watchPage } from './lib/browser.mjs';
import { COLOURS, Emu, STATUS_WORDS, UNAVAILABLE_WORDS, axeOn } from './lib/emu.mjs';
import { RESULTS, api, demoInfo, devSession, startServer, visitsOf } from './lib/server.mjs';

// The emulator's own checks run first, in the same run.
import './emulator_sign.test.mjs';
import './emulator_page.test.mjs';
// The fallback QR decoder reading frames of signed posters (dist's worker and wasm).
import './decoder.test.mjs';
// The installable app: installability, offline start, the API never from the SW cache.
import './pwa.test.mjs';
// The host-installer bundle: reproducible, and verify-bundle names what is wrong.
import './bundle.test.mjs';
// The app's own camera scanner in a plain browser, with a fake camera filming a poster.
import './camera.test.mjs';
// Owners, door staff, guard mode and families (issue 9): their own server and browser.
import './roles.test.mjs';

const HOSTS = (process.env.ASHYQ_E2E_HOSTS || 'aitu,telegram,vk').split(',').map((s) => s.trim()).filter(Boolean);
const TIMEOUT_MS = Number(process.env.ASHYQ_E2E_TIMEOUT_MS || 3000);

/** DESIGN §1: who may enter where. */
function expectedAdmission(status, venue) {
  if (status === 'RED') return false;
  if (status === 'GREEN') return true;
  if (status === 'YELLOW') return venue.category === 'grocery' || venue.category === 'pharmacy';
  if (status === 'BLUE') return !venue.pcr_required;
  return false;
}

const poster = (venue, dir, entrance = 1) => `poster-${venue.venue_id}-${entrance}-${dir}`;

let srv;
let browser;
let demo;
const venue = {};
const citizen = {};

function assertPass(p, status, v, where) {
  assert.equal(p.status, status, `${where}: pass colour`);
  assert.match(p.word, STATUS_WORDS[status], `${where}: status word "${p.word}" for ${status}`);
  for (const other of COLOURS.filter((c) => c !== status)) {
    assert.doesNotMatch(p.word, STATUS_WORDS[other], `${where}: status word "${p.word}" also reads as ${other}`);
  }
  const admitted = expectedAdmission(status, v);
  assert.equal(p.admitted, String(admitted), `${where}: ${status} at ${v.category} should be ${admitted ? '' : 'not '}admitted`);
  assert.ok(p.venue.includes(v.name), `${where}: venue name "${p.venue}" should include "${v.name}"`);
  assert.ok(p.direction.length > 0, `${where}: direction shown`);
  assert.ok(p.hasQr, `${where}: pass QR present`);
}

function noProblems(emu, where) {
  assert.deepEqual(emu.problems.csp, [], `${where}: CSP violations`);
  assert.deepEqual(emu.problems.errors, [], `${where}: uncaught errors`);
}

describe('end to end: server + app + host emulator', () => {
  // A failed setup fails every test (with its reason) rather than cancelling them quietly.
  let setupError = null;
  const test = (name, fn) =>
    nodeTest(name, async () => {
      if (setupError) throw new Error('setup failed: ' + setupError.message, { cause: setupError });
      await fn();
    });

  before(async () => {
    try {
      mkdirSync(RESULTS, { recursive: true });
      // The poster page's host links (VK's app id comes with --dev).
      srv = await startServer({ extraArgs: ['--telegram-bot-username', 'AshyqDevBot', '--telegram-app-name', 'pass', '--aitu-app-link', 'https://aitu.io/ashyq-dev'] });
      browser = await launch();
      demo = await demoInfo(srv.origin);
      for (const v of demo.venues) venue[v.category] = v;
      for (const c of demo.citizens) citizen[c.expected_status] = c;
      for (const k of ['grocery', 'pharmacy', 'restaurant', 'transport_hub']) assert.ok(venue[k], `demo has a ${k} venue`);
      for (const s of COLOURS) assert.ok(citizen[s], `demo has a ${s} citizen`);
    } catch (e) {
      setupError = e;
      console.error('end-to-end setup failed: ' + e.message);
    }
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('the browser gets the wasm brotli-encoded (the first-load budget counts these bytes)', async () => {
    const page = await browser.newPage();
    try {
      const wasm = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('.wasm'), { timeout: 15_000 });
      await page.goto(srv.origin + '/');
      const r = await wasm;
      const sent = (await r.request().allHeaders())['accept-encoding'] ?? '';
      assert.match(sent, /\bbr\b/, `Chromium offers brotli (Accept-Encoding: ${sent})`);
      const h = await r.allHeaders();
      assert.equal(r.status(), 200, 'wasm status');
      assert.equal(h['content-encoding'], 'br', `wasm Content-Encoding (headers: ${JSON.stringify(h)})`);
      assert.match(h['vary'] ?? '', /accept-encoding/i, 'wasm Vary: Accept-Encoding');
      assert.equal(h['content-type'], 'application/wasm', 'wasm Content-Type');
      // What went over the wire is the .br sibling, not the raw module.
      const sizes = await r.request().sizes();
      assert.ok(sizes.responseBodySize < 100_000, `wasm transferred ${sizes.responseBodySize} bytes`);
    } finally {
      await page.close();
    }
  });

  for (const host of HOSTS) {
    describe(`${host} web`, () => {
      test('each demo citizen signs in and gets the right pass at the grocery entry', async () => {
        // The RED citizen is infectious: anyone still inside the grocery from an earlier test
        // when they come in would (rightly) be listed as a contact and turn YELLOW. Everyone
        // else leaves first (an exit scan through the API), and each one leaves below too.
        for (const s of COLOURS.filter((c) => c !== 'RED')) {
          const token = await devSession(srv.origin, citizen[s].iin);
          const code = venue.grocery.entrances[0].exit_code;
          await api(srv.origin, 'POST', '/v1/visits', { token, body: { code, client_visit_id: crypto.randomUUID() } });
        }
        for (const status of COLOURS) {
          const emu = await Emu.open(browser, srv.origin, { host, citizen: status, timeoutMs: TIMEOUT_MS });
          try {
            await emu.waitScreen('home', 15_000);
            assert.equal(await emu.homeStatus(), status, `${host}/${status}: home status card`);
            if (status === 'GREEN') await emu.shot(`${host}-home-${status}`);
            await emu.scan(poster(venue.grocery, 'in'));
            await emu.waitScreen('pass');
            const p = await emu.readPass();
            await emu.shot(`${host}-pass-${status}-grocery`);
            assertPass(p, status, venue.grocery, `${host}/${status}/grocery`);
            // Leave before the next citizen comes in: the RED citizen is infectious, and a
            // stay that overlapped theirs would (rightly) list the next one as a contact.
            await emu.done();
            await emu.scan(poster(venue.grocery, 'out'));
            await emu.waitScreen('pass');
            noProblems(emu, `${host}/${status}`);
          } finally {
            await emu.close();
          }
        }
      });

      test('BLUE at the airport is not admitted', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'BLUE', timeoutMs: TIMEOUT_MS });
        try {
          await emu.scan(poster(venue.transport_hub, 'in'));
          await emu.waitScreen('pass');
          const p = await emu.readPass();
          await emu.shot(`${host}-pass-BLUE-airport`);
          assertPass(p, 'BLUE', venue.transport_hub, `${host}/BLUE/airport`);
          assert.equal(p.admitted, 'false');
        } finally {
          await emu.close();
        }
      });

      test('YELLOW is admitted at the pharmacy, not at the restaurant', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'YELLOW', timeoutMs: TIMEOUT_MS });
        try {
          await emu.scan(poster(venue.pharmacy, 'in'));
          await emu.waitScreen('pass');
          let p = await emu.readPass();
          await emu.shot(`${host}-pass-YELLOW-pharmacy`);
          assertPass(p, 'YELLOW', venue.pharmacy, `${host}/YELLOW/pharmacy`);
          assert.equal(p.admitted, 'true');
          await emu.done();
          await emu.scan(poster(venue.restaurant, 'in'));
          await emu.waitScreen('pass');
          p = await emu.readPass();
          await emu.shot(`${host}-pass-YELLOW-restaurant`);
          assertPass(p, 'YELLOW', venue.restaurant, `${host}/YELLOW/restaurant`);
          assert.equal(p.admitted, 'false');
        } finally {
          await emu.close();
        }
      });

      test('an exit scan closes the visit in the server diary', async () => {
        const who = citizen.GREEN;
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
        try {
          await emu.scan(poster(venue.grocery, 'in'));
          await emu.waitScreen('pass');
          await emu.done();
          let visits = await visitsOf(srv.origin, who.iin);
          const open = visits.filter((v) => v.venue_id === venue.grocery.venue_id && v.exited_at == null && !v.cancelled);
          assert.equal(open.length, 1, `one open grocery visit after the entry scan, diary: ${JSON.stringify(visits)}`);
          const id = open[0].id;

          await emu.scan(poster(venue.grocery, 'out'));
          await emu.waitScreen('pass');
          await emu.shot(`${host}-pass-GREEN-exit`);
          await emu.done();
          visits = await visitsOf(srv.origin, who.iin);
          const closed = visits.find((v) => v.id === id);
          assert.ok(closed, `visit ${id} still in the diary`);
          assert.notEqual(closed.exited_at, null, `visit ${id} closed: ${JSON.stringify(closed)}`);
          if ('exit_kind' in closed) assert.equal(closed.exit_kind, 'scan');
          assert.equal(
            visits.filter((v) => v.venue_id === venue.grocery.venue_id && v.exited_at == null && !v.cancelled).length,
            0,
            'no open grocery visit left',
          );
        } finally {
          await emu.close();
        }
      });

      test('a forged code and an unknown-key code are rejected and create no visit', async () => {
        const who = citizen.GREEN;
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
        try {
          const before = (await visitsOf(srv.origin, who.iin)).length;
          for (const [testid, code] of [
            ['poster-forged', 'bad_signature'],
            ['poster-unknown-key', 'unknown_key'],
          ]) {
            await emu.scan(testid);
            await emu.waitScreen('rejected');
            assert.equal(await emu.errorCode(), code, `${host}: ${testid}`);
            assert.deepEqual(await emu.colourElements(), [], `${host}: ${testid} shows no colour`);
            await emu.shot(`${host}-rejected-${code}`);
            await emu.reload();
          }
          const after = (await visitsOf(srv.origin, who.iin)).length;
          assert.equal(after, before, 'no visit created by rejected codes');
        } finally {
          await emu.close();
        }
      });

      test('a host that never answers the scan ends in a clear message after the timeout', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
        try {
          await emu.startScan();
          const t0 = Date.now();
          await emu.page.click('[data-testid=scan-never]');
          await emu.waitScreen('error', TIMEOUT_MS + 5000);
          const waited = Date.now() - t0;
          assert.equal(await emu.errorCode(), 'host_timeout');
          const text = (await emu.app.locator('[data-testid=error-message]').textContent())?.trim() ?? '';
          assert.ok(text.length > 0, 'the timeout message has words');
          assert.ok(waited >= TIMEOUT_MS * 0.8, `gave the host its time (${waited} ms of ${TIMEOUT_MS})`);
          await emu.shot(`${host}-error-host_timeout`);
        } finally {
          await emu.close();
        }
      });

      test('axe-core finds nothing on any screen, dark and light', async () => {
        const url = venue.grocery.entrances[0].entry_code;
        const start = 'c1' + url.slice(url.indexOf('#') + 1).replace('.', '');
        for (const theme of ['dark', 'light']) {
          // Opened at a start parameter: the check-in confirmation first.
          const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS, theme, start });
          const check = async (what) => assert.deepEqual(await emu.axe(), [], `axe-core on ${host} ${what} (${theme})`);
          try {
            await emu.waitScreen('checkin', 20_000);
            await check('check-in');
            await emu.app.locator('[data-testid=checkin-confirm]').click();
            await emu.waitScreen('pass');
            await check('pass');
            await emu.done();
            await check('home');
            await emu.startScan();
            await emu.waitScreen('scanning');
            await check('scanner');
            // A forged poster: the rejected screen, once its sentence has loaded.
            await emu.page.click('[data-testid=poster-forged]');
            await emu.waitScreen('rejected');
            await emu.app.locator('[data-testid=error-message]', { hasText: /\S/ }).waitFor({ timeout: 5000 });
            await check('rejected');
            await emu.app.locator('[data-testid=back]').click();
            await emu.waitScreen('home');
            await emu.app.locator('[data-testid=diary-open]').click();
            await emu.waitScreen('diary');
            await check('diary');
            await emu.page.click('[data-testid=host-back]');
            await emu.waitScreen('home');
            if (host === 'aitu') {
              // A denied camera: the error screen with its way out (settings, paste field).
              await emu.startScan();
              await emu.page.click('[data-testid=scan-deny]');
              await emu.waitScreen('error');
              await check('camera denied');
              await emu.app.locator('[data-testid=back]').click();
              await emu.waitScreen('home');
            }
            // The backend down: the honest UNKNOWN screen.
            await srv.kill();
            try {
              await emu.startScan();
              await emu.page.click(`[data-testid="${poster(venue.grocery, 'in')}"]`);
              await emu.checkInAloneIfAsked();
              await emu.waitScreen('unknown', TIMEOUT_MS + 5000);
              await check('unknown');
            } finally {
              await srv.restart();
            }
          } finally {
            await emu.close();
          }
        }
      });

      test('theme, back and a foreign frame: dark and light home and pass, back returns home', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS, theme: 'dark' });
        const appTheme = () => emu.app.locator('html').getAttribute('data-theme');
        try {
          await emu.waitScreen('home');
          // Aitu has no theme API: the app keeps its own (the system's) theme there.
          if (host !== 'aitu') assert.equal(await appTheme(), 'dark', 'the host theme at launch');
          await emu.shot(`${host}-home-dark`);
          assert.deepEqual(await emu.axe(), [], 'axe-core on ' + `${host}-home-dark`);
          // Back from the diary returns home, not out of the app.
          await emu.app.locator('[data-testid=diary-open]').click();
          await emu.waitScreen('diary');
          assert.deepEqual(await emu.axe(), [], 'axe-core on the diary');
          await emu.page.click('[data-testid=host-back]');
          await emu.waitScreen('home');
          // A foreign frame answering the scan is ignored: the scanner still waits.
          await emu.startScan();
          await emu.page.click('[data-testid=foreign-frame]');
          await emu.page.waitForTimeout(500);
          assert.equal(await emu.screen(), 'scanning', 'a foreign frame cannot answer the scan');
          await emu.page.click('[data-testid=scan-cancel]');
          await emu.waitScreen('home');
          await emu.scan(poster(venue.grocery, 'in'));
          await emu.waitScreen('pass');
          await emu.shot(`${host}-pass-dark`);
          assert.deepEqual(await emu.axe(), [], 'axe-core on ' + `${host}-pass-dark`);
          await emu.page.click('[data-testid=theme-toggle]');
          if (host !== 'aitu') {
            await emu.app.locator('html[data-theme=light]').waitFor({ state: 'attached' });
          }
          await emu.shot(`${host}-pass-light`);
          assert.deepEqual(await emu.axe(), [], 'axe-core on ' + `${host}-pass-light`);
          // Back from the pass returns home.
          await emu.page.click('[data-testid=host-back]');
          await emu.waitScreen('home');
          await emu.shot(`${host}-home-light`);
          assert.deepEqual(await emu.axe(), [], 'axe-core on ' + `${host}-home-light`);
        } finally {
          await emu.close();
        }
      });

      if (host === 'telegram' || host === 'vk' || host === 'aitu') {
        test('a start parameter opens the check-in', async () => {
          const url = venue.grocery.entrances[0].entry_code;
          const [payload, sig] = url.slice(url.indexOf('#') + 1).split('.');
          const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS, start: 'c1' + payload + sig });
          try {
            await emu.waitScreen('checkin', 20_000);
            await emu.app.locator('[data-testid=checkin-confirm]').click();
            await emu.waitScreen('pass');
          } finally {
            await emu.close();
          }
        });
      }

      if (host === 'telegram') {
        test('a foreign QR keeps the Telegram scanner open with a hint; the poster then checks in', async () => {
          const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
          try {
            await emu.startScan();
            await emu.page.fill('[data-testid=scan-text]', 'https://example.com/menu');
            await emu.page.click('[data-testid=scan-send]');
            // The popup cannot change its text while open: the app reopens it with the hint.
            await emu.page
              .locator('#scanner-state', { hasText: /not an Ashyq code|не код Ashyq|Ashyq коды емес/i })
              .waitFor({ timeout: 5000 });
            await emu.page.locator('[data-testid=scanner][data-pending=telegram]').waitFor({ state: 'attached' });
            assert.equal(await emu.screen(), 'scanning', 'still scanning, no rejected screen');
            assert.equal(await emu.app.locator('[data-testid=error-message]').count(), 0);
            await emu.page.click(`[data-testid="${poster(venue.grocery, 'in')}"]`);
            await emu.checkInAloneIfAsked();
            await emu.waitScreen('pass');
          } finally {
            await emu.close();
          }
        });
      }

      test('closing the scanner returns quietly home; a denied camera offers a way out', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
        try {
          await emu.startScan();
          await emu.page.click('[data-testid=scan-cancel]');
          await emu.waitScreen('home');
          await emu.page.waitForTimeout(300);
          assert.equal(await emu.screen(), 'home', 'no error screen after the user closed the scanner');
          assert.equal(await emu.app.locator('[data-testid=error-message]').count(), 0);
          if (host === 'aitu') {
            await emu.reload();
            await emu.startScan();
            await emu.page.click('[data-testid=scan-deny]');
            await emu.waitScreen('error');
            assert.equal(await emu.errorCode(), 'permission_denied');
            assert.equal(await emu.app.locator('[data-testid=open-settings]').count(), 1, 'Aitu has openSettings');
            assert.equal(await emu.app.locator('[data-testid=code-input]').count(), 1, 'the paste field');
            await emu.shot(`${host}-error-permission_denied`);
          }
        } finally {
          await emu.close();
        }
      });

      test('server killed mid-session: UNKNOWN, no colour; server back: the next scan works', async () => {
        const emu = await Emu.open(browser, srv.origin, { host, citizen: 'GREEN', timeoutMs: TIMEOUT_MS });
        try {
          await emu.waitScreen('home');
          await srv.kill();
          try {
            await emu.scan(poster(venue.grocery, 'in'));
            await emu.waitScreen('unknown', TIMEOUT_MS + 5000);
            assert.deepEqual(await emu.colourElements(), [], 'no colour while the backend is down');
            const text = await emu.appText();
            assert.match(text, UNAVAILABLE_WORDS, `the UNKNOWN screen says the status is unavailable: "${text.slice(0, 200)}"`);
            assert.equal(await emu.app.locator('[data-testid=pass]').count(), 0, 'no pass element');
            await emu.shot(`${host}-unknown`);
          } finally {
            await srv.restart();
          }
          // Retry (or a new scan) now reaches the backend again.
          if (await emu.app.locator('[data-testid=retry]').count()) {
            await emu.app.locator('[data-testid=retry]').click();
            await emu.page.waitForTimeout(200);
          }
          let screen = await emu.screen();
          if (screen === 'pass') await emu.done();
          else if (screen !== 'home') {
            await emu.reload();
          }
          await emu.scan(poster(venue.grocery, 'in'));
          await emu.waitScreen('pass', 10_000);
          const p = await emu.readPass();
          assertPass(p, 'GREEN', venue.grocery, `${host}/after restart`);
        } finally {
          await emu.close();
        }
      });
    });
  }

  describe('plain browser', () => {
    test('the app loads at / under the server CSP and becomes ready', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = watchPage(page);
      try {
        await page.goto(srv.origin + '/');
        await page.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
        await screenshot(page, 'none-start');
        // Sign-in (the dev citizens) and home with the paste field, in both themes.
        for (const colorScheme of ['dark', 'light']) {
          await page.emulateMedia({ colorScheme });
          assert.deepEqual(await axeOn(page), [], `axe-core on sign-in (${colorScheme})`);
        }
        await page.locator('[data-testid^=citizen-]').first().click();
        await page.locator('#app[data-screen=home]').waitFor({ state: 'attached' });
        for (const colorScheme of ['dark', 'light']) {
          await page.emulateMedia({ colorScheme });
          assert.deepEqual(await axeOn(page), [], `axe-core on the browser home (${colorScheme})`);
        }
        assert.deepEqual(problems.csp, [], 'CSP violations');
        assert.deepEqual(problems.errors, [], 'uncaught errors');
      } finally {
        await context.close();
      }
    });

    test('the pass shows colour, status, admission, clock and Done without scrolling at 390×844 and 320×568, light and dark', async () => {
      for (const [width, height] of [[390, 844], [320, 568]]) {
        for (const colorScheme of ['light', 'dark']) {
          const context = await browser.newContext({ viewport: { width, height }, colorScheme });
          const page = await context.newPage();
          try {
            await page.goto(srv.origin + '/?lang=ru&ashyq_timeout_ms=' + TIMEOUT_MS);
            await page.locator(`[data-testid=citizen-${citizen.GREEN.iin}]`).click({ timeout: 20_000 });
            await page.locator('#app[data-screen=home]').waitFor({ state: 'attached' });
            await page.fill('[data-testid=code-input]', venue.grocery.entrances[0].entry_code);
            await page.click('[data-testid=code-submit]');
            await page.locator('#app[data-screen=pass]').waitFor({ state: 'attached' });
            for (const sel of ['[data-testid=pass]', '.status-word', '[data-testid=admission]', '.clock', '[data-testid=done]']) {
              const box = await page.locator(sel).first().boundingBox();
              assert.ok(box, `${sel} is shown`);
              assert.ok(box.y >= 0 && box.y + Math.min(box.height, 1) <= height, `${sel} starts on screen at ${width}×${height}`);
              if (sel !== '[data-testid=pass]') {
                assert.ok(box.y + box.height <= height, `${sel} ends at ${box.y + box.height} > ${height} at ${width}×${height}`);
              }
            }
            await screenshot(page, `none-pass-${width}x${height}-${colorScheme}`);
          } finally {
            await context.close();
          }
        }
      }
    });

    test('a person pastes a demo code and sees the pass; a poster URL checks out; server down is UNKNOWN', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = watchPage(page);
      const screen = (name, timeout = 10_000) =>
        page.locator(`#app[data-screen=${name}]`).waitFor({ state: 'attached', timeout });
      const readPass = async () => ({
        status: await page.locator('[data-testid=pass]').getAttribute('data-status'),
        admitted: await page.locator('[data-testid=admission]').getAttribute('data-admitted'),
        venue: (await page.locator('[data-testid=venue-name]').textContent())?.trim() ?? '',
        direction: await page.locator('[data-testid=direction]').getAttribute('data-direction'),
      });
      const who = citizen.YELLOW;
      try {
        await page.goto(srv.origin + '/?lang=en&ashyq_timeout_ms=' + TIMEOUT_MS);
        await page.locator(`[data-testid=citizen-${who.iin}]`).click({ timeout: 20_000 });
        await screen('home');
        // Paste the pharmacy's entry code: YELLOW may enter a pharmacy.
        const entrance = venue.pharmacy.entrances[0];
        await page.fill('[data-testid=code-input]', entrance.entry_code);
        await page.click('[data-testid=code-submit]');
        // YELLOW has a child: the app asks who comes along first; this visit is alone.
        await screen('checkin');
        await page.click('[data-testid=checkin-confirm]');
        await screen('pass');
        let p = await readPass();
        assert.equal(p.status, 'YELLOW', 'pasted code: pass colour');
        assert.equal(p.admitted, 'true', 'YELLOW at a pharmacy is admitted');
        assert.ok(p.venue.includes(venue.pharmacy.name), `venue "${p.venue}"`);
        assert.equal(p.direction, 'in');
        await screenshot(page, 'none-pass-YELLOW-pharmacy');

        // What a phone camera does with the exit poster: open its URL. Outside any host the
        // app hands it to the poster page, which offers it inside each configured host (the
        // code as the start parameter) and, sign-in working here (--dev), in this browser.
        await page.goto(entrance.exit_code);
        await page.locator('#app[data-screen=open]').waitFor({ state: 'attached', timeout: 20_000 });
        const body = entrance.exit_code.split('#')[1];
        const param = 'c1' + body.replace('.', '');
        const href = (id) => page.locator(`[data-testid=${id}]`).getAttribute('href');
        assert.equal(await href('open-telegram'), `https://t.me/AshyqDevBot/pass?startapp=${param}`);
        assert.match(await href('open-vk'), new RegExp(`^https://vk\\.com/app\\d+#${param}$`));
        assert.equal(await href('open-aitu'), `https://aitu.io/ashyq-dev#${param}`);
        assert.equal(await href('open-browser'), `/#${param}`);
        assert.deepEqual(await axeOn(page), [], 'axe-core on the poster page');
        await screenshot(page, 'none-poster-page');
        await page.click('[data-testid=open-browser]');
        await screen('checkin', 20_000);
        await page.click('[data-testid=checkin-confirm]');
        await screen('pass');
        p = await readPass();
        assert.equal(p.direction, 'out', 'the exit poster URL closes the visit');
        const visits = await visitsOf(srv.origin, who.iin);
        const closed = visits.find((v) => v.venue_id === venue.pharmacy.venue_id);
        assert.ok(closed && closed.exited_at, 'the server diary shows the pharmacy visit closed');
        await page.click('[data-testid=done]');
        await screen('home');

        // Server down: a pasted code gives the honest UNKNOWN screen, never a colour.
        await srv.kill();
        try {
          await page.fill('[data-testid=code-input]', venue.grocery.entrances[0].entry_code);
          await page.click('[data-testid=code-submit]');
          await screen('checkin');
          await page.click('[data-testid=checkin-confirm]');
          await screen('unknown', TIMEOUT_MS + 5000);
          const colours = await page.evaluate(
            (cs) => [...document.querySelectorAll('[data-status]')].filter((el) => cs.includes(el.getAttribute('data-status'))).length,
            COLOURS,
          );
          assert.equal(colours, 0, 'no colour while the backend is down');
          assert.match(await page.locator('#app').innerText(), UNAVAILABLE_WORDS);
          await screenshot(page, 'none-unknown');
        } finally {
          await srv.restart();
        }
        assert.deepEqual(problems.csp, [], 'CSP violations');
        assert.deepEqual(problems.errors, [], 'uncaught errors');
      } finally {
        await context.close();
      }
    });
  });
});
