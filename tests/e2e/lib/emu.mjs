// Drives the host emulator (/dev/) and, inside its iframe, the mini-app through the app's
// DOM contract (data-screen, data-testid, data-status).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { screenshot, watchPage } from './browser.mjs';

/** axe-core's source, evaluated in the app frame (evaluation is not subject to its CSP). */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const COLOURS = ['RED', 'YELLOW', 'BLUE', 'GREEN'];

/** The status words the app may show (English, Russian, Kazakh), matched case-insensitively. */
export const STATUS_WORDS = {
  RED: /red|красн|қызыл/i,
  YELLOW: /yellow|ж[её]лт|сары/i,
  BLUE: /blue|син|голуб|көк/i,
  GREEN: /green|зел[её]н|жасыл/i,
};

export const UNAVAILABLE_WORDS = /unavailable|недоступ|қолжетімсіз|белгісіз|not a pass|не пропуск/i;

/** axe-core on a page of its own (not the emulator's frame): the violations, as lines. */
export async function axeOn(page) {
  return page.evaluate(async (src) => {
    if (!window.axe) (0, eval)(src);
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
  }, AXE);
}

export class Emu {
  /**
   * Opens /dev/ in a fresh browser context (fresh storage) as `host` and `citizen`
   * (index, IIN or expected status) and waits until the app is ready to scan.
   */
  static async open(browser, origin, { host, citizen, timeoutMs, waitReady = true, params = {}, theme = '', start = '' }) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 860 }, locale: 'en-US' });
    const page = await context.newPage();
    const problems = watchPage(page);
    const q = new URLSearchParams({ host, citizen: String(citizen) });
    if (timeoutMs) q.set('ashyq_timeout_ms', String(timeoutMs));
    // Other ashyq_* parameters (e.g. ashyq_clock_offset_s): the emulator passes them on.
    for (const [k, v] of Object.entries(params)) q.set(k, String(v));
    if (theme) q.set('theme', theme);
    if (start) q.set('start', start);
    const emu = new Emu(context, page, origin, host, problems);
    await page.goto(`${origin}/dev/?${q}`);
    await page.locator('html[data-emulator-ready="1"]').waitFor({ state: 'attached', timeout: 15_000 });
    if (waitReady) await emu.appReady();
    return emu;
  }

  constructor(context, page, origin, host, problems) {
    this.context = context;
    this.page = page;
    this.origin = origin;
    this.host = host;
    this.problems = problems;
    this.app = page.frameLocator('[data-testid=app-frame]');
  }

  /** axe-core on the app's current screen: the violations, as `rule: targets` lines. */
  async axe() {
    const f = await this.frame();
    const found = await f.evaluate(async (src) => {
      if (!window.axe) (0, eval)(src);
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    }, AXE);
    return found;
  }

  async frame() {
    const el = await this.page.$('[data-testid=app-frame]');
    const f = await el?.contentFrame();
    if (!f) throw new Error('the app iframe has no frame');
    return f;
  }

  async appReady(timeout = 20_000) {
    try {
      await this.app.locator('html[data-ready="1"]').waitFor({ state: 'attached', timeout });
    } catch (e) {
      throw new Error(`app never became ready (html[data-ready=1]) as ${this.host}: ${await this.describe()}`, { cause: e });
    }
  }

  /** What the app shows now, for error messages. */
  async describe() {
    try {
      const f = await this.frame();
      return await f.evaluate(() => {
        const app = document.getElementById('app');
        const err = document.querySelector('[data-testid=error-message]');
        return JSON.stringify({
          url: location.pathname + location.search.slice(0, 60),
          screen: app?.dataset.screen ?? null,
          error: err ? { code: err.getAttribute('data-code'), text: err.textContent?.trim().slice(0, 120) } : null,
          text: (document.body?.innerText ?? '').replace(/\s+/g, ' ').trim().slice(0, 200),
        });
      });
    } catch (e) {
      return `(no app frame: ${e})`;
    }
  }

  async screen() {
    const f = await this.frame();
    return f.evaluate(() => document.getElementById('app')?.dataset.screen ?? null);
  }

  async waitScreen(name, timeout = 10_000) {
    try {
      await this.app.locator(`#app[data-screen="${name}"]`).waitFor({ state: 'attached', timeout });
    } catch (e) {
      throw new Error(`expected screen "${name}" within ${timeout} ms as ${this.host}; app shows ${await this.describe()}`, {
        cause: e,
      });
    }
  }

  async reload() {
    // Mark the current document so the wait below cannot see the old one as ready.
    await (await this.frame()).evaluate(() => {
      document.documentElement.dataset.stale = '1';
    });
    await this.page.click('[data-testid=reload]');
    try {
      await this.app.locator('html[data-ready="1"]:not([data-stale])').waitFor({ state: 'attached', timeout: 20_000 });
    } catch (e) {
      throw new Error(`app never became ready again after reload as ${this.host}: ${await this.describe()}`, { cause: e });
    }
  }

  /** Taps Scan in the app and waits until the host has a scan request pending. */
  async startScan() {
    await this.waitScreen('home', 15_000);
    await this.app.locator('[data-testid=scan]').click();
    try {
      await this.page.locator(`[data-testid=scanner][data-pending="${this.host}"]`).waitFor({ state: 'attached', timeout: 5000 });
    } catch (e) {
      throw new Error(`the app did not ask the ${this.host} host to scan; app shows ${await this.describe()}`, { cause: e });
    }
  }

  /**
   * Scan: Scan in the app, then the poster button in the host's scanner panel. A visitor
   * with dependants is asked who comes along before the check-in is sent; unless `family`
   * (the test ticks them itself), check in alone as most of these tests mean to.
   */
  async scan(posterTestId, { family = false } = {}) {
    await this.startScan();
    await this.page.click(`[data-testid="${posterTestId}"]`);
    if (!family) await this.checkInAloneIfAsked();
  }

  async scanText(text, { family = false } = {}) {
    await this.startScan();
    await this.page.fill('[data-testid=scan-text]', text);
    await this.page.click('[data-testid=scan-send]');
    if (!family) await this.checkInAloneIfAsked();
  }

  /** After a scan: taps "Check in" if the app asks who comes along; returns once it is past. */
  async checkInAloneIfAsked(timeoutMs = 10_000) {
    const f = await this.frame();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = await f
        .evaluate(() => ({
          screen: document.getElementById('app')?.dataset.screen ?? null,
          asks: !!document.querySelector('#app [data-testid=party-pick]') && !!document.querySelector('[data-testid=checkin-confirm]'),
        }))
        .catch(() => ({ screen: null, asks: false }));
      if (state.screen === 'checkin' && state.asks) {
        await this.app.locator('[data-testid=checkin-confirm]').click();
        return;
      }
      if (state.screen !== 'scanning' && state.screen !== 'checkin' && state.screen !== 'start') return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async readPass() {
    await this.app.locator('[data-testid=pass]').waitFor({ state: 'visible', timeout: 5000 });
    const f = await this.frame();
    return f.evaluate(() => {
      const q = (s) => document.querySelector(`[data-testid=${s}]`);
      return {
        status: q('pass')?.getAttribute('data-status') ?? null,
        word: q('status-word')?.textContent?.trim() ?? '',
        admitted: q('admission')?.getAttribute('data-admitted') ?? null,
        admissionText: q('admission')?.textContent?.trim() ?? '',
        venue: q('venue-name')?.textContent?.trim() ?? '',
        name: document.querySelector('[data-testid=pass] .name')?.textContent?.trim() ?? '',
        direction: q('direction')?.textContent?.trim() ?? '',
        hasQr: !!q('pass-qr'),
      };
    });
  }

  /**
   * The home card's status once the app has one. A status request that fails (a loaded CI
   * machine can exceed the test's short fetch timeout) honestly shows UNKNOWN and retries
   * with backoff, as a visitor would see: wait out that retry, then read what stands.
   */
  async homeStatus(timeoutMs = 12_000) {
    const card = this.app.locator('[data-testid=status-card]');
    await card.waitFor({ state: 'attached', timeout: 10_000 });
    const deadline = Date.now() + timeoutMs;
    let status = await card.getAttribute('data-status');
    while ((status === 'UNKNOWN' || status === 'LOADING' || !status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = await card.getAttribute('data-status').catch(() => status);
    }
    return status;
  }

  /** Elements carrying a colour status anywhere in the app document. */
  async colourElements() {
    const f = await this.frame();
    return f.evaluate((colours) => {
      return [...document.querySelectorAll('[data-status]')]
        .filter((el) => colours.includes((el.getAttribute('data-status') ?? '').toUpperCase()))
        .map((el) => `${el.tagName.toLowerCase()}[data-testid=${el.getAttribute('data-testid')}][data-status=${el.getAttribute('data-status')}]`);
    }, COLOURS);
  }

  async errorCode() {
    return this.app.locator('[data-testid=error-message]').getAttribute('data-code', { timeout: 3000 });
  }

  async done() {
    await this.app.locator('[data-testid=done]').click();
    await this.waitScreen('home');
  }

  async appText() {
    const f = await this.frame();
    return f.evaluate(() => (document.body?.innerText ?? '').replace(/\s+/g, ' ').trim());
  }

  /** Screenshot of the app frame only (the phone's screen). */
  async shot(name) {
    return screenshot(this.page.locator('[data-testid=app-frame]'), name);
  }

  /** Screenshot of the pass QR alone (for zbarimg: what a door scanner would see). */
  async screenshotQr(name) {
    const qr = this.app.locator('[data-testid=pass-qr]');
    await qr.waitFor({ state: 'visible', timeout: 5000 });
    // The emulator's toast (the host's haptics, …) floats over the phone's screen.
    await this.page.evaluate(() => {
      const t = document.getElementById('toast');
      if (t) t.hidden = true;
    });
    return screenshot(qr, name);
  }

  async shotPage(name) {
    return screenshot(this.page, name);
  }

  /**
   * Time from the host delivering the poster's text to the pass on screen, measured inside
   * the browser: the poster click, a MutationObserver on the app's document, then the
   * next animation frame (the pass painted).
   */
  async timedScan(posterTestId) {
    await this.startScan();
    return this.page.evaluate(async (testid) => {
      const frame = /** @type {HTMLIFrameElement} */ (document.querySelector('[data-testid=app-frame]'));
      const doc = frame.contentDocument;
      const win = frame.contentWindow;
      const btn = /** @type {HTMLElement} */ (document.querySelector(`[data-testid="${testid}"]`));
      if (!doc || !win || !btn) throw new Error('emulator or app frame missing');
      const isPass = () => doc.getElementById('app')?.dataset.screen === 'pass' && !!doc.querySelector('[data-testid=pass]');
      const t0 = performance.now();
      await new Promise((resolve, reject) => {
        const obs = new MutationObserver(() => {
          if (isPass()) {
            obs.disconnect();
            resolve(null);
          }
        });
        obs.observe(doc, { subtree: true, childList: true, attributes: true });
        setTimeout(() => {
          obs.disconnect();
          reject(new Error('no pass within 10 s'));
        }, 10_000);
        btn.click();
      });
      const dom = performance.now() - t0;
      await new Promise((r) => win.requestAnimationFrame(() => setTimeout(r, 0)));
      return { dom, painted: performance.now() - t0 };
    }, posterTestId);
  }

  async close() {
    await this.context.close();
  }
}
