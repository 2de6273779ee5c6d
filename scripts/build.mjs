// The app's build and bundle pipeline; run by `./build.sh build` / `./build.sh bundle`:
//   node scripts/build.mjs dist   --wasm TARGET/…/ashyq.wasm --version X.Y.Z [--out dist]
//                                 [--lazy TARGET/…/ashyq_business.wasm]
//                                 [--decoder-wasm TARGET/…/ashyq_qr.wasm]
//                                 [--camera TARGET/…/ashyq_camera.wasm]
//   node scripts/build.mjs bundle --version X.Y.Z [--dist dist] [--zip ashyq-miniapp-X.Y.Z.zip]
//   node scripts/build.mjs verify-bundle ZIP
//
// `dist`: wasm-bindgen (--target web) → wasm-opt -Oz → terser on the JS glue → csso on the
// CSS → a staged copy of www/ with the outputs under assets/; `--lazy`: the role screens'
// module, the same steps, named ashyq_lazy* so it is counted apart from the first load
// (www/assets/boot.js imports it only when asked); the fallback QR decoder
// (crates/ashyq-qr) the same way but as its own module for a classic Web Worker
// (--target no-modules, named qr_decoder*: lazy, never in the first load); `--camera`: the
// camera scanner (crates/ashyq-camera) as camera_lazy*, which boot.js imports with its
// stylesheet assets/camera_lazy.css only when the camera opens; the hand-written scripts
// (boot.js, the decoder's worker, sw.js) are minified with terser too; then:
//  1. every file under assets/ gets a content hash in its name (ashyq.js → ashyq.3f2a9c1b.js)
//     and the references to it in every text file are rewritten, hashing a file only after
//     the files it references, so a hash covers what it loads. The server caches /assets/*
//     forever and never caches index.html: a new build is picked up by a reload and an old
//     cached asset is never mixed with a new one;
//  2. the entry page gets the CSP as a <meta> (from the backend origins; frame-ancestors
//     cannot be in a meta and stays the server's header); sw.js gets the shell's file list
//     and a build hash; manifest.json: the root manifest (checked against
//     docs/manifest.schema.json and the crate's version) plus `files`, each file's SHA-384
//     as an SRI string ("sha384-<base64>");
//  3. a `.br` (brotli, quality 11) and a `.gz` (gzip -9) sibling for every text and wasm
//     file, which the server sends to clients that accept them;
//  4. a table of every file's size raw, gzip and brotli, and the first load (the entry page
//     and everything it loads, transitively, lazily loaded modules apart) as transferred
//     with brotli, against the budget (DESIGN §7).
// The staged directory replaces dist/ only when every step succeeded.
//
// `bundle`: a zip of dist/ for host installers, byte-identical for the same dist/: entries
// sorted, fixed timestamps and modes, no precompressed siblings (the installer's host
// compresses what it serves) and no dev/ (the emulator is not listed in manifest.json either).
//
// `verify-bundle`: what an installer checks before uploading a zip: manifest.json against
// docs/manifest.schema.json, every file's SHA-384 (none missing, none unlisted), the entry
// page's CSP <meta>, the first-load budget (brotli) and no developer file; each problem
// names its file, and the exit status is 1 when there is any.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { brotliCompressSync, constants as zc, gzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const BUDGET = Number(process.env.ASHYQ_FIRST_LOAD_BUDGET || 100 * 1024);
const TEXT = new Set([".html", ".htm", ".js", ".mjs", ".css", ".svg", ".json", ".webmanifest", ".txt", ".map"]);
const COMPRESSIBLE = (rel) => TEXT.has(path.extname(rel).toLowerCase()) || rel.endsWith(".wasm");
const PRECOMPRESSED = /\.(br|gz)$/;
// Modules loaded only when needed (role screens, the camera decoder); not part of the first load.
const LAZY = /decoder|worker|lazy/i;
// Only testers open the host emulator: never part of the first load, never in the bundle.
const DEV = (rel) => rel.startsWith("dev/");
// Loaded by the browser on its own, after the page (the service worker's precache, the web
// app manifest's icons for the install prompt): counted, but what they name is not followed.
const LEAF = (rel) => rel === "sw.js" || rel.endsWith(".webmanifest");
const SCHEMA = path.join(ROOT, "docs", "manifest.schema.json");

let errors = 0;
const fail = (msg) => {
  console.error(`ERROR: ${msg}`);
  errors++;
};
const warn = (msg) => console.error(`WARNING: ${msg}`);
const die = (msg) => {
  console.error(`ERROR: ${msg}`);
  process.exit(1);
};

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) out[a.slice(2)] = argv[++i];
    else out._.push(a);
  }
  return out;
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: "inherit" });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${path.basename(cmd)} failed (exit ${r.status})`);
}

function walk(dir, base = dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...walk(p, base));
    else if (ent.isFile()) out.push(path.relative(base, p).split(path.sep).join("/"));
  }
  return out.sort();
}

const isText = (rel) => TEXT.has(path.extname(rel).toLowerCase());
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A reference is the key not glued to a longer name on either side: it matches
// "assets/ashyq.js", "./ashyq.js", 'ashyq.js', but not "my-ashyq.js" or "ashyq.js.map".
const refRe = (key) => new RegExp(`(?<![\\w.-])${escapeRe(key)}(?![\\w-]|\\.\\w)`, "g");
const kb = (n) => (n / 1024).toFixed(1) + " KB";
const brotli = (buf) =>
  brotliCompressSync(buf, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: 11,
      [zc.BROTLI_PARAM_LGWIN]: 24,
      [zc.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  });

// ---------------------------------------------------------------- dist

/**
 * wasm-bindgen (TARGET: "web" for an ES module, "no-modules" for a classic worker's
 * importScripts), wasm-opt -Oz and terser on the glue, into OUT/NAME.js and OUT/NAME_bg.wasm.
 */
function bindgen(wasm, target, name, out, work) {
  console.log(`==> wasm-bindgen --target ${target} (${name})`);
  run("wasm-bindgen", [wasm, "--target", target, "--no-typescript", "--out-name", name, "--out-dir", out]);
  const bg = path.join(out, `${name}_bg.wasm`);
  const opt = path.join(work, `${name}.opt.wasm`);
  console.log("==> wasm-opt -Oz");
  // rustc's wasm32 target emits these features by default; wasm-opt must be allowed them.
  // --converge runs -Oz until it stops shrinking: 0.3 KB brotli off the app's module
  // (measured 2026-12-08: 93,223 → 92,941 bytes).
  run(path.join(BIN, "wasm-opt"), [
    "-Oz", "--converge", "--strip-debug", "--strip-producers",
    "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
    bg, "-o", opt,
  ]);
  console.log(`     wasm: ${fs.statSync(bg).size} bytes after wasm-bindgen, ${fs.statSync(opt).size} after wasm-opt`);
  fs.renameSync(opt, bg);
  // Minify the glue (terser keeps string literals, so the wasm file name that the hashing
  // step rewrites survives). A no-modules glue is a script: its top-level `wasm_bindgen`
  // is what the worker calls, and terser leaves top-level names alone without --toplevel.
  console.log("==> terser (wasm-bindgen glue)");
  const glue = path.join(out, `${name}.js`);
  run(path.join(BIN, "terser"), [glue, ...(target === "web" ? ["--module"] : []), "--compress", "passes=3", "--mangle", "-o", glue + ".min"]);
  fs.renameSync(glue + ".min", glue);
}

/** wasm-bindgen, wasm-opt, terser and csso into STAGE (a copy of www/ plus assets/). */
function compile(wasm, lazy, decoderWasm, camera, stage) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ashyq-build-"));
  try {
    const out = path.join(work, "bindgen");
    bindgen(wasm, "web", path.basename(wasm, ".wasm"), out, work);
    if (lazy) bindgen(lazy, "web", "ashyq_lazy", out, work);
    if (decoderWasm) bindgen(decoderWasm, "no-modules", "qr_decoder", out, work);
    if (camera) bindgen(camera, "web", "camera_lazy", out, work);

    console.log("==> assembling dist/");
    fs.cpSync(path.join(ROOT, "www"), stage, { recursive: true });
    fs.cpSync(out, path.join(stage, "assets"), { recursive: true });
    // The stylesheet ships on every first load too: minify it (csso keeps the cascade).
    for (const rel of walk(path.join(stage, "assets")).filter((r) => r.endsWith(".css"))) {
      const css = path.join(stage, "assets", rel);
      run(path.join(BIN, "csso"), [css, "-o", css + ".min"]);
      fs.renameSync(css + ".min", css);
    }
    // boot.js ships on every first load; comments are for readers of www/, not for phones.
    for (const rel of walk(path.join(stage, "assets")).filter((r) => HANDWRITTEN.test(r))) minifyScript(path.join(stage, "assets", rel));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Our own scripts under www/assets (module scripts but for the classic worker); the
// rejection sentences (texts_lazy.js) load with the rejected screen.
const HANDWRITTEN = /^(boot|texts_lazy|qr-decoder-worker)\.js$/;

/**
 * terser on a hand-written script: comments out, names inside functions shortened; string
 * literals (asset names the hashing rewrites) and top-level names stay.
 */
function minifyScript(file) {
  const module = ["boot.js", "texts_lazy.js"].includes(path.basename(file));
  run(path.join(BIN, "terser"), [file, ...(module ? ["--module"] : []), "--compress", "--mangle", "-o", file + ".min"]);
  fs.renameSync(file + ".min", file);
}

/** Content hashes in asset names, references rewritten. */
function hashAssets(stage) {
  const read = (rel) => fs.readFileSync(path.join(stage, rel));
  const assetsDir = path.join(stage, "assets");
  const assets = fs.existsSync(assetsDir) ? walk(assetsDir).map((r) => `assets/${r}`) : [];
  // The string other files use to name an asset: its file name when that is unique among
  // the assets, else its path below assets/ (e.g. wasm-bindgen's snippets/<crate>/inline0.js).
  const byBase = new Map();
  for (const a of assets) byBase.set(path.posix.basename(a), (byBase.get(path.posix.basename(a)) || 0) + 1);
  const keyOf = (a) => (byBase.get(path.posix.basename(a)) === 1 ? path.posix.basename(a) : a.slice("assets/".length));

  const replacements = []; // [regexp, new key] for assets already hashed
  const rewrite = (rel) => {
    if (!isText(rel)) return;
    let text = read(rel).toString("utf8");
    const before = text;
    for (const [re, newKey] of replacements) text = text.replace(re, newKey);
    if (text !== before) fs.writeFileSync(path.join(stage, rel), text);
  };
  const hashed = new Set();
  let pending = assets.slice();
  while (pending.length) {
    const pendingKeys = pending.map((a) => [a, refRe(keyOf(a))]);
    const ready = pending.filter((a) => {
      if (!isText(a)) return true;
      const text = read(a).toString("utf8");
      return !pendingKeys.some(([other, re]) => other !== a && text.search(re) !== -1);
    });
    if (!ready.length) {
      fail(`assets reference each other in a cycle, cannot hash: ${pending.join(", ")}`);
      break;
    }
    for (const a of ready) {
      rewrite(a);
      const hash = createHash("sha256").update(read(a)).digest("hex").slice(0, 8);
      const base = path.posix.basename(a);
      const ext = path.posix.extname(base);
      const hashedBase = ext ? `${base.slice(0, -ext.length)}.${hash}${ext}` : `${base}.${hash}`;
      const to = `${path.posix.dirname(a)}/${hashedBase}`;
      fs.renameSync(path.join(stage, a), path.join(stage, to));
      hashed.add(to);
      const oldKey = keyOf(a);
      replacements.push([refRe(oldKey), oldKey.slice(0, oldKey.length - base.length) + hashedBase]);
    }
    pending = pending.filter((a) => !ready.includes(a));
  }
  for (const rel of walk(stage)) if (!hashed.has(rel)) rewrite(rel);

  // Every "assets/…" named in HTML or CSS must exist; in JS only warn (it may be a comment).
  for (const rel of walk(stage).filter(isText)) {
    const text = read(rel).toString("utf8");
    for (const m of text.matchAll(/(?<![\w-])assets\/([\w./-]*[\w])/g)) {
      if (!fs.existsSync(path.join(assetsDir, m[1]))) {
        const msg = `${rel} references assets/${m[1]}, which is not in dist/assets/`;
        if (/\.(html?|css)$/.test(rel)) fail(msg);
        else warn(msg);
      }
    }
  }
}

/** The repository's manifest.json, checked against docs/manifest.schema.json and the crate. */
async function rootManifest(version) {
  const manifestPath = path.join(ROOT, "manifest.json");
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    die(`${manifestPath} is not valid JSON: ${e.message}`);
  }
  if (process.env.ASHYQ_BACKEND_ORIGIN !== undefined) {
    // Comma-separated; empty: the origin that serves the app is the backend.
    manifest.backend = { origins: process.env.ASHYQ_BACKEND_ORIGIN.split(",").map((o) => o.trim()).filter(Boolean) };
  }
  for (const msg of await schemaErrors(manifest)) fail(`manifest.json: ${msg}`);
  if (manifest.version !== version) {
    fail(`manifest.json says version ${JSON.stringify(manifest.version)} but the ashyq crate is ${version}; update manifest.json`);
  }
  return manifest;
}

/** The schema's complaints about MANIFEST, one line each ("/icons/2/sizes must match …"). */
async function schemaErrors(manifest) {
  let Ajv2020;
  try {
    Ajv2020 = (await import("ajv/dist/2020.js")).default;
  } catch (e) {
    die(`ajv is not installed (npm ci; ./build.sh setup): ${e.message}`);
  }
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")));
  if (validate(manifest)) return [];
  return validate.errors.map((e) => `${e.instancePath || "(top level)"} ${e.message}${e.params && e.params.additionalProperty ? `: ${e.params.additionalProperty}` : ""}`);
}

/**
 * The page's Content-Security-Policy as a <meta>, so the bundle is protected wherever an
 * installer hosts it. `frame-ancestors` (and report-uri, sandbox) are ignored in a <meta>:
 * that part must come as a header from whoever serves the files (docs/INSTALL-HOSTS.md).
 */
function cspFor(manifest) {
  const connect = ["'self'", ...((manifest.backend && manifest.backend.origins) || [])].join(" ");
  return (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
    `connect-src ${connect}; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'`
  );
}
const CSP_META_RE = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/;

function injectCsp(stage, entry, manifest) {
  const file = path.join(stage, entry);
  const html = fs.readFileSync(file, "utf8");
  const meta = `<meta http-equiv="Content-Security-Policy" content="${cspFor(manifest).replace(/"/g, "&quot;")}">`;
  if (CSP_META_RE.test(html)) fs.writeFileSync(file, html.replace(CSP_META_RE, meta));
  else if (/<meta charset="utf-8">/i.test(html)) {
    // Right after the charset: a policy applies only to what comes after it.
    fs.writeFileSync(file, html.replace(/(<meta charset="utf-8">)/i, `$1\n    ${meta}`));
  } else fail(`${entry} has no <meta charset="utf-8"> to put the CSP <meta> after`);
}

/**
 * Writes the shell's list and a build hash into sw.js: the entry page and what it loads
 * (lazy parts apart: they are cached when first used), the web app manifest and its icons.
 */
function writeServiceWorker(stage, entry) {
  const swFile = path.join(stage, "sw.js");
  if (!fs.existsSync(swFile)) return null;
  const files = readTree(stage);
  const { first } = firstLoadOf(files, entry);
  const shell = new Set([...first].filter((r) => r !== "sw.js"));
  for (const rel of first) {
    if (!rel.endsWith(".webmanifest")) continue;
    for (const icon of JSON.parse(files.get(rel).toString("utf8")).icons || []) {
      const r = String(icon.src || "").replace(/^\//, "");
      if (files.has(r)) shell.add(r);
      else fail(`${rel} names the icon ${icon.src}, which is not in dist/`);
    }
  }
  const list = [...shell].sort().map((r) => "/" + r);
  const build = createHash("sha256");
  for (const p of list) build.update(p).update(files.get(p.slice(1)));
  let sw = files.get("sw.js").toString("utf8");
  const before = sw;
  sw = sw.replace(/^const SHELL = \[\];.*$/m, `const SHELL = ${JSON.stringify(list)};`);
  sw = sw.replace(/^const BUILD = 'dev';.*$/m, `const BUILD = '${build.digest("hex").slice(0, 12)}';`);
  if (sw === before || !sw.includes(`const SHELL = ${JSON.stringify(list)};`)) fail("sw.js: the `const SHELL = [];` and `const BUILD = 'dev';` lines to fill in were not found");
  fs.writeFileSync(swFile, sw);
  // Fetched on every first visit (registered once the app runs): minified like boot.js.
  minifyScript(swFile);
  return new Set(list.map((p) => p.slice(1)));
}

/** manifest.json with every file's SHA-384; returns the manifest. */
function writeManifest(stage, manifest) {
  if (!manifest.entry || !fs.existsSync(path.join(stage, manifest.entry))) {
    fail(`manifest entry ${JSON.stringify(manifest.entry)} is not in dist/`);
  }
  for (const icon of [...(manifest.icons || []), ...(manifest.registration_images || [])]) {
    if (!fs.existsSync(path.join(stage, icon.src))) fail(`manifest.json names ${icon.src}, which is not in dist/ (scripts/icons.sh makes the PNGs)`);
  }
  const files = {};
  // dev/ (the emulator, served only in --dev) is no part of what users or installers get.
  for (const rel of walk(stage)) {
    if (rel === "manifest.json" || DEV(rel)) continue;
    files[rel] = sri(fs.readFileSync(path.join(stage, rel)));
  }
  const out = { ...manifest, files };
  fs.writeFileSync(path.join(stage, "manifest.json"), JSON.stringify(out, null, 2) + "\n");
  return out;
}

const sri = (buf) => "sha384-" + createHash("sha384").update(buf).digest("base64");

/** Every file under DIR (precompressed siblings apart) as path → bytes. */
function readTree(dir) {
  const m = new Map();
  for (const rel of walk(dir)) if (!PRECOMPRESSED.test(rel)) m.set(rel, fs.readFileSync(path.join(dir, rel)));
  return m;
}

/** `.br` and `.gz` siblings; returns the sizes of every file. */
function precompress(stage) {
  const sizes = new Map();
  for (const rel of walk(stage)) {
    const buf = fs.readFileSync(path.join(stage, rel));
    const s = { raw: buf.length, gz: buf.length, br: buf.length };
    if (COMPRESSIBLE(rel)) {
      const gz = gzipSync(buf, { level: 9 });
      const br = brotli(buf);
      s.gz = gz.length;
      s.br = br.length;
      // A sibling that is not smaller is not worth a lookup: the plain file is served.
      if (gz.length < buf.length) fs.writeFileSync(path.join(stage, rel + ".gz"), gz);
      if (br.length < buf.length) fs.writeFileSync(path.join(stage, rel + ".br"), br);
    }
    sizes.set(rel, s);
  }
  return sizes;
}

/**
 * The entry page and everything it loads, transitively, over FILES (path → bytes): lazy
 * modules and dev/ apart; sw.js and the web app manifest count, what they name does not.
 */
function firstLoadOf(files, entry) {
  const loadable = [...files.keys()].filter((r) => r !== "manifest.json" && r !== entry && !DEV(r));
  const seen = new Set();
  const queue = files.has(entry) ? [entry] : [];
  while (queue.length) {
    const rel = queue.shift();
    if (seen.has(rel)) continue;
    seen.add(rel);
    if (!isText(rel) || LEAF(rel)) continue;
    const text = files.get(rel).toString("utf8");
    for (const a of loadable) {
      if (seen.has(a) || LAZY.test(path.posix.basename(a))) continue;
      if (text.search(refRe(path.posix.basename(a))) !== -1) queue.push(a);
    }
  }
  const lazy = loadable.filter((r) => !seen.has(r) && LAZY.test(path.posix.basename(r)));
  return { first: seen, lazy: new Set(lazy) };
}

function report(sizes, first, lazy, entry, shell) {
  const pad = (s, n) => String(s).padStart(n);
  const width = Math.max(...[...sizes.keys()].map((k) => k.length), 10);
  console.log(`     ${"file".padEnd(width)} ${pad("bytes", 9)} ${pad("gzip -9", 9)} ${pad("brotli", 9)}`);
  const sum = (set) => {
    const t = { raw: 0, gz: 0, br: 0 };
    for (const rel of set) for (const k of Object.keys(t)) t[k] += sizes.get(rel)[k];
    return t;
  };
  for (const [rel, s] of sizes) {
    const mark = first.has(rel) ? " *" : lazy.has(rel) ? " (lazy)" : "";
    console.log(`     ${rel.padEnd(width)} ${pad(s.raw, 9)} ${pad(s.gz, 9)} ${pad(s.br, 9)}${mark}`);
  }
  const all = sum(sizes.keys());
  console.log(`     ${"all files".padEnd(width)} ${pad(all.raw, 9)} ${pad(all.gz, 9)} ${pad(all.br, 9)}`);
  const f = sum(first);
  console.log(
    `     first load (*: ${entry} and what it loads): ${kb(f.br)} brotli as transferred ` +
      `(${kb(f.gz)} gzip, ${kb(f.raw)} raw); budget ${kb(BUDGET)} brotli`,
  );
  if (lazy.size) {
    const l = sum(lazy);
    console.log(`     lazy parts (loaded on demand, not in the first load): ${kb(l.br)} brotli (${kb(l.gz)} gzip)`);
  }
  if (shell && shell.size) {
    const extra = [...shell].filter((r) => !first.has(r));
    const sh = sum(shell);
    console.log(
      `     service worker shell (cached after the app is ready): ${shell.size} files, ${kb(sh.br)} brotli; ` +
        `beyond the first load only ${extra.join(", ") || "nothing"} (${kb(sum(extra).br)})`,
    );
  }
  const decoder = [...sizes.keys()].filter((r) => /qr[-_]decoder/.test(path.posix.basename(r)));
  if (decoder.length) {
    const d = sum(decoder);
    const wasm = decoder.find((r) => r.endsWith(".wasm"));
    console.log(
      `     QR decoder (lazy, loaded when the camera opens without BarcodeDetector): ${kb(d.gz)} gzip, ${kb(d.br)} brotli` +
        (wasm ? `; its wasm ${kb(sizes.get(wasm).gz)} gzip` : ""),
    );
  }
  if (f.br > BUDGET) warn(`first load is ${kb(f.br)} brotli, over the ${kb(BUDGET)} budget (DESIGN §7)`);
  if (![...first].some((r) => r.endsWith(".wasm"))) warn(`${entry} does not seem to load any .wasm (no reference found)`);
}

async function cmdDist(opts) {
  const { wasm, version } = opts;
  const decoderWasm = opts["decoder-wasm"];
  const lazyWasm = opts.lazy;
  const cameraWasm = opts.camera;
  const out = path.resolve(opts.out || path.join(ROOT, "dist"));
  if (!wasm || !version) die("usage: node scripts/build.mjs dist --wasm FILE.wasm --version X.Y.Z [--out DIR] [--decoder-wasm FILE.wasm]");
  if (!fs.existsSync(wasm)) die(`${wasm} not found (did cargo build it?)`);
  if (decoderWasm && !fs.existsSync(decoderWasm)) die(`${decoderWasm} not found (did cargo build -p ashyq-qr?)`);
  if (lazyWasm && !fs.existsSync(lazyWasm)) die(`${lazyWasm} not found (did cargo build it?)`);
  if (cameraWasm && !fs.existsSync(cameraWasm)) die(`${cameraWasm} not found (did cargo build -p ashyq-camera?)`);
  if (!fs.existsSync(path.join(ROOT, "www", "index.html"))) die("www/index.html not found: the static shell is missing");
  const root = await rootManifest(version);
  if (errors) die(`${errors} problem(s) in manifest.json, listed above`);
  const entry = root.entry;
  const stage = fs.mkdtempSync(path.join(path.dirname(out), ".dist-stage-"));
  try {
    compile(wasm, lazyWasm, decoderWasm, cameraWasm, stage);
    hashAssets(stage);
    injectCsp(stage, entry, root);
    const shell = writeServiceWorker(stage, entry);
    writeManifest(stage, root);
    const sizes = precompress(stage);
    const { first, lazy } = firstLoadOf(readTree(stage), entry);
    report(sizes, first, lazy, entry, shell);
    if (errors) die(`${errors} problem(s) in dist/, listed above`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(stage, out);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- bundle

async function cmdBundle(opts) {
  const dist = path.resolve(opts.dist || path.join(ROOT, "dist"));
  const version = opts.version;
  if (!version) die("usage: node scripts/build.mjs bundle --version X.Y.Z [--dist DIR] [--zip FILE]");
  if (!fs.existsSync(path.join(dist, "manifest.json"))) die(`${dist} has no manifest.json: run ./build.sh build first`);
  const zipPath = path.resolve(opts.zip || path.join(ROOT, `ashyq-miniapp-${version}.zip`));
  const { zipSync } = await import("fflate");
  // Fixed time (the zip format's earliest, 1980-01-01) and order: the same dist/ gives the
  // same bytes, so an installer can compare a rebuild with what was uploaded.
  const mtime = new Date(1980, 0, 1, 0, 0, 0);
  // Only what users load: not the precompressed siblings, not the host emulator.
  const files = walk(dist).filter((r) => !PRECOMPRESSED.test(r) && !DEV(r));
  const entries = {};
  for (const rel of files) {
    entries[rel] = [new Uint8Array(fs.readFileSync(path.join(dist, rel))), { level: 9, mtime, os: 3, attrs: 0o100644 << 16 }];
  }
  fs.writeFileSync(zipPath + ".tmp", zipSync(entries));
  fs.renameSync(zipPath + ".tmp", zipPath);
  const sha = createHash("sha256").update(fs.readFileSync(zipPath)).digest("hex");
  console.log(`     ${files.length} files, ${fs.statSync(zipPath).size} bytes, sha256 ${sha}`);
  console.log(`     ${zipPath}`);
}

// ---------------------------------------------------------------- verify-bundle

/** Paths a production bundle must never hold: the emulator, source maps, hidden files. */
const DEV_FILE = (rel) => DEV(rel) || /^(www-)?dev\//.test(rel) || /\.map$/.test(rel) || /(^|\/)\./.test(rel) || /(^|\/)node_modules\//.test(rel);

/**
 * Checks a bundle zip as an installer would: the manifest against the schema, every file's
 * SHA-384, no file missing or unlisted, the CSP <meta> of the entry page, the first-load
 * budget (brotli), and no developer file inside. Returns the problems, each naming the file.
 */
async function verifyBundle(zipBytes) {
  const problems = [];
  const { unzipSync } = await import("fflate");
  let zip;
  try {
    zip = unzipSync(new Uint8Array(zipBytes));
  } catch (e) {
    return [`not a readable zip: ${e.message}`];
  }
  const files = new Map();
  for (const [name, data] of Object.entries(zip)) {
    if (name.endsWith("/")) continue; // a directory entry
    if (name.startsWith("/") || name.split("/").some((p) => p === ".." || p === "")) {
      problems.push(`${name}: unsafe path in the zip`);
      continue;
    }
    files.set(name, Buffer.from(data));
  }
  for (const name of files.keys()) if (DEV_FILE(name)) problems.push(`${name}: a developer file (emulator, source map or hidden file) in the bundle`);
  if (!files.has("manifest.json")) return [...problems, "manifest.json: missing"];
  let manifest;
  try {
    manifest = JSON.parse(files.get("manifest.json").toString("utf8"));
  } catch (e) {
    return [...problems, `manifest.json: not valid JSON (${e.message})`];
  }
  for (const msg of await schemaErrors(manifest)) problems.push(`manifest.json: ${msg}`);
  const listed = manifest.files && typeof manifest.files === "object" ? manifest.files : {};
  if (!manifest.files) problems.push("manifest.json: no `files` (SHA-384 of every file)");
  for (const [rel, want] of Object.entries(listed)) {
    if (DEV_FILE(rel)) problems.push(`${rel}: a developer file listed in manifest.json`);
    if (!files.has(rel)) {
      problems.push(`${rel}: listed in manifest.json but missing from the zip`);
      continue;
    }
    const got = sri(files.get(rel));
    if (got !== want) problems.push(`${rel}: SHA-384 differs from manifest.json (the file was changed: ${got}, manifest ${want})`);
  }
  for (const rel of files.keys()) {
    if (rel !== "manifest.json" && !(rel in listed)) problems.push(`${rel}: in the zip but not listed in manifest.json`);
  }
  for (const img of [...(manifest.icons || []), ...(manifest.registration_images || [])]) {
    if (img && img.src && !files.has(img.src)) problems.push(`${img.src}: named by manifest.json but missing from the zip`);
  }
  const entry = typeof manifest.entry === "string" ? manifest.entry : "index.html";
  if (!files.has(entry)) {
    problems.push(`${entry}: the entry page is missing`);
  } else {
    const m = files.get(entry).toString("utf8").match(CSP_META_RE);
    const want = cspFor(manifest);
    if (!m) problems.push(`${entry}: no <meta http-equiv="Content-Security-Policy">`);
    else if (m[1].replace(/&quot;/g, '"') !== want) problems.push(`${entry}: the CSP <meta> is "${m[1]}", expected "${want}" (from manifest.json's backend origins)`);
    const loaded = new Map([...files].filter(([rel]) => rel !== "manifest.json"));
    const { first } = firstLoadOf(loaded, entry);
    let br = 0;
    for (const rel of first) br += COMPRESSIBLE(rel) ? brotli(files.get(rel)).length : files.get(rel).length;
    if (br > BUDGET) problems.push(`${entry}: the first load is ${kb(br)} brotli, over the ${kb(BUDGET)} budget (${[...first].join(", ")})`);
  }
  return problems;
}

async function cmdVerifyBundle(opts) {
  const zipPath = opts._[1];
  if (!zipPath) die("usage: node scripts/build.mjs verify-bundle ZIP");
  if (!fs.existsSync(zipPath)) die(`${zipPath} not found`);
  const bytes = fs.readFileSync(zipPath);
  const problems = await verifyBundle(bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (problems.length) {
    for (const p of problems) console.error(`ERROR: ${p}`);
    die(`${zipPath} (sha256 ${sha}) fails verification: ${problems.length} problem(s), listed above`);
  }
  console.log(`     ${zipPath}: sha256 ${sha}`);
  console.log("     manifest matches docs/manifest.schema.json; every file's SHA-384 matches; CSP <meta> present; first load within budget; no developer file");
}

const opts = args(process.argv.slice(2));
switch (opts._[0]) {
  case "dist":
    await cmdDist(opts);
    break;
  case "bundle":
    await cmdBundle(opts);
    break;
  case "verify-bundle":
    await cmdVerifyBundle(opts);
    break;
  default:
    die("usage: node scripts/build.mjs dist|bundle|verify-bundle … (see the top of this file)");
}
