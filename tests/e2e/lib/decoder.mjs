// Frames from our own posters for the QR decoder's test and benchmark: the server CLI signs
// codes and writes poster SVGs, rsvg-convert rasterises them, and a page in headless
// Chromium draws each poster into a 640×480 frame (scaled, rotated, sheared, blurred,
// dimmed, shadowed, noisy) and decodes it. Nothing binary is committed: every frame is made
// at run time, drawn the same way on every run (the noise is seeded); the codes differ, as
// each run signs them with new keys.
//
// Used by tests/e2e/decoder.test.mjs (correctness) and scripts/bench_decoder.mjs (speed).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from './server.mjs';

// The origin written into the codes, as a production server would (https, a real name).
const PUBLIC_ORIGIN = 'https://ashyq.example.kz';

export const FRAME_W = 640;
export const FRAME_H = 480;

/**
 * `count` signed posters of a fresh venue (entry and exit of each entrance):
 * [{ name, text: the code the QR holds, png: Buffer (rsvg-convert, `width` px wide) }].
 */
export function makePosters({ bin, count = 4, width = 1240 }) {
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (set ASHYQ_SERVER_BIN)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ashyq-posters-'));
  try {
    const entrances = Math.ceil(count / 2);
    const venue = JSON.parse(
      execFileSync(bin, [
        'venue', 'add', '--data-dir', dir, '--public-origin', PUBLIC_ORIGIN,
        '--bin', '180340021791', '--name', 'Береке', '--address', 'Астана, Қабанбай батыр 53',
        '--category', 'grocery', '--entrances', String(entrances),
      ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const out = [];
    for (const e of venue.entrances) {
      for (const [direction, text] of [['in', e.entry_code], ['out', e.exit_code]]) {
        if (out.length >= count) break;
        const svg = execFileSync(bin, [
          'poster', String(venue.venue_id), '--entrance', String(e.entrance), '--direction', direction,
          '--data-dir', dir, '--public-origin', PUBLIC_ORIGIN,
        ], { stdio: ['ignore', 'pipe', 'ignore'] });
        let png;
        try {
          png = execFileSync('rsvg-convert', ['--width', String(width), '--format', 'png'], { input: svg, maxBuffer: 64 << 20 });
        } catch (e) {
          throw new Error('rsvg-convert failed (Debian package librsvg2-bin): ' + e.message);
        }
        out.push({ name: `entrance${e.entrance}-${direction}`, text, png });
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The variants every poster is drawn in. `h`: the poster's height in the frame (the poster
 * is centred on its QR code, which is about half the poster's height: h = 700 gives a code
 * of about 350 px, 5 px a module for our version-11 codes); `rot` degrees; `skew` a shear as
 * from a camera held at an angle; `blur` px; `dim` multiplies the light (0.2: a dark
 * corridor); `shadow` darkens the left half by that factor; `noise` the standard deviation
 * of added Gaussian sensor noise (0–255 scale).
 */
export const VARIANTS = [
  { name: 'far (h 420)', h: 420 },
  { name: 'h 520', h: 520 },
  { name: 'h 700', h: 700 },
  { name: 'near (h 900)', h: 900 },
  { name: 'rotated 10°', h: 700, rot: 10 },
  { name: 'rotated 30°', h: 700, rot: 30 },
  { name: 'rotated 45°', h: 700, rot: 45 },
  { name: 'rotated 90°', h: 700, rot: 90 },
  { name: 'upside down', h: 700, rot: 180 },
  { name: 'sheared 0.25', h: 700, skew: 0.25 },
  { name: 'blur 1 px', h: 700, blur: 1 },
  { name: 'blur 2 px', h: 700, blur: 2 },
  { name: 'blur 3 px', h: 900, blur: 3 },
  { name: 'noise σ16', h: 700, noise: 16 },
  { name: 'noise σ32', h: 700, noise: 32 },
  { name: 'noise σ48', h: 700, noise: 48 },
  { name: 'dim ×0.3', h: 700, dim: 0.3 },
  { name: 'dim ×0.12', h: 700, dim: 0.12 },
  { name: 'shadow ×0.4 on half', h: 700, shadow: 0.4 },
  { name: 'all at once', h: 600, rot: 20, blur: 1, noise: 16, dim: 0.5 },
];

/**
 * Installed in the page (page.addInitScript): `ashyqFrame(img, variant, seed)` draws one
 * frame and returns its ImageData (RGBA, FRAME_W × FRAME_H).
 */
export function frameMaker() {
  /* global window, document */
  window.ashyqFrame = (img, v, seed) => {
    const W = 640;
    const H = 480;
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    // A grey table under the poster: the code is not the only thing in view.
    ctx.fillStyle = '#8a8478';
    ctx.fillRect(0, 0, W, H);
    ctx.save();
    if (v.blur) ctx.filter = `blur(${v.blur}px)`;
    ctx.translate(W / 2, H / 2);
    if (v.rot) ctx.rotate((v.rot * Math.PI) / 180);
    if (v.skew) ctx.transform(1, v.skew / 3, v.skew, 1, 0, 0);
    const h = v.h;
    const w = (h * img.naturalWidth) / img.naturalHeight;
    // The poster's QR centre is at (105, 137) of its 210 × 297 mm page.
    ctx.drawImage(img, -w * (105 / 210), -h * (137 / 297), w, h);
    ctx.restore();
    const data = ctx.getImageData(0, 0, W, H);
    const px = data.data;
    // xorshift32: the same noise on every run.
    let s = seed >>> 0 || 1;
    const rnd = () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 4294967296;
    };
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        let k = v.dim ?? 1;
        if (v.shadow && x < W / 2) k *= v.shadow;
        const n = v.noise ? gauss() * v.noise : 0;
        for (let c = 0; c < 3; c++) px[i + c] = px[i + c] * k + n;
      }
    }
    return data;
  };
}

/** The files of the built decoder in DIST (from its manifest): { glue, wasm } as URL paths. */
export function decoderFiles(dist) {
  const manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  const names = Object.keys(manifest.files || {});
  const glue = names.find((n) => /^assets\/qr_decoder\.[0-9a-f]+\.js$/.test(n));
  const wasm = names.find((n) => /^assets\/qr_decoder_bg\.[0-9a-f]+\.wasm$/.test(n));
  const worker = names.find((n) => /^assets\/qr-decoder-worker\.[0-9a-f]+\.js$/.test(n));
  if (!glue || !wasm || !worker) throw new Error(`${dist} has no QR decoder (qr_decoder*.js/.wasm, qr-decoder-worker*.js): run ./build.sh build`);
  return { glue, wasm, worker };
}

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png', '.html': 'text/html' };

/**
 * Serves FILES (URL path → Buffer or file path) at ORIGIN inside a browser context, with no
 * socket: every request is answered from the map, anything else is a 404.
 */
export async function serveFiles(context, origin, files) {
  await context.route(origin + '/**', (route) => {
    const p = new URL(route.request().url()).pathname;
    const f = files[p];
    if (f === undefined) return route.fulfill({ status: 404, body: 'not found' });
    const body = Buffer.isBuffer(f) ? f : readFileSync(f);
    return route.fulfill({ status: 200, body, contentType: p.endsWith('/') ? 'text/html' : TYPES[path.extname(p)] || 'application/octet-stream' });
  });
}

export const DEFAULT_DIST = process.env.ASHYQ_DIST || path.join(ROOT, 'dist');
export const DEFAULT_BIN = process.env.ASHYQ_SERVER_BIN || path.join(ROOT, 'target/server/ashyq-server');
