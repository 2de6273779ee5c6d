// Debian's Chromium driven over the raw DevTools protocol (--remote-debugging-pipe), for the
// slow-network benchmark (tests/e2e/slownet.mjs). Not playwright-core: the benchmark must
// throttle every target a page makes requests through, the app's service worker included,
// and Playwright gives no CDP session for a service worker. Here the browser auto-attaches
// to each new target (flat sessions) paused, so `onTarget` can set it up before it runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Launches headless Chromium with a pipe to its DevTools. `onTarget(session, targetInfo,
 * send)` runs for every page, worker and service worker before it starts (await what it
 * needs).
 * Returns {send(method, params, sessionId), on(event, fn), close()}.
 */
export async function launchCdp({ onTarget, args = [] } = {}) {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ashyq-cdp-'));
  const proc = spawn(
    process.env.ASHYQ_CHROMIUM || '/usr/bin/chromium',
    [
      '--headless=new',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-quic',
      ...args,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const [toBrowser, fromBrowser] = [proc.stdio[3], proc.stdio[4]];
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  let buf = Buffer.alloc(0);
  fromBrowser.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    let end;
    while ((end = buf.indexOf(0)) !== -1) {
      const msg = JSON.parse(buf.subarray(0, end).toString('utf8'));
      buf = buf.subarray(end + 1);
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (!p) continue;
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result);
      } else {
        for (const fn of listeners.get(msg.method) || []) fn(msg.params, msg.sessionId);
      }
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));

  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  const on = (event, fn) => {
    if (!listeners.has(event)) listeners.set(event, []);
    listeners.get(event).push(fn);
  };

  const autoAttach = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true };
  on('Target.attachedToTarget', async ({ sessionId, targetInfo, waitingForDebugger }) => {
    const report = (e) => {
      if (!/Target closed|No session|not found/i.test(String(e))) console.error(`cdp: setting up ${targetInfo.type} ${targetInfo.url}: ${e.message}`);
    };
    if (targetInfo.type !== 'page') {
      // A paused worker answers nothing until it runs: queue its set-up, then let it run
      // (a session handles its commands in order, so the set-up comes first).
      const setUp = onTarget ? onTarget(sessionId, targetInfo, send) : null;
      if (waitingForDebugger) send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(report);
      await Promise.resolve(setUp).catch(report);
      return;
    }
    try {
      if (onTarget) await onTarget(sessionId, targetInfo, send);
      // A page's own workers (and its frames) are attached through the page's session.
      await send('Target.setAutoAttach', autoAttach, sessionId);
    } catch (e) {
      report(e);
    } finally {
      if (waitingForDebugger) send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(report);
    }
  });
  try {
    await send('Target.setAutoAttach', autoAttach);
  } catch (e) {
    proc.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium did not answer over the DevTools pipe: ${e.message}\n${stderr}`);
  }

  return {
    send,
    on,
    async close() {
      try {
        await Promise.race([send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
      } catch {
        // Already gone.
      }
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
