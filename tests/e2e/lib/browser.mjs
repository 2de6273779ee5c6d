// Debian's Chromium driven by playwright-core (never a downloaded browser).

import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { RESULTS } from './server.mjs';

export const SHOTS = path.join(RESULTS, 'screenshots');

async function chromium() {
  let pw;
  try {
    pw = await import('playwright-core');
  } catch (e) {
    throw new Error('playwright-core is not installed: run `npm ci` (./build.sh setup) first. ' + e);
  }
  return pw.chromium ?? pw.default?.chromium;
}

export async function launch(extraArgs = []) {
  return (await chromium()).launch(options(extraArgs));
}

/**
 * A browser with a real profile in USER_DATA_DIR (not incognito, where Chromium refuses to
 * install web apps): returns its one BrowserContext.
 */
export async function launchPersistent(userDataDir, extraArgs = []) {
  return (await chromium()).launchPersistentContext(userDataDir, options(extraArgs));
}

function options(extraArgs) {
  return {
    executablePath: process.env.ASHYQ_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-quic',
      ...extraArgs,
    ],
  };
}

/**
 * Collects what a page reports that a test should fail on: CSP violations, uncaught
 * errors (in the page or its frames) and console errors.
 */
export function watchPage(page) {
  const problems = { csp: [], errors: [], console: [] };
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply|frame|connect)/i.test(t)) problems.csp.push(t);
    else if (m.type() === 'error') problems.console.push(t);
  });
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  return problems;
}

export async function screenshot(locatorOrPage, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.png');
  await locatorOrPage.screenshot({ path: file, animations: 'disabled' }).catch(() => locatorOrPage.screenshot({ path: file }));
  return file;
}
