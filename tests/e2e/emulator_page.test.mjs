// node --test tests/e2e/emulator_page.test.mjs
//
// The host emulator page (www-dev/) on its own: served by a tiny static server with the
// real server's CSP, hosting a stand-in mini-app (fixtures/fake-app/) that speaks each
// host's web protocol as the hosts' SDKs do. Proves the emulator loads without CSP
// violations and answers in the shapes the SDKs expect, with identities that verify.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { launch, screenshot, watchPage } from './lib/browser.mjs';
import { ROOT } from './lib/server.mjs';
import { aituSignString, telegramCheckString, vkSignString } from '../../www-dev/sign.js';

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

const DEMO = {
  secrets: { aitu_api_key: 'aitu-test-key', telegram_bot_token: '42:test-bot', vk_app_secret: 'vk-test-secret', vk_app_id: 51234567 },
  citizens: ['RED', 'YELLOW', 'BLUE', 'GREEN'].map((s, i) => ({
    iin: '90010130000' + i,
    name: ['Айгерим', 'Ерлан', 'Дана', 'Асем'][i],
    lastname: 'Тест',
    phone: '+7701000000' + i,
    aitu_id: 'aitu-' + i,
    telegram_id: 1000001 + i,
    vk_id: 2000001 + i,
    expected_status: s,
  })),
  venues: [
    {
      venue_id: 1,
      name: 'Магнум <img src=x onerror=alert(1)>',
      category: 'grocery',
      pcr_required: false,
      address: 'Алматы',
      entrances: [{ entrance: 1, entry_code: 'https://ashyq.example/v/1#IN1.SIG', exit_code: 'https://ashyq.example/v/1#OUT1.SIG' }],
    },
  ],
  test_codes: { forged: 'https://ashyq.example/v/1#FORGED.SIG', unknown_key: 'ASHYQ1:UNKNOWN.SIG' },
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function serve() {
  const files = (p) => {
    if (p === '/dev/api/demo') return { body: JSON.stringify(DEMO), type: 'application/json' };
    if (p === '/dev/' || p === '/dev') return path.join(ROOT, 'www-dev/index.html');
    if (/^\/dev\/[a-z_]+\.(js|css|html)$/.test(p)) return path.join(ROOT, 'www-dev', p.slice('/dev/'.length));
    if (p === '/' || p.startsWith('/v/')) return path.join(ROOT, 'tests/e2e/fixtures/fake-app/index.html');
    if (p === '/fake-app.js') return path.join(ROOT, 'tests/e2e/fixtures/fake-app/fake-app.js');
    return null;
  };
  const server = http.createServer(async (req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const f = files(p);
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    if (typeof f === 'object') {
      res.writeHead(200, { 'content-type': f.type }).end(f.body);
      return;
    }
    try {
      const body = await readFile(f);
      res.writeHead(200, { 'content-type': TYPES[path.extname(f)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('host emulator page (stand-in app, static server with CSP)', () => {
  let server;
  let origin;
  let browser;

  before(async () => {
    server = await serve();
    origin = `http://127.0.0.1:${server.address().port}`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  async function open(host, citizen = 'GREEN') {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${origin}/dev/?host=${host}&citizen=${citizen}&ashyq_timeout_ms=1234`);
    await page.locator('html[data-emulator-ready="1"]').waitFor({ state: 'attached', timeout: 10_000 });
    const app = page.frameLocator('[data-testid=app-frame]');
    await app.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout: 10_000 });
    const frame = await (await page.$('[data-testid=app-frame]')).contentFrame();
    return { context, page, problems, frame };
  }

  test('aitu: launch URL, signed GetMe/GetPhone, scan, cancel, deny, never, storage, title', async () => {
    const { context, page, problems, frame } = await open('aitu', 'BLUE');
    try {
      const search = new URLSearchParams(await frame.evaluate(() => window.fake.search));
      assert.equal(search.get('__aitu-domain'), origin);
      assert.equal(search.get('ashyq_timeout_ms'), '1234');

      const me = await frame.evaluate(() => window.fake.aitu('invoke', 'GetMe', {}));
      assert.equal(me.id, 'aitu-2');
      assert.equal(me.name, 'Дана');
      const hmac = (o) => createHmac('sha256', DEMO.secrets.aitu_api_key).update(aituSignString(o)).digest('hex');
      assert.equal(me.sign, hmac(me));
      assert.ok(!aituSignString(me).includes('notifications_allowed'), 'false values are not signed');
      const phone = await frame.evaluate(() => window.fake.aitu('invoke', 'GetPhone', {}));
      assert.deepEqual(Object.keys(phone).sort(), ['phone', 'sign']);
      assert.equal(phone.sign, createHmac('sha256', DEMO.secrets.aitu_api_key).update('phone:+77010000002').digest('hex'));

      // Scan answered with a poster.
      assert.equal(await page.locator('[data-testid=scanner]').isHidden(), true, 'scanner hidden while idle');
      let scan = frame.evaluate(() => window.fake.aitu('getQr'));
      await page.locator('[data-testid=scanner][data-pending=aitu]').waitFor({ state: 'visible' });
      await screenshot(page, 'emulator-aitu-scanner');
      await page.click('[data-testid=poster-1-1-in]');
      assert.equal(await scan, DEMO.venues[0].entrances[0].entry_code);
      assert.equal(await page.locator('[data-testid=scanner]').isHidden(), true);

      // Free text.
      scan = frame.evaluate(() => window.fake.aitu('getQr'));
      await page.locator('[data-testid=scanner][data-pending=aitu]').waitFor();
      await page.fill('[data-testid=scan-text]', 'ASHYQ1:typed.code');
      await page.click('[data-testid=scan-send]');
      assert.equal(await scan, 'ASHYQ1:typed.code');

      // Cancel and deny are errors; never answers nothing.
      scan = frame.evaluate(() => window.fake.aitu('getQr').then(() => null, (e) => e));
      await page.locator('[data-testid=scanner][data-pending=aitu]').waitFor();
      await page.click('[data-testid=scan-cancel]');
      assert.ok((await scan)?.code, 'cancel rejects with an error object');
      scan = frame.evaluate(() => window.fake.aitu('getQr').then(() => null, (e) => e));
      await page.locator('[data-testid=scanner][data-pending=aitu]').waitFor();
      await page.click('[data-testid=scan-deny]');
      assert.equal((await scan)?.code, 'permission_denied');
      assert.ok((await scan)?.msg);
      const never = await frame.evaluate(async () => {
        let settled = false;
        window.fake.aitu('getQr').then(() => (settled = true), () => (settled = true));
        await new Promise((r) => setTimeout(r, 100));
        document.documentElement.dataset.waiting = '1';
        await new Promise((r) => setTimeout(r, 800));
        return settled;
      }).catch((e) => e);
      assert.equal(never, false, 'the dropped request is never answered');

      // Storage per user, title, vibrate.
      assert.equal(await frame.evaluate(() => window.fake.aitu('storage', 'setItem', { keyName: 'k', keyValue: 'v' })), null);
      assert.equal(await frame.evaluate(() => window.fake.aitu('storage', 'getItem', { keyName: 'k' })), 'v');
      assert.equal(await frame.evaluate(() => window.fake.aitu('storage', 'getItem', { keyName: 'nope' })), null);
      await frame.evaluate(() => window.fake.aitu('setTitle', 'Ashyq — pass'));
      assert.equal(await page.textContent('[data-testid=host-title]'), 'Ashyq — pass');
      await frame.evaluate(() => window.fake.aitu('vibrate', [50]));

      // The log shows both directions, as text (the venue name with markup stays text).
      const log = await page.locator('[data-testid=bridge-log] li').allTextContents();
      assert.ok(log.some((l) => l.includes('app → host') && l.includes('getQr')));
      assert.ok(log.some((l) => l.includes('host → app') && l.includes('permission_denied')));
      assert.equal(await page.locator('img').count(), 0, 'no markup from data was rendered');
      assert.deepEqual(problems.csp, []);
      assert.deepEqual(problems.errors, []);
      await screenshot(page, 'emulator-aitu');
    } finally {
      await context.close();
    }
  });

  test('telegram: init data verifies, scan popup events in the web shape', async () => {
    const { context, page, problems, frame } = await open('telegram', 'RED');
    try {
      const hash = new URLSearchParams((await frame.evaluate(() => window.fake.hash)).slice(1));
      assert.equal(hash.get('tgWebAppVersion'), '7.10');
      assert.equal(hash.get('tgWebAppPlatform'), 'weba');
      assert.ok(JSON.parse(hash.get('tgWebAppThemeParams')).bg_color);
      const init = new URLSearchParams(hash.get('tgWebAppData'));
      const fields = Object.fromEntries(init);
      const user = JSON.parse(fields.user);
      assert.equal(user.id, 1000001);
      assert.equal(user.first_name, 'Айгерим');
      assert.ok(Math.abs(Number(fields.auth_date) - Date.now() / 1000) < 60);
      const secret = createHmac('sha256', 'WebAppData').update(DEMO.secrets.telegram_bot_token).digest();
      assert.equal(fields.hash, createHmac('sha256', secret).update(telegramCheckString(fields)).digest('hex'));

      await frame.evaluate(() => window.fake.tgPost('web_app_open_scan_qr_popup', { text: 'Scan the poster' }));
      await page.locator('[data-testid=scanner][data-pending=telegram]').waitFor({ state: 'visible' });
      await page.click('[data-testid=poster-1-1-out]');
      const got = await frame.evaluate(() => window.fake.tgWait('qr_text_received'));
      assert.deepEqual(got, { eventType: 'qr_text_received', eventData: { data: DEMO.venues[0].entrances[0].exit_code } });
      // The popup stays open until the app closes it.
      assert.equal(await page.locator('[data-testid=scanner]').isVisible(), true);
      await frame.evaluate(() => window.fake.tgPost('web_app_close_scan_qr_popup'));
      await page.locator('[data-testid=scanner]').waitFor({ state: 'hidden' });

      await frame.evaluate(() => window.fake.tgPost('web_app_open_scan_qr_popup', { text: 'x' }));
      await page.locator('[data-testid=scanner][data-pending=telegram]').waitFor();
      await page.click('[data-testid=scan-cancel]');
      const closed = await frame.evaluate(() => window.fake.tgWait('scan_qr_popup_closed'));
      assert.equal(closed.eventType, 'scan_qr_popup_closed');

      await frame.evaluate(() => window.fake.tgPost('web_app_request_theme'));
      assert.ok((await frame.evaluate(() => window.fake.tgWait('theme_changed'))).eventData.theme_params.bg_color);
      assert.deepEqual(problems.csp, []);
      assert.deepEqual(problems.errors, []);
      await screenshot(page, 'emulator-telegram');
    } finally {
      await context.close();
    }
  });

  test('vk: signed launch params, init, launch params, code reader result and failure', async () => {
    const { context, page, problems, frame } = await open('vk', 'YELLOW');
    try {
      const search = new URLSearchParams(await frame.evaluate(() => window.fake.search));
      const params = Object.fromEntries(search);
      assert.equal(params.vk_user_id, '2000002');
      assert.equal(params.vk_app_id, '51234567');
      assert.equal(params.vk_platform, 'desktop_web');
      assert.equal(params.ashyq_timeout_ms, '1234');
      const expected = createHmac('sha256', DEMO.secrets.vk_app_secret)
        .update(vkSignString(params))
        .digest('base64')
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      assert.equal(params.sign, expected);

      const init = await frame.evaluate(() => window.fake.vk('VKWebAppInit'));
      assert.deepEqual(init, { type: 'VKWebAppInitResult', result: true });
      const lp = await frame.evaluate(() => window.fake.vk('VKWebAppGetLaunchParams'));
      assert.equal(lp.type, 'VKWebAppGetLaunchParamsResult');
      assert.equal(lp.vk_user_id, 2000002);
      assert.equal(lp.sign, params.sign);

      let scan = frame.evaluate(() => window.fake.vk('VKWebAppOpenCodeReader'));
      await page.locator('[data-testid=scanner][data-pending=vk]').waitFor({ state: 'visible' });
      await page.click('[data-testid=poster-unknown-key]');
      assert.deepEqual(await scan, { type: 'VKWebAppOpenCodeReaderResult', code_data: DEMO.test_codes.unknown_key });

      scan = frame.evaluate(() => window.fake.vk('VKWebAppOpenCodeReader').then(() => null, (e) => e));
      await page.locator('[data-testid=scanner][data-pending=vk]').waitFor();
      await page.click('[data-testid=scan-cancel]');
      assert.deepEqual(await scan, {
        type: 'VKWebAppOpenCodeReaderFailed',
        error_type: 'client_error',
        error_data: { error_code: 4, error_reason: 'User denied' },
      });
      assert.deepEqual(problems.csp, []);
      assert.deepEqual(problems.errors, []);
      await screenshot(page, 'emulator-vk');
    } finally {
      await context.close();
    }
  });

  test('plain browser: no bridge, a poster opens its URL in the app like a phone camera', async () => {
    const { context, page, problems, frame } = await open('none');
    try {
      assert.equal(await frame.evaluate(() => window.fake.search), '?ashyq_timeout_ms=1234');
      await page.click('[data-testid=poster-1-1-in]');
      await page.waitForFunction(() => document.querySelector('iframe')?.contentWindow?.location.pathname === '/v/1');
      const loc = await page.evaluate(() => {
        const l = document.querySelector('iframe').contentWindow.location;
        return l.pathname + l.search + l.hash;
      });
      assert.equal(loc, '/v/1?ashyq_timeout_ms=1234#IN1.SIG');
      // Switching hosts reloads the app with the new launch data.
      await page.selectOption('[data-testid=host-select]', 'vk');
      await page.frameLocator('[data-testid=app-frame]').locator('html[data-ready="1"]').waitFor({ state: 'attached' });
      const f2 = await (await page.$('[data-testid=app-frame]')).contentFrame();
      assert.match(await f2.evaluate(() => window.fake.search), /vk_user_id=2000004/);
      await page.selectOption('[data-testid=citizen-select]', '0');
      await page.waitForFunction(() => /vk_user_id=2000001/.test(document.querySelector('iframe')?.contentWindow?.location.search ?? ''));
      assert.deepEqual(problems.csp, []);
      assert.deepEqual(problems.errors, []);
    } finally {
      await context.close();
    }
  });
});
