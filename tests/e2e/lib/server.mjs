// The real ashyq-server, started and stopped by the end-to-end tests.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const RESULTS = path.join(ROOT, 'test-results');

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitHealthy(origin, timeoutMs = 30_000, proc = null) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} before /healthz answered`);
    try {
      const r = await fetch(origin + '/healthz', { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
      last = 'HTTP ' + r.status;
    } catch (e) {
      last = String(e?.cause?.code ?? e);
    }
    await sleep(100);
  }
  throw new Error(`${origin}/healthz did not answer within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Starts `ashyq-server serve --dev --demo` on a temporary data dir and a free port.
 * `restart()` starts it again on the same data dir and port after `kill()`.
 */
export async function startServer({
  bin = process.env.ASHYQ_SERVER_BIN || path.join(ROOT, 'target/release/ashyq-server'),
  dist = process.env.ASHYQ_DIST || path.join(ROOT, 'dist'),
  extraArgs = [],
} = {}) {
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (set ASHYQ_SERVER_BIN)`);
  if (!existsSync(dist)) throw new Error(`app bundle not found: ${dist} (set ASHYQ_DIST; ./build.sh build makes it)`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ashyq-e2e-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  mkdirSync(RESULTS, { recursive: true });
  const logFile = createWriteStream(path.join(RESULTS, 'server.log'), { flags: 'a' });
  const args = [
    'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--dev', '--demo', '--dist', dist,
    // The host emulator, which is not in dist/.
    '--dev-dir', process.env.ASHYQ_DEV_DIR || path.join(ROOT, 'www-dev'),
    ...extraArgs,
  ];

  const srv = {
    origin,
    port,
    dataDir,
    /** @type {import('node:child_process').ChildProcess | null} */ proc: null,
    async start() {
      logFile.write(`\n--- ${new Date().toISOString()} ${bin} ${args.join(' ')}\n`);
      const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' } });
      p.stdout.pipe(logFile, { end: false });
      p.stderr.pipe(logFile, { end: false });
      srv.proc = p;
      await waitHealthy(origin, 30_000, p);
    },
    /** SIGKILL: nothing is flushed, as in a crash. */
    async kill() {
      const p = srv.proc;
      if (!p || p.exitCode !== null || p.signalCode) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
      srv.proc = null;
    },
    async restart() {
      await srv.kill();
      // The port may linger briefly after a kill; retry while the bind fails.
      for (let i = 0; ; i++) {
        try {
          await srv.start();
          return;
        } catch (e) {
          if (i >= 20) throw e;
          await sleep(250);
        }
      }
    },
    async stop() {
      const p = srv.proc;
      if (p && p.exitCode === null && !p.signalCode) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
      srv.proc = null;
      logFile.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await srv.start();
  return srv;
}

// ---- the HTTP API, as a test client ----

export async function api(origin, method, pathname, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(origin + pathname, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!r.ok) throw new Error(`${method} ${pathname} → HTTP ${r.status}: ${text.slice(0, 300)}`);
  return json;
}

export async function devSession(origin, iin) {
  const s = await api(origin, 'POST', '/v1/session', { body: { proof: { kind: 'dev', iin } } });
  if (!s?.token) throw new Error('POST /v1/session returned no token');
  return s.token;
}

export async function visitsOf(origin, iin) {
  const token = await devSession(origin, iin);
  const v = await api(origin, 'GET', '/v1/visits', { token });
  if (!Array.isArray(v?.visits)) throw new Error('GET /v1/visits: no visits array');
  return v.visits;
}

export async function demoInfo(origin) {
  return api(origin, 'GET', '/dev/api/demo');
}
