// Finishes a staged dist/ directory; run by `./build.sh build`, not by hand:
//   node scripts/dist.mjs STAGE_DIR MANIFEST_JSON CRATE_VERSION FIRST_LOAD_BUDGET_BYTES
//
// 1. Gives every file under STAGE_DIR/assets/ a content hash in its name
//    (ashyq.js -> ashyq.3f2a9c1b.js) and rewrites the references to it in every text file,
//    hashing files only after the files they reference, so a hash covers what it loads.
//    The server caches /assets/* forever and never caches index.html, so a new build is
//    picked up by a reload and an old cached asset is never mixed with a new one.
// 2. Writes STAGE_DIR/manifest.json: the root manifest (version checked against the crate)
//    plus `files`, each file's SHA-384 as an SRI string ("sha384-<base64>").
// 3. Prints every file's size and gzip -9 size, and the first-load total
//    (index.html and everything it loads, transitively, except lazily loaded modules).
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import fs from "node:fs";
import path from "node:path";

const [stage, manifestPath, crateVersion, budgetArg] = process.argv.slice(2);
if (!stage || !manifestPath || !crateVersion) {
  console.error("usage: node scripts/dist.mjs STAGE_DIR MANIFEST_JSON CRATE_VERSION [BUDGET_BYTES]");
  process.exit(2);
}
const budget = Number(budgetArg || 100 * 1024);
const TEXT = new Set([".html", ".htm", ".js", ".mjs", ".css", ".svg", ".json", ".webmanifest", ".txt", ".map"]);
// Modules loaded only when needed (the camera decoder worker); not part of the first load.
const LAZY = /decoder|worker|lazy/i;
let errors = 0;
const fail = (msg) => {
  console.error(`ERROR: ${msg}`);
  errors++;
};
const warn = (msg) => console.error(`WARNING: ${msg}`);

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
const read = (rel) => fs.readFileSync(path.join(stage, rel));
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A reference is the key not glued to a longer name on either side: it matches
// "assets/ashyq.js", "./ashyq.js", 'ashyq.js', but not "my-ashyq.js" or "ashyq.js.map".
const refRe = (key) => new RegExp(`(?<![\\w.-])${escapeRe(key)}(?![\\w-]|\\.\\w)`, "g");

// ---------------------------------------------------------------- 1. hash assets
const assetsDir = path.join(stage, "assets");
const assets = fs.existsSync(assetsDir) ? walk(assetsDir).map((r) => `assets/${r}`) : [];
// The string other files use to name an asset: its file name when that is unique among
// the assets, else its path below assets/ (e.g. wasm-bindgen's snippets/<crate>/inline0.js).
const byBase = new Map();
for (const a of assets) byBase.set(path.posix.basename(a), (byBase.get(path.posix.basename(a)) || 0) + 1);
const keyOf = (a) => (byBase.get(path.posix.basename(a)) === 1 ? path.posix.basename(a) : a.slice("assets/".length));

const renamed = new Map(); // old rel path -> new rel path
const replacements = []; // [regexp, new key] for assets already hashed
function rewrite(rel) {
  if (!isText(rel)) return;
  let text = read(rel).toString("utf8");
  const before = text;
  for (const [re, newKey] of replacements) text = text.replace(re, newKey);
  if (text !== before) fs.writeFileSync(path.join(stage, rel), text);
}
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
    const dir = path.posix.dirname(a);
    const base = path.posix.basename(a);
    const ext = path.posix.extname(base);
    const hashedBase = ext ? `${base.slice(0, -ext.length)}.${hash}${ext}` : `${base}.${hash}`;
    const hashed = `${dir}/${hashedBase}`;
    fs.renameSync(path.join(stage, a), path.join(stage, hashed));
    renamed.set(a, hashed);
    const oldKey = keyOf(a);
    const newKey = oldKey.slice(0, oldKey.length - base.length) + hashedBase;
    replacements.push([refRe(oldKey), newKey]);
  }
  pending = pending.filter((a) => !ready.includes(a));
}
const assetSet = new Set(renamed.values());
for (const rel of walk(stage)) if (!assetSet.has(rel)) rewrite(rel);

// Every "assets/…" named in HTML or CSS must exist; in JS only warn (it may be a comment).
const all = walk(stage);
for (const rel of all.filter(isText)) {
  const text = read(rel).toString("utf8");
  for (const m of text.matchAll(/(?<![\w-])assets\/([\w./-]*[\w])/g)) {
    if (!fs.existsSync(path.join(assetsDir, m[1]))) {
      const msg = `${rel} references assets/${m[1]}, which is not in dist/assets/`;
      if (/\.(html?|css)$/.test(rel)) fail(msg);
      else warn(msg);
    }
  }
}

// ---------------------------------------------------------------- 2. manifest
let manifest;
try {
  manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
} catch (e) {
  fail(`${manifestPath} is not valid JSON: ${e.message}`);
  process.exit(1);
}
if (manifest.version !== crateVersion) {
  fail(`${manifestPath} says version ${JSON.stringify(manifest.version)} but the ashyq crate is ${crateVersion}; update manifest.json`);
}
if (!manifest.entry || !fs.existsSync(path.join(stage, manifest.entry))) {
  fail(`manifest entry ${JSON.stringify(manifest.entry)} is not in dist/`);
}
for (const icon of manifest.icons || []) {
  if (!fs.existsSync(path.join(stage, icon.src))) warn(`manifest icon ${icon.src} is missing from www/`);
}
if (process.env.ASHYQ_BACKEND_ORIGIN !== undefined) {
  manifest.backend = { ...(manifest.backend || {}), origin: process.env.ASHYQ_BACKEND_ORIGIN };
}
const files = {};
for (const rel of all) {
  if (rel === "manifest.json") continue;
  files[rel] = "sha384-" + createHash("sha384").update(read(rel)).digest("base64");
}
manifest.files = files;
fs.writeFileSync(path.join(stage, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

// ---------------------------------------------------------------- 3. sizes
const sizes = new Map();
for (const rel of walk(stage)) {
  const buf = read(rel);
  sizes.set(rel, { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length });
}
const entry = manifest.entry || "index.html";
// Anything the entry page can load: every file but the manifest, the entry itself and the
// host emulator under dev/ (only testers open it).
const loadable = walk(stage).filter((r) => r !== "manifest.json" && r !== entry && !r.startsWith("dev/"));
const firstLoad = new Set();
const queue = fs.existsSync(path.join(stage, entry)) ? [entry] : [];
while (queue.length) {
  const rel = queue.shift();
  if (firstLoad.has(rel)) continue;
  firstLoad.add(rel);
  if (!isText(rel)) continue;
  const text = read(rel).toString("utf8");
  for (const a of loadable) {
    if (firstLoad.has(a) || LAZY.test(path.posix.basename(a))) continue;
    if (text.search(refRe(path.posix.basename(a))) !== -1) queue.push(a);
  }
}
const pad = (s, n) => String(s).padStart(n);
const width = Math.max(...[...sizes.keys()].map((k) => k.length), 10);
console.log(`     ${"file".padEnd(width)} ${pad("bytes", 9)} ${pad("gzip -9", 9)}`);
let tRaw = 0, tGz = 0, fRaw = 0, fGz = 0;
for (const [rel, s] of sizes) {
  const mark = firstLoad.has(rel) ? " *" : "";
  console.log(`     ${rel.padEnd(width)} ${pad(s.raw, 9)} ${pad(s.gz, 9)}${mark}`);
  tRaw += s.raw;
  tGz += s.gz;
  if (firstLoad.has(rel)) {
    fRaw += s.raw;
    fGz += s.gz;
  }
}
console.log(`     ${"all files".padEnd(width)} ${pad(tRaw, 9)} ${pad(tGz, 9)}`);
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.log(`     first load (*: ${entry} and what it loads, lazy modules apart): ${kb(fRaw)} raw, ${kb(fGz)} gzip; budget ${kb(budget)} gzip`);
if (fGz > budget) warn(`first load is ${kb(fGz)} gzip, over the ${kb(budget)} budget (DESIGN §7)`);
if (![...firstLoad].some((r) => r.endsWith(".wasm"))) warn(`${entry} does not seem to load any .wasm (no reference found)`);

if (errors) console.error(`ERROR: ${errors} problem(s) in dist/, listed above`);
process.exit(errors ? 1 : 0);
