// node --test tests/e2e/bundle.test.mjs   (tests/e2e/run.mjs runs it too; needs the release
// wasm of the app and the decoder, which ./build.sh build makes; CARGO_TARGET_DIR if not target/)
//
// The host-installer bundle: two builds from the same commit give byte-identical zips, and
// `verify-bundle` passes on it and fails, naming the file, on a zip with one byte changed,
// a file missing, or a developer file added.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { unzipSync, zipSync } from 'fflate';

import { ROOT } from './lib/server.mjs';

const BUILD = path.join(ROOT, 'scripts', 'build.mjs');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
const APP_WASM = path.join(TARGET, 'wasm32-unknown-unknown/release/ashyq.wasm');
const DECODER_WASM = path.join(TARGET, 'wasm32-unknown-unknown/release/ashyq_qr.wasm');
const LAZY_WASM = path.join(TARGET, 'wasm32-unknown-unknown/release/ashyq_business.wasm');
const CAMERA_WASM = path.join(TARGET, 'wasm32-unknown-unknown/release/ashyq_camera.wasm');

function node(args) {
  const r = spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return { status: r.status, out: r.stdout + r.stderr };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('host-installer bundle', () => {
  let work;
  let zip;
  const version = JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')).version;

  before(() => {
    for (const f of [APP_WASM, DECODER_WASM, LAZY_WASM, CAMERA_WASM]) assert.ok(existsSync(f), `${f} missing: run ./build.sh build first`);
    work = mkdtempSync(path.join(os.tmpdir(), 'ashyq-bundle-'));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  /** A zip next to ZIP with the entries changed by EDIT (name → bytes, or undefined to drop). */
  function variant(name, edit) {
    const entries = unzipSync(new Uint8Array(readFileSync(zip)));
    edit(entries);
    const file = path.join(work, name + '.zip');
    writeFileSync(file, zipSync(entries));
    return file;
  }

  test('two builds of the same commit give the same zip', () => {
    const zips = [];
    for (const run of ['a', 'b']) {
      const dist = path.join(work, `dist-${run}`);
      let r = node(['dist', '--wasm', APP_WASM, '--lazy', LAZY_WASM, '--decoder-wasm', DECODER_WASM, '--camera', CAMERA_WASM, '--version', version, '--out', dist]);
      assert.equal(r.status, 0, `dist build ${run} failed:\n${r.out}`);
      const z = path.join(work, `bundle-${run}.zip`);
      r = node(['bundle', '--version', version, '--dist', dist, '--zip', z]);
      assert.equal(r.status, 0, `bundle ${run} failed:\n${r.out}`);
      zips.push(z);
    }
    assert.equal(sha256(zips[0]), sha256(zips[1]), 'byte-identical zips');
    zip = zips[0];
    const names = Object.keys(unzipSync(new Uint8Array(readFileSync(zip))));
    assert.deepEqual(names.filter((n) => n.startsWith('dev/') || /\.(br|gz)$/.test(n)), [], 'no emulator, no precompressed siblings');
  });

  test('verify-bundle passes on the bundle', () => {
    assert.ok(zip, 'the bundle was built');
    const r = node(['verify-bundle', zip]);
    assert.equal(r.status, 0, r.out);
  });

  test('verify-bundle fails, naming the file, on one changed byte, a missing file, a dev file', () => {
    assert.ok(zip, 'the bundle was built');
    const css = Object.keys(unzipSync(new Uint8Array(readFileSync(zip)))).find((n) => /^assets\/app\.[0-9a-f]+\.css$/.test(n));
    assert.ok(css, 'the bundle has the stylesheet');
    const cases = [
      ['one byte changed', (e) => (e[css][10] ^= 1), css, /SHA-384 differs/],
      ['a file missing', (e) => delete e['icons/icon-512.png'], 'icons/icon-512.png', /missing from the zip/],
      ['a dev file added', (e) => (e['dev/emulator.js'] = new TextEncoder().encode('// the host emulator\n')), 'dev/emulator.js', /developer file/],
    ];
    for (const [what, edit, file, why] of cases) {
      const r = node(['verify-bundle', variant(what.replace(/ /g, '-'), edit)]);
      assert.equal(r.status, 1, `${what}: exit status 1\n${r.out}`);
      const lines = r.out.split('\n').filter((l) => l.startsWith('ERROR: ' + file + ':'));
      assert.ok(lines.some((l) => why.test(l)), `${what}: an error naming ${file} (${why}):\n${r.out}`);
    }
  });
});
