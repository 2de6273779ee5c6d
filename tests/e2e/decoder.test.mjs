// node --test tests/e2e/decoder.test.mjs   (tests/e2e/run.mjs runs it too; needs
// ./build.sh build and the server binary for the poster CLI: ASHYQ_SERVER_BIN, ASHYQ_DIST)
//
// The fallback QR decoder as the camera scanner uses it: dist's own worker and wasm module,
// in headless Chromium, reading frames made from posters the server signs. The decoded
// text must be exactly the signed code on the poster.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { launch } from './lib/browser.mjs';
import { DEFAULT_BIN, DEFAULT_DIST, VARIANTS, decoderFiles, frameMaker, makePosters, serveFiles } from './lib/decoder.mjs';

const ORIGIN = 'https://decoder.test';
// Frames any camera scanner must read; the benchmark covers the harder ones.
const MUST_READ = ['h 700', 'rotated 30°', 'blur 1 px', 'noise σ16', 'dim ×0.3'];

describe('fallback QR decoder (dist worker + wasm) in Chromium', () => {
  let browser;
  let context;
  let page;
  let posters;

  before(async () => {
    posters = makePosters({ bin: DEFAULT_BIN, count: 2 });
    const { worker } = decoderFiles(DEFAULT_DIST);
    const manifest = JSON.parse(readFileSync(path.join(DEFAULT_DIST, 'manifest.json'), 'utf8'));
    const files = { '/': Buffer.from('<!doctype html><title>decoder</title>') };
    for (const rel of Object.keys(manifest.files)) files['/' + rel] = path.join(DEFAULT_DIST, rel);
    posters.forEach((p, i) => (files[`/poster${i}.png`] = p.png));
    browser = await launch();
    context = await browser.newContext();
    await serveFiles(context, ORIGIN, files);
    await context.addInitScript(frameMaker);
    page = await context.newPage();
    await page.goto(ORIGIN + '/');
    // One worker for the whole test, as the scanner keeps one while the camera is open.
    const ready = await page.evaluate(async (url) => {
      window.decoderWorker = new Worker(url);
      const first = await new Promise((resolve) => (window.decoderWorker.onmessage = (e) => resolve(e.data)));
      let next = 0;
      const waiting = new Map();
      window.decoderWorker.onmessage = (e) => {
        waiting.get(e.data.id)?.(e.data);
        waiting.delete(e.data.id);
      };
      window.decodeFrame = (frame) =>
        new Promise((resolve) => {
          const id = ++next;
          waiting.set(id, resolve);
          const buf = frame.data.buffer;
          window.decoderWorker.postMessage({ id, width: frame.width, height: frame.height, pixels: buf }, [buf]);
        });
      return first;
    }, '/' + worker);
    assert.deepEqual(ready, { ready: true }, 'the worker loads the decoder module');
  });

  after(async () => {
    await context?.close();
    await browser?.close();
  });

  test('reads the signed code from poster frames', async () => {
    for (const [i, poster] of posters.entries()) {
      for (const v of VARIANTS.filter((v) => MUST_READ.includes(v.name))) {
        const reply = await page.evaluate(
          async ([src, v, seed]) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            return window.decodeFrame(window.ashyqFrame(img, v, seed));
          },
          [`/poster${i}.png`, v, 1000 + i],
        );
        assert.equal(reply.error, undefined, `${poster.name}, ${v.name}: ${reply.error}`);
        assert.deepEqual(reply.texts, [poster.text], `${poster.name}, ${v.name}: decoded text is the signed code`);
      }
    }
  });

  test('a frame without a code gives no text; a wrong size is an error', async () => {
    const replies = await page.evaluate(async () => {
      const blank = new ImageData(640, 480);
      blank.data.fill(200);
      const none = await window.decodeFrame(blank);
      const bad = await new Promise((resolve) => {
        const prev = window.decoderWorker.onmessage;
        window.decoderWorker.onmessage = (e) => {
          window.decoderWorker.onmessage = prev;
          resolve(e.data);
        };
        window.decoderWorker.postMessage({ id: 'bad', width: 640, height: 480, pixels: new ArrayBuffer(100) });
      });
      return { none, bad };
    });
    assert.deepEqual(replies.none.texts, []);
    assert.match(String(replies.bad.error), /size/);
  });
});
