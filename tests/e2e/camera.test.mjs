// node --test tests/e2e/camera.test.mjs   (tests/e2e/run.mjs runs it too; needs ./build.sh build
// and the server: ASHYQ_SERVER_BIN, ASHYQ_DIST)
//
// The app's own camera scanner in a plain browser, end to end: headless Chromium with a fake
// camera that films one of our posters (a Y4M made at test time from the poster the server
// signs for a demo venue), the real server, the built app. The app opens the camera, reads
// the poster and checks in; the camera is released when the scan ends or the scanner is
// closed; a denied permission shows its message and the paste field, which still works.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launch, screenshot, watchPage } from './lib/browser.mjs';
import { DEFAULT_BIN, frameMaker, serveFiles } from './lib/decoder.mjs';
import { demoInfo, startServer } from './lib/server.mjs';

// The --dev server seals its signing keys in its database with the well-known dev
// key-encryption key (crates/ashyq-server/src/state.rs, dev_secrets); the poster command
// on the same data needs it, as an operator's would need the real one.
const DEV_KEK = '617368797120646576206b65792d656e6372797074696f6e206b657921212121';
const TIMEOUT_MS = Number(process.env.ASHYQ_E2E_TIMEOUT_MS || 3000);

/** Records every camera stream the page opens, so a test can see that it was stopped. */
function trackStreams() {
  /* global window, navigator */
  window.__streams = [];
  const md = navigator.mediaDevices;
  if (!md) return;
  const orig = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    const s = await orig(c);
    window.__streams.push(s);
    return s;
  };
}

const liveTracks = (page) =>
  page.evaluate(() => window.__streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length);

/**
 * One 640×480 frame of POSTER_PNG (drawn as the decoder tests draw it) as a Y4M file, the
 * format Chromium's fake camera plays in a loop.
 */
async function posterY4m(browser, posterPng, file) {
  const context = await browser.newContext();
  try {
    await serveFiles(context, 'https://frame.test', { '/': Buffer.from('<!doctype html>'), '/poster.png': posterPng });
    await context.addInitScript(frameMaker);
    const page = await context.newPage();
    await page.goto('https://frame.test/');
    const b64 = await page.evaluate(async () => {
      const img = new Image();
      img.src = '/poster.png';
      await img.decode();
      const { data, width: w, height: h } = window.ashyqFrame(img, { h: 700 }, 1);
      // BT.601 full range (C420jpeg): Y for every pixel, U and V for every 2×2 block.
      const out = new Uint8Array(w * h * 1.5);
      for (let i = 0; i < w * h; i++) {
        out[i] = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
      }
      let o = w * h;
      const q = (w / 2) * (h / 2);
      for (let y = 0; y < h; y += 2) {
        for (let x = 0; x < w; x += 2) {
          const i = 4 * (y * w + x);
          const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
          out[o] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
          out[o + q] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
          o++;
        }
      }
      let s = '';
      for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return btoa(s);
    });
    const header = Buffer.from('YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n');
    writeFileSync(file, Buffer.concat([header, Buffer.from(b64, 'base64')]));
  } finally {
    await context.close();
  }
}

describe('camera scanner in a plain browser (fake camera)', () => {
  let srv;
  let plain;
  let camera;
  let demo;
  let work;
  let grocery;
  let who;
  let posterPng;
  let plainCamera;

  before(async () => {
    srv = await startServer();
    demo = await demoInfo(srv.origin);
    grocery = demo.venues.find((v) => v.category === 'grocery');
    who = demo.citizens.find((c) => c.expected_status === 'GREEN');
    assert.ok(grocery && who, 'demo has a grocery and a GREEN citizen');
    work = mkdtempSync(path.join(os.tmpdir(), 'ashyq-camera-'));
    // The poster the server signs for the grocery's entry, as a venue owner would print it.
    const svg = execFileSync(DEFAULT_BIN, [
      'poster', String(grocery.venue_id), '--entrance', '1', '--direction', 'in',
      '--data-dir', srv.dataDir, '--public-origin', srv.origin,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ASHYQ_KEY_ENCRYPTION_KEY: DEV_KEK } });
    posterPng = execFileSync('rsvg-convert', ['--width', '1240', '--format', 'png'], { input: svg, maxBuffer: 64 << 20 });
    const y4m = path.join(work, 'poster.y4m');
    plain = await launch();
    await posterY4m(plain, posterPng, y4m);
    camera = await launch(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`]);
    // Chromium's own fake camera: a moving test pattern, no code in sight.
    plainCamera = await launch(['--use-fake-device-for-media-stream']);
  });

  after(async () => {
    await camera?.close();
    await plainCamera?.close();
    await plain?.close();
    await srv?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function signedIn(grant, browser = camera) {
    const context = await browser.newContext();
    if (grant) await context.grantPermissions(['camera'], { origin: srv.origin });
    await context.addInitScript(trackStreams);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${srv.origin}/?lang=en&ashyq_timeout_ms=${TIMEOUT_MS}`);
    await page.locator(`[data-testid=citizen-${who.iin}]`).click({ timeout: 20_000 });
    await page.locator('#app[data-screen=home]').waitFor({ state: 'attached', timeout: 10_000 });
    return { context, page, problems };
  }

  test('the app opens the camera, reads the poster and checks in; the camera is released', async () => {
    const { context, page, problems } = await signedIn(true);
    try {
      await page.click('[data-testid=scan]');
      await page.locator('[data-testid=camera]').waitFor({ state: 'visible', timeout: 10_000 });
      await screenshot(page, 'browser-camera');
      await page.locator('#app[data-screen=pass]').waitFor({ state: 'attached', timeout: 20_000 });
      assert.equal(await page.locator('[data-testid=pass]').getAttribute('data-status'), 'GREEN');
      assert.equal(await page.locator('[data-testid=direction]').getAttribute('data-direction'), 'in');
      const venue = (await page.locator('[data-testid=venue-name]').textContent()) ?? '';
      assert.ok(venue.includes(grocery.name), `the pass names the poster's venue: "${venue}"`);
      assert.equal(await page.locator('[data-testid=camera]').count(), 0, 'the viewfinder is gone');
      assert.equal(await liveTracks(page), 0, 'the camera is released');
      await screenshot(page, 'browser-camera-pass');
      assert.deepEqual(problems.csp, [], 'CSP violations');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
    }
  });

  for (const [how, end] of [
    ['the close button', (page) => page.click('[data-testid=camera-close]')],
    [
      'the app going to the background',
      (page) =>
        page.evaluate(() => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
          document.dispatchEvent(new Event('visibilitychange'));
        }),
    ],
  ]) {
    test(`${how} releases the camera`, async () => {
      const { context, page } = await signedIn(true);
      try {
        // Hold the frames back so that nothing is read before the scanner ends.
        await page.evaluate(() => {
          window.Worker = class {
            constructor() {
              throw new Error('no decoder in this test');
            }
          };
          delete window.BarcodeDetector;
        });
        await page.click('[data-testid=scan]');
        await page.locator('[data-testid=camera]').waitFor({ state: 'visible', timeout: 10_000 });
        await page.waitForFunction(() => window.__streams.length > 0, null, { timeout: 10_000 });
        assert.equal(await liveTracks(page), 1, 'the camera is on while the scanner is open');
        await end(page);
        await page.locator('[data-testid=camera]').waitFor({ state: 'detached', timeout: 5_000 });
        assert.equal(await liveTracks(page), 0, 'the camera is released');
      } finally {
        await context.close();
      }
    });
  }

  test('the torch button shows where the camera has a light and switches it', async () => {
    const { context, page, problems } = await signedIn(true, plainCamera);
    try {
      // Chromium's fake camera has no light: give its track one, and record what is asked.
      await page.evaluate(() => {
        window.__torch = [];
        const P = MediaStreamTrack.prototype;
        const caps = P.getCapabilities;
        P.getCapabilities = function () {
          return { ...caps.call(this), torch: true };
        };
        P.applyConstraints = async function (c) {
          window.__torch.push(c?.advanced?.[0]?.torch);
        };
      });
      await page.click('[data-testid=scan]');
      const torch = page.locator('[data-testid=camera-torch]');
      await torch.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await torch.getAttribute('aria-pressed'), 'false');
      await torch.click();
      await page.waitForFunction(() => window.__torch.length === 1, null, { timeout: 5_000 });
      assert.equal(await torch.getAttribute('aria-pressed'), 'true', 'the button says the light is on');
      await torch.click();
      await page.waitForFunction(() => window.__torch.length === 2, null, { timeout: 5_000 });
      assert.deepEqual(await page.evaluate(() => window.__torch), [true, false], 'on, then off');
      assert.equal(await torch.getAttribute('aria-pressed'), 'false');
      await page.click('[data-testid=camera-close]');
      await page.locator('[data-testid=camera]').waitFor({ state: 'detached', timeout: 5_000 });
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
    }
  });

  test('a camera without a light shows no torch button', async () => {
    const { context, page } = await signedIn(true, plainCamera);
    try {
      await page.click('[data-testid=scan]');
      await page.locator('[data-testid=camera]').waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForFunction(() => window.__streams.length > 0, null, { timeout: 10_000 });
      // The light is looked for once the stream runs: give it that moment.
      await page.waitForTimeout(300);
      assert.equal(await page.locator('[data-testid=camera-torch]').isVisible(), false);
      await page.click('[data-testid=camera-close]');
    } finally {
      await context.close();
    }
  });

  test('a photo of the poster from the gallery is read the same way', async () => {
    const { context, page, problems } = await signedIn(true, plainCamera);
    try {
      await page.click('[data-testid=scan]');
      await page.locator('[data-testid=camera]').waitFor({ state: 'visible', timeout: 10_000 });
      await page.setInputFiles('[data-testid=camera-photo]', { name: 'poster.png', mimeType: 'image/png', buffer: posterPng });
      await page.locator('#app[data-screen=pass]').waitFor({ state: 'attached', timeout: 20_000 });
      assert.equal(await page.locator('[data-testid=pass]').getAttribute('data-status'), 'GREEN');
      assert.equal(await page.locator('[data-testid=camera]').count(), 0, 'the viewfinder is gone');
      assert.equal(await liveTracks(page), 0, 'the camera is released');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
    }
  });

  test("door staff read a visitor's pass QR the same way (a photo of it, in a plain browser)", async () => {
    // The visitor checks in (pasting the code) and shows the pass.
    const visitor = await signedIn(true, plainCamera);
    const staffer = demo.citizens.find((c) => (demo.staff ?? []).some((s) => s.iin === c.iin));
    assert.ok(staffer, 'demo has door staff (at the grocery)');
    let staff;
    try {
      await visitor.page.fill('[data-testid=code-input]', grocery.entrances[0].entry_code);
      await visitor.page.click('[data-testid=code-submit]');
      await visitor.page.locator('#app[data-screen=pass]').waitFor({ state: 'attached', timeout: 10_000 });
      const status = await visitor.page.locator('[data-testid=pass]').getAttribute('data-status');
      const qr = visitor.page.locator('[data-testid=pass-qr]');
      await qr.waitFor({ state: 'visible', timeout: 5000 });
      const passPng = await qr.screenshot();

      // The staff member's own phone: a plain browser, its camera scanner, the photo.
      const context = await plainCamera.newContext();
      await context.grantPermissions(['camera'], { origin: srv.origin });
      const page = await context.newPage();
      const problems = watchPage(page);
      staff = { context };
      await page.goto(`${srv.origin}/?lang=en&ashyq_timeout_ms=${TIMEOUT_MS}`);
      await page.locator(`[data-testid=citizen-${staffer.iin}]`).click({ timeout: 20_000 });
      await page.locator('[data-testid=door-open]').click({ timeout: 10_000 });
      await page.locator('#roles[data-screen=door]').waitFor({ state: 'attached', timeout: 15_000 });
      await page.locator('#roles [data-testid=check-pass]').first().click();
      await page.locator('[data-testid=camera]').waitFor({ state: 'visible', timeout: 10_000 });
      await page.setInputFiles('[data-testid=camera-photo]', { name: 'pass.png', mimeType: 'image/png', buffer: passPng });
      const v = page.locator('#roles [data-testid=verdict]');
      await v.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot(page, 'browser-camera-door');
      assert.equal(await v.getAttribute('data-verdict'), 'valid', `the pass is valid: ${await v.innerText()}`);
      assert.equal(await v.getAttribute('data-status'), status, "the door sees the visitor's status");
      assert.equal(await page.locator('[data-testid=camera]').count(), 0, 'the viewfinder is gone');
      assert.deepEqual(problems.csp, [], 'CSP violations');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await staff?.context.close();
      await visitor.context.close();
    }
  });

  test('permission denied shows the message and the paste field, which still checks in', async () => {
    const { context, page, problems } = await signedIn(false);
    try {
      await page.click('[data-testid=scan]');
      await page.locator('#app[data-screen=error]').waitFor({ state: 'attached', timeout: 15_000 });
      const msg = page.locator('[data-testid=error-message]');
      assert.equal(await msg.getAttribute('data-code'), 'permission_denied');
      assert.match((await msg.textContent()) ?? '', /permission/i);
      assert.equal(await page.locator('[data-testid=camera]').count(), 0, 'no viewfinder left');
      await screenshot(page, 'browser-camera-denied');
      await page.fill('[data-testid=code-input]', grocery.entrances[0].entry_code);
      await page.click('[data-testid=code-submit]');
      await page.locator('#app[data-screen=pass]').waitFor({ state: 'attached', timeout: 10_000 });
      assert.equal(await page.locator('[data-testid=pass]').getAttribute('data-status'), 'GREEN');
      assert.deepEqual(problems.errors, [], 'uncaught errors');
    } finally {
      await context.close();
    }
  });
});
