// node --test tests/e2e/roles.test.mjs   (run.mjs imports it; needs ./build.sh build and the server)
//
// End-to-end for the business side and the door (issue 9), through the host emulator, in
// Aitu web and Telegram web (ASHYQ_E2E_ROLE_HOSTS): an owner registers premises and
// downloads a poster; the poster, drawn with rsvg-convert and read with zbarimg, is the
// code a visitor checks in with; door staff (another browser context) scan the visitor's
// pass QR (read from a screenshot with zbarimg, fed to the emulated scanner) → ✔; the same
// pass later (the staff's clock moved on with `ashyq_clock_offset_s`) → ✘; a pass of
// another venue → ✘; a re-issued entrance's old code → "replaced"; guard mode rejects a
// bad IIN check digit with no request and records a visit with a good one; a family
// check-in lists every member; a non-owner cannot reach another business's premises.
// Needs zbarimg (zbar-tools) and rsvg-convert (librsvg2-bin).

import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { launch } from './lib/browser.mjs';
import { Emu, STATUS_WORDS } from './lib/emu.mjs';
import { RESULTS, api, demoInfo, devSession, startServer, visitsOf } from './lib/server.mjs';

const HOSTS = (process.env.ASHYQ_E2E_ROLE_HOSTS || 'aitu,telegram').split(',').map((s) => s.trim()).filter(Boolean);
const TIMEOUT_MS = Number(process.env.ASHYQ_E2E_TIMEOUT_MS || 3000);
const WORK = path.join(RESULTS, 'roles');

/** A valid-looking IIN whose check digit is wrong (the core's rule, DESIGN §3). */
function withBadCheckDigit(iin) {
  const last = Number(iin[11]);
  return iin.slice(0, 11) + String((last + 1) % 10);
}

// zbarimg also looks for linear barcodes, and now and then finds one in the poster's text
// or the QR's own modules (a stray "B/90A"): only QR codes are asked for.
const QR_ONLY = ['-Sdisable', '-Sqrcode.enable'];

/** Decodes the QR code in a PNG with zbarimg; the text, or throws. */
function zbar(png) {
  const out = execFileSync('zbarimg', ['--raw', '-q', ...QR_ONLY, png], { encoding: 'utf8' });
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.equal(lines.length, 1, `one QR code in ${png}: ${JSON.stringify(lines)}`);
  return lines[0];
}

/** The SVG poster as a PNG (rsvg-convert), then its QR text (zbarimg). */
function posterCode(svg, name) {
  const svgFile = path.join(WORK, name + '.svg');
  const pngFile = path.join(WORK, name + '.png');
  writeFileSync(svgFile, svg);
  execFileSync('rsvg-convert', ['-w', '1400', '-b', 'white', '-o', pngFile, svgFile]);
  return zbar(pngFile);
}

/** Saves the poster the app offers (its `a[download]` to a blob: URL) as the owner would. */
async function savePoster(emu, link, name) {
  const [dl] = await Promise.all([emu.page.waitForEvent('download', { timeout: 10_000 }), link.click()]);
  const file = path.join(WORK, name + '-' + dl.suggestedFilename());
  await dl.saveAs(file);
  return readFileSync(file, 'utf8');
}

/** Clicks in the role screens (the lazily loaded module's `#roles`). */
async function roles(emu, selector) {
  return emu.app.locator(`#roles ${selector}`);
}

async function waitRoles(emu, screen, timeout = 15_000) {
  try {
    await emu.app.locator(`#roles[data-screen="${screen}"]`).waitFor({ state: 'attached', timeout });
  } catch (e) {
    const text = await emu.appText().catch(() => '');
    throw new Error(`expected role screen "${screen}" as ${emu.host}; app shows: ${text.slice(0, 300)}`, { cause: e });
  }
}

/** Door staff: "Check a pass", then the emulator's scanner panel "scans" `text`. */
async function checkPass(emu, text) {
  await (await roles(emu, '[data-testid=check-pass]')).first().click();
  await emu.page.locator(`[data-testid=scanner][data-pending="${emu.host}"]`).waitFor({ state: 'attached', timeout: 5000 });
  await emu.page.fill('[data-testid=scan-text]', text);
  await emu.page.click('[data-testid=scan-send]');
  const v = emu.app.locator('#roles [data-testid=verdict]');
  await v.waitFor({ state: 'visible', timeout: 5000 });
  return {
    verdict: await v.getAttribute('data-verdict'),
    reason: await v.getAttribute('data-reason'),
    status: await v.getAttribute('data-status'),
    text: (await v.innerText()).replace(/\s+/g, ' '),
  };
}

/** The dev server's SMS outbox (`--dev` only): what registered phones would have received. */
async function smsOutbox(origin) {
  const r = await fetch(`${origin}/dev/api/sms`);
  assert.equal(r.status, 200);
  return (await r.json()).messages;
}

describe('end to end: owners, door staff, guard mode, families', () => {
  let setupError = null;
  let srv;
  let browser;
  let demo;
  const who = {};
  const test = (name, fn) =>
    nodeTest(name, async () => {
      if (setupError) throw new Error('setup failed: ' + setupError.message, { cause: setupError });
      await fn();
    });

  before(async () => {
    try {
      mkdirSync(WORK, { recursive: true });
      srv = await startServer();
      browser = await launch();
      demo = await demoInfo(srv.origin);
      for (const c of demo.citizens) who[c.expected_status] = c;
      assert.ok(demo.businesses?.length, '/dev/api/demo lists businesses');
      who.owner = demo.citizens.find((c) => demo.businesses.some((b) => b.owner_iin === c.iin && b.owner_status === 'GREEN'));
      who.otherOwner = demo.businesses.find((b) => b.owner_iin !== who.owner?.iin);
      who.staff = demo.citizens.find((c) => (demo.staff ?? []).some((s) => s.iin === c.iin));
      who.parent = demo.citizens.find((c) => (demo.dependants ?? []).some((d) => d.parent_iin === c.iin));
      assert.ok(who.owner, 'demo has a GREEN owner');
      assert.ok(who.otherOwner?.venue_ids?.length, 'demo has another business with premises');
      assert.ok(who.staff, 'demo has door staff');
      assert.ok(who.parent, 'demo has a parent');
    } catch (e) {
      setupError = e;
      console.error('roles end-to-end setup failed: ' + e.message);
    }
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  for (const host of HOSTS) {
    test(`${host}: premises, poster, check-in, the door, expiry, another venue, re-issue`, async () => {
      const open = (citizen, params) => Emu.open(browser, srv.origin, { host, citizen, timeoutMs: TIMEOUT_MS, params });
      const owner = await open(who.owner.iin);
      let visitor;
      let staff;
      let later;
      try {
        // The owner registers premises with two entrances.
        await owner.waitScreen('home', 15_000);
        await owner.app.locator('[data-testid=business-open]').click();
        await waitRoles(owner, 'business');
        const bin = demo.businesses.find((b) => b.owner_iin === who.owner.iin).bin;
        await owner.app.locator(`#roles [data-testid=business][data-bin="${bin}"] [data-testid=register-open]`).click();
        await waitRoles(owner, 'register');
        const name = `E2E Café ${host} — a long name that must wrap on the poster`;
        await owner.app.locator('#reg-name').fill(name);
        await owner.app.locator('#reg-address').fill('Астана, Мәңгілік Ел даңғылы 55/23, блок C4, 2-қабат');
        await owner.app.locator('#reg-category').selectOption('restaurant');
        await owner.app.locator('#reg-entrances').fill('2');
        await owner.app.locator('[data-testid=register-submit]').click();
        await waitRoles(owner, 'premises');
        const venueId = Number(await owner.app.locator('[data-testid=premises-name]').getAttribute('data-venue-id'));
        assert.ok(venueId > 0, 'the new premises has an id');
        assert.equal(await owner.app.locator('#roles [data-testid=entrance]').count(), 2, 'two entrances');

        // The entry poster of entrance 1 (A4, Russian), fetched with the session.
        await owner.app.locator('[data-testid=poster-lang][data-lang=ru]').click();
        await owner.app.locator('[data-testid=entrance][data-entrance="1"] [data-testid=poster-in-a4]').click();
        const link = owner.app.locator('[data-testid=poster-link][data-entrance="1"][data-direction=in]');
        await link.waitFor({ state: 'attached', timeout: 10_000 });
        assert.match(await link.getAttribute('href'), /^blob:/, 'the poster is offered from a blob: URL');
        const svg = await savePoster(owner, link, host);
        assert.match(svg, /<svg/, 'the poster is an SVG');
        await owner.shot(`${host}-owner-premises`);
        const code = posterCode(svg, `${host}-poster-1-in`);
        assert.match(code, /ASHYQ1:|\/v\/1#/, `the poster's QR is a venue code: ${code.slice(0, 60)}`);
        // A table card decodes too.
        await owner.app.locator('[data-testid=entrance][data-entrance="1"] [data-testid=poster-in-card]').click();
        const card = owner.app.locator('[data-testid=poster-link][data-entrance="1"][data-size=card]');
        await card.waitFor({ state: 'attached', timeout: 10_000 });
        const cardSvg = await savePoster(owner, card, host);
        assert.equal(posterCode(cardSvg, `${host}-card-1-in`), code, 'the table card carries the same code');

        // The owner appoints the demo staff member at the new premises.
        await owner.app.locator('#staff-iin').fill(who.staff.iin);
        await owner.app.locator('[data-testid=staff-appoint]').click();
        await owner.app.locator('#roles [data-testid=staff-member]').first().waitFor({ timeout: 10_000 });

        // A visitor checks in with the code read from the poster.
        // Every demo citizen has a role; BLUE (door staff elsewhere) visits here as anyone would.
        visitor = await open('BLUE');
        await visitor.scanText(code);
        await visitor.waitScreen('pass');
        const p = await visitor.readPass();
        assert.ok(p.venue.includes(`E2E Café ${host}`), `the pass names the new premises: ${p.venue}`);
        const qrPng = await visitor.screenshotQr(`${host}-visitor-pass-qr`);
        const token = zbar(qrPng);
        assert.match(token, /^ASHYQP1:/, 'the pass QR is a pass token');

        // Door staff at the new premises: ✔.
        staff = await open(who.staff.iin);
        await staff.waitScreen('home', 15_000);
        await staff.app.locator('[data-testid=door-open]').click();
        await waitRoles(staff, 'door');
        const post = staff.app.locator('#post');
        if (await post.count()) await post.selectOption({ label: name });
        assert.equal(Number(await staff.app.locator('[data-testid=post-venue]').getAttribute('data-venue-id')), venueId);
        let v = await checkPass(staff, token);
        await staff.shot(`${host}-door-valid`);
        assert.equal(v.verdict, 'valid', `a fresh pass is valid: ${v.text}`);
        assert.equal(v.status, p.status, "the door sees the status the visitor's pass shows");
        assert.match(v.text, STATUS_WORDS[p.status], `the verdict shows the status word: ${v.text}`);
        assert.ok(v.text.includes(p.name), `the verdict shows the masked name: ${v.text}`);

        // The same pass, as a screenshot shown later: the door's clock an hour on → ✘.
        later = await open(who.staff.iin, { ashyq_clock_offset_s: 3600 });
        await later.waitScreen('home', 15_000);
        await later.app.locator('[data-testid=door-open]').click();
        await waitRoles(later, 'door');
        const post2 = later.app.locator('#post');
        if (await post2.count()) await post2.selectOption({ label: name });
        v = await checkPass(later, token);
        await later.shot(`${host}-door-expired`);
        assert.equal(v.verdict, 'invalid');
        assert.equal(v.reason, 'expired');
        assert.match(v.text, /screenshot|снимок экрана|скриншот/i);

        // A pass of another venue (the demo grocery) → ✘.
        await visitor.done();
        const grocery = demo.venues.find((x) => x.category === 'grocery');
        await visitor.scan(`poster-${grocery.venue_id}-1-in`);
        await visitor.waitScreen('pass');
        const other = zbar(await visitor.screenshotQr(`${host}-visitor-pass-grocery`));
        v = await checkPass(staff, other);
        await staff.shot(`${host}-door-other-venue`);
        assert.equal(v.verdict, 'invalid');
        assert.equal(v.reason, 'other_venue');
        assert.match(v.text, /another venue|другого места|басқа орын/i);

        // The owner re-issues entrance 1: its old code is refused at check-in.
        await owner.app.locator('[data-testid=entrance][data-entrance="1"] [data-testid=reissue]').click();
        await owner.app.locator('[data-testid=reissue-confirm]').click();
        await owner.app.locator('[data-testid=notice][data-code=reissued]').waitFor({ timeout: 10_000 });
        await visitor.done();
        await visitor.scanText(code);
        await visitor.waitScreen('error');
        assert.equal(await visitor.errorCode(), 'code_revoked');
        assert.match(await visitor.appText(), /replaced|заменён|ауыстырылды/i);
        await visitor.shot(`${host}-visitor-code-revoked`);
        for (const e of [owner, visitor, staff, later]) {
          assert.deepEqual(e.problems.csp, [], `${host}: CSP violations`);
          assert.deepEqual(e.problems.errors, [], `${host}: uncaught errors`);
        }
      } finally {
        for (const e of [owner, visitor, staff, later]) await e?.close();
      }
    });

    test(`${host}: guard mode checks the IIN before any request, then needs the visitor's SMS code`, async () => {
      const staff = await Emu.open(browser, srv.origin, { host, citizen: who.staff.iin, timeoutMs: TIMEOUT_MS });
      try {
        const sent = [];
        staff.page.on('request', (r) => sent.push(r.method() + ' ' + new URL(r.url()).pathname));
        await staff.waitScreen('home', 15_000);
        await staff.app.locator('[data-testid=door-open]').click();
        await waitRoles(staff, 'door');
        const venueId = Number(await staff.app.locator('[data-testid=post-venue]').getAttribute('data-venue-id'));
        await staff.app.locator('[data-testid=guard-open]').click();
        await waitRoles(staff, 'guard');
        const visitorIin = who.RED.iin;
        await staff.app.locator('#guard-iin').fill(withBadCheckDigit(visitorIin));
        const check = staff.app.locator('[data-testid=iin-check]');
        assert.equal(await check.getAttribute('data-state'), 'invalid', 'a bad check digit is flagged as typed');
        await staff.app.locator('[data-testid=guard-submit]').click();
        await staff.page.waitForTimeout(300);
        assert.deepEqual(sent.filter((s) => s.includes('guard-checkin')), [], 'no request for a bad IIN');
        await staff.shot(`${host}-guard-bad-iin`);

        // Step one: a code goes by SMS to the visitor's registered phone (the dev outbox).
        const before = (await smsOutbox(srv.origin)).length;
        await staff.app.locator('#guard-iin').fill(visitorIin);
        assert.equal(await check.getAttribute('data-state'), 'valid');
        await staff.app.locator('[data-testid=guard-submit]').click();
        const codeBox = staff.app.locator('#guard-code');
        await codeBox.waitFor({ timeout: 10_000 });
        assert.ok(!(await staff.appText()).includes(visitorIin), 'the IIN is gone once the code is sent');
        let messages = [];
        for (let i = 0; i < 50 && messages.length <= before; i++) {
          messages = await smsOutbox(srv.origin);
          if (messages.length <= before) await staff.page.waitForTimeout(100);
        }
        const sms = messages[messages.length - 1];
        const code = sms.body.match(/\b(\d{6})\b/)[1];
        assert.ok(!/RED|YELLOW|BLUE|GREEN/.test(sms.body), 'the SMS names no colour');
        await staff.shot(`${host}-guard-code`);
        // A wrong code records nothing and says so. (Each host's run checks the same visitor
        // in at the same premises: count from here.)
        const atVenue = async () => (await visitsOf(srv.origin, visitorIin)).filter((x) => x.venue_id === venueId && x.by_staff);
        const earlier = (await atVenue()).length;
        await codeBox.fill(code === '000000' ? '000001' : '000000');
        await staff.app.locator('[data-testid=guard-submit]').click();
        const problem = staff.app.locator('#roles [data-testid=error-message]');
        await problem.waitFor({ timeout: 10_000 });
        assert.equal(await problem.getAttribute('data-code'), 'presence_not_proven');
        assert.equal((await atVenue()).length, earlier, 'a wrong code records nothing');
        // The visitor's code: admitted or not and the masked name, never the colour.
        await codeBox.fill(code);
        await staff.app.locator('[data-testid=guard-submit]').click();
        const result = staff.app.locator('[data-testid=guard-result]');
        await result.waitFor({ timeout: 10_000 });
        assert.equal(await result.getAttribute('data-admitted'), 'false');
        assert.equal(await result.getAttribute('data-status'), null, 'no colour at the door');
        assert.ok(!(await staff.appText()).includes(visitorIin), 'the full IIN is never shown back');
        assert.equal(sent.filter((s) => s.includes('guard-checkin')).length, 3);
        await staff.shot(`${host}-guard-result`);
        // A later host's run finds the visitor still inside from an earlier one: the same visit.
        assert.ok((await atVenue()).length >= Math.max(earlier, 1), 'the visit is recorded at the staff venue, marked');
      } finally {
        await staff.close();
      }
    });

    test(`${host}: a family checks in together and the pass lists every member`, async () => {
      const parent = await Emu.open(browser, srv.origin, { host, citizen: who.parent.iin, timeoutMs: TIMEOUT_MS });
      try {
        const kids = demo.dependants.filter((d) => d.parent_iin === who.parent.iin);
        const pharmacy = demo.venues.find((x) => x.category === 'pharmacy');
        await parent.scan(`poster-${pharmacy.venue_id}-1-in`, { family: true });
        await parent.waitScreen('checkin');
        const ticks = parent.app.locator('[data-testid=dependant]');
        assert.equal(await ticks.count(), kids.length, 'one tick per dependant');
        // Each tick re-renders the screen: click, then wait for the box to come back ticked.
        for (let i = 0; i < kids.length; i++) {
          await ticks.nth(i).click();
          await parent.app.locator('[data-testid=dependant]:checked').nth(i).waitFor({ state: 'attached', timeout: 5000 });
        }
        await parent.app.locator('[data-testid=checkin-confirm]').click();
        await parent.waitScreen('pass');
        const members = parent.app.locator('[data-testid=party-member]');
        assert.equal(await members.count(), kids.length, 'every member is on the pass');
        const text = await parent.appText();
        for (const k of kids) assert.ok(text.includes(k.name), `${k.name} is on the pass`);
        assert.ok(!kids.some((k) => text.includes(k.iin)), 'no full IIN on the pass');
        await parent.shot(`${host}-family-pass`);
      } finally {
        await parent.close();
      }
    });
  }

  test("a non-owner cannot reach another business's premises", async () => {
    const token = await devSession(srv.origin, who.owner.iin);
    const mine = await api(srv.origin, 'GET', '/v1/business', { token });
    const theirs = who.otherOwner.venue_ids[0];
    assert.ok(!mine.businesses.some((b) => b.premises.some((p) => p.venue_id === theirs)), 'not on my list');
    const refused = async (method, pathname, body) => {
      const r = await fetch(srv.origin + pathname, {
        method,
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const j = await r.json().catch(() => null);
      assert.equal(r.status, 403, `${method} ${pathname}`);
      assert.equal(j?.error?.code, 'not_owner', `${method} ${pathname}`);
    };
    await refused('GET', `/v1/premises/${theirs}/poster.svg?entrance=1&direction=in&lang=kk&size=a4`);
    await refused('POST', `/v1/premises/${theirs}/entrances/1/reissue`, {});
    await refused('POST', `/v1/premises/${theirs}/staff`, { iin: who.staff.iin });
    await refused('POST', `/v1/business/${who.otherOwner.bin}/premises`, {
      name: 'x',
      address: 'y',
      category: 'grocery',
      pcr_required: null,
      entrances: 1,
    });
  });
});
