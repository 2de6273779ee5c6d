// node scripts/bench_decoder.mjs [--rqrr DIR]   (scripts/bench_decoder.sh builds what it
// needs and runs it; so does ./build.sh bench)
//
/* global wasm_bindgen, rqrr_bindgen -- the no-modules glues' top-level names, in the page */
// The fallback QR decoder against jsQR (npm) in the same headless Chromium page, on the same
// 640×480 frames made from our own signed posters (tests/e2e/lib/decoder.mjs: several sizes,
// rotated, sheared, blurred, noisy, dim, shadowed). Each frame is decoded REPS times by each
// decoder on the page's thread, one after the other; a decode counts as read when the signed
// code is among the texts found. Prints ms per frame (median, p95), the decode rate, and each
// decoder's size as shipped (gzip -9, brotli), and writes test-results/bench_decoder.json.
// A benchmark: nothing is asserted.
//
// --rqrr DIR: also measure the rqrr build of crates/ashyq-qr (DIR holds qr_decoder_rqrr.js
// and qr_decoder_rqrr_bg.wasm, made with --no-modules-global rqrr_bindgen).
// Environment: ASHYQ_DIST, ASHYQ_SERVER_BIN, ASHYQ_CHROMIUM, ASHYQ_BENCH_POSTERS (default
// 4), ASHYQ_BENCH_REPS (default 5).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

import { launch } from '../tests/e2e/lib/browser.mjs';
import { DEFAULT_BIN, DEFAULT_DIST, VARIANTS, decoderFiles, frameMaker, makePosters, serveFiles } from '../tests/e2e/lib/decoder.mjs';
import { RESULTS, ROOT } from '../tests/e2e/lib/server.mjs';

const POSTERS = Number(process.env.ASHYQ_BENCH_POSTERS || 4);
const REPS = Math.max(1, Number(process.env.ASHYQ_BENCH_REPS || 5));
const ORIGIN = 'https://bench.test';
const rqrrDir = (() => {
  const i = process.argv.indexOf('--rqrr');
  return i > 0 ? process.argv[i + 1] : null;
})();

const require = createRequire(import.meta.url);
const terser = require(path.join(ROOT, 'node_modules/terser'));

const gz = (b) => gzipSync(b, { level: 9 }).length;
const br = (b) => brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const sizeOf = (bufs) => ({ raw: bufs.reduce((a, b) => a + b.length, 0), gzip: bufs.reduce((a, b) => a + gz(b), 0), brotli: bufs.reduce((a, b) => a + br(b), 0) });

function stats(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return { n: 0 };
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (x) => Math.round(x * 100) / 100;
  return { n: s.length, median: r(q(0.5)), p95: r(q(0.95)), min: r(s[0]), max: r(s.at(-1)) };
}

// ---- what each decoder ships
const dist = DEFAULT_DIST;
const ours = decoderFiles(dist);
const oursFiles = [ours.wasm, ours.glue, ours.worker].map((f) => readFileSync(path.join(dist, f)));
const jsqrPath = require.resolve('jsqr/dist/jsQR.js', { paths: [ROOT] });
const jsqrSrc = readFileSync(jsqrPath);
// jsQR's npm build is not minified; an app would minify it: measure both, compare with the
// minified one (the fairer, smaller figure).
const jsqrMin = Buffer.from((await terser.minify(jsqrSrc.toString('utf8'), { compress: true, mangle: true })).code);
const jsqrVersion = JSON.parse(readFileSync(path.join(path.dirname(jsqrPath), '..', 'package.json'), 'utf8')).version;

const sizes = {
  ours: { what: `${ours.wasm} + glue + worker`, ...sizeOf(oursFiles), wasm: sizeOf([oursFiles[0]]) },
  jsqr: { what: `jsQR ${jsqrVersion} dist/jsQR.js minified with terser`, ...sizeOf([jsqrMin]), as_published: sizeOf([jsqrSrc]) },
};

// ---- the page
const posters = makePosters({ bin: DEFAULT_BIN, count: POSTERS });
const files = {
  '/': Buffer.from('<!doctype html><title>decoder bench</title>'),
  '/ours.js': path.join(dist, ours.glue),
  [`/${ours.wasm}`]: path.join(dist, ours.wasm),
  '/jsQR.js': jsqrMin,
};
if (rqrrDir) {
  files['/rqrr.js'] = path.join(rqrrDir, 'qr_decoder_rqrr.js');
  files['/rqrr_bg.wasm'] = path.join(rqrrDir, 'qr_decoder_rqrr_bg.wasm');
  const rq = [files['/rqrr_bg.wasm'], files['/rqrr.js']].map((f) => readFileSync(f));
  sizes.rqrr = { what: 'crates/ashyq-qr --features rqrr (wasm + glue)', ...sizeOf(rq), wasm: sizeOf([rq[0]]) };
}
posters.forEach((p, i) => (files[`/poster${i}.png`] = p.png));

mkdirSync(RESULTS, { recursive: true });
const browser = await launch();
const out = { when: new Date().toISOString(), chromium: browser.version(), reps: REPS, frames: POSTERS * VARIANTS.length, sizes };
try {
  const context = await browser.newContext();
  await serveFiles(context, ORIGIN, files);
  await context.addInitScript(frameMaker);
  const page = await context.newPage();
  await page.goto(ORIGIN + '/');
  await page.addScriptTag({ url: '/ours.js' });
  await page.addScriptTag({ url: '/jsQR.js' });
  if (rqrrDir) await page.addScriptTag({ url: '/rqrr.js' });
  await page.evaluate(
    async ([wasm, rqrr]) => {
      await wasm_bindgen({ module_or_path: wasm });
      if (rqrr) await rqrr_bindgen({ module_or_path: '/rqrr_bg.wasm' });
    },
    ['/' + ours.wasm, !!rqrrDir],
  );

  const decoders = ['ours', 'jsqr', 'jsqr_both', ...(rqrrDir ? ['rqrr'] : [])];
  const ms = Object.fromEntries(decoders.map((d) => [d, []]));
  const read = Object.fromEntries(decoders.map((d) => [d, 0]));
  const byVariant = {};
  for (const [i, poster] of posters.entries()) {
    for (const [j, v] of VARIANTS.entries()) {
      const r = await page.evaluate(
        async ([src, v, seed, reps, text, decoders]) => {
          const img = new Image();
          img.src = src;
          await img.decode();
          const frame = window.ashyqFrame(img, v, seed);
          const run = {
            ours: () => wasm_bindgen.decode(new Uint8Array(frame.data.buffer), frame.width, frame.height),
            rqrr: () => rqrr_bindgen.decode(new Uint8Array(frame.data.buffer), frame.width, frame.height),
            // jsQR as an app would call it for a camera (no inverted codes: ours does not try them either) …
            jsqr: () => [window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data],
            // … and with its default, which also tries the inverted image.
            jsqr_both: () => [window.jsQR(frame.data, frame.width, frame.height)?.data],
          };
          const res = {};
          for (const d of decoders) {
            const times = [];
            let ok = false;
            for (let k = 0; k < reps; k++) {
              const t0 = performance.now();
              const texts = run[d]();
              times.push(performance.now() - t0);
              ok = texts.includes(text);
            }
            res[d] = { times, ok };
          }
          return res;
        },
        [`/poster${i}.png`, v, 7919 * (i + 1) + j, REPS, poster.text, decoders],
      );
      byVariant[v.name] ??= Object.fromEntries(decoders.map((d) => [d, 0]));
      for (const d of decoders) {
        // The first run of a frame warms caches; the rest are the figure.
        ms[d].push(...(r[d].times.length > 1 ? r[d].times.slice(1) : r[d].times));
        if (r[d].ok) {
          read[d]++;
          byVariant[v.name][d]++;
        }
      }
    }
  }
  const frames = POSTERS * VARIANTS.length;
  out.results = Object.fromEntries(
    decoders.map((d) => [d, { ms_per_frame: stats(ms[d]), decoded: read[d], frames, rate: Math.round((1000 * read[d]) / frames) / 10 }]),
  );
  out.by_variant = byVariant;
  await context.close();
} finally {
  await browser.close();
}

writeFileSync(path.join(RESULTS, 'bench_decoder.json'), JSON.stringify(out, null, 2) + '\n');
const label = { ours: 'ours (quircs, wasm)', rqrr: 'rqrr (wasm)', jsqr: 'jsQR dontInvert', jsqr_both: 'jsQR attemptBoth (default)' };
console.log(`QR decoder benchmark, ${out.frames} frames of 640×480 (${POSTERS} posters × ${VARIANTS.length} variants), ${REPS} decodes each, ${out.chromium}`);
console.log('decoder                      median ms   p95 ms   decoded   rate');
for (const [d, r] of Object.entries(out.results)) {
  const s = r.ms_per_frame;
  console.log(`${label[d].padEnd(28)} ${String(s.median).padStart(9)} ${String(s.p95).padStart(8)} ${String(`${r.decoded}/${r.frames}`).padStart(9)} ${String(r.rate + ' %').padStart(7)}`);
}
console.log('per variant (codes read out of ' + POSTERS + '):');
for (const [name, v] of Object.entries(out.by_variant)) {
  console.log(`  ${name.padEnd(22)} ${Object.entries(v).map(([d, n]) => `${d} ${n}`).join('  ')}`);
}
console.log(`size, ours: ${kb(sizes.ours.gzip)} gzip (${kb(sizes.ours.brotli)} brotli; wasm alone ${kb(sizes.ours.wasm.gzip)} gzip)`);
if (sizes.rqrr) console.log(`size, rqrr: ${kb(sizes.rqrr.gzip)} gzip (wasm alone ${kb(sizes.rqrr.wasm.gzip)} gzip)`);
console.log(`size, jsQR: ${kb(sizes.jsqr.gzip)} gzip minified (${kb(sizes.jsqr.brotli)} brotli); as published ${kb(sizes.jsqr.as_published.gzip)} gzip`);
console.log(`written: ${path.join(RESULTS, 'bench_decoder.json')}`);
