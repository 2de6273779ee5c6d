// Checks the signed test vectors with an Ed25519 implementation independent of the Rust
// code: Node's built-in crypto (OpenSSL). Run by `./build.sh test`, or by hand:
//   node scripts/verify_vectors.mjs [tests/vectors/venue_codes.json tests/vectors/pass_tokens.json]
//
// It knows only the envelope (DESIGN §3), not the payload fields:
//   bare  ASHYQ1:<payload>.<signature>
//   URL   https://<host>/v/1#<payload>.<signature>
// base64url without padding; Ed25519 over the decoded payload bytes; the key id is
// payload bytes 1..5 (after the version byte), written as lowercase hex in `public_keys`,
// and for valid vectors it must equal the first 4 bytes of SHA-256 of the raw key.
// Pass tokens use the same <payload>.<signature> envelope, after an optional "NAME:" prefix.
//
// Every valid vector must verify with the key its id names. Every invalid vector whose
// error is about the signature, the key or the base64url must be rejected here too.
// Other invalid vectors (bad fields, wrong version, expiry) are only reported.
import { createHash, createPublicKey, verify } from "node:crypto";
import fs from "node:fs";

const files = process.argv.slice(2);
if (!files.length) {
  files.push("tests/vectors/venue_codes.json");
  if (fs.existsSync("tests/vectors/pass_tokens.json")) files.push("tests/vectors/pass_tokens.json");
}

// SubjectPublicKeyInfo DER for an Ed25519 key (RFC 8410): fixed 12-byte header + 32 bytes.
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const B64URL = /^[A-Za-z0-9_-]*$/;

function b64url(s, what) {
  if (typeof s !== "string" || !B64URL.test(s) || s.length % 4 === 1) throw new Envelope(`${what} is not base64url without padding`);
  const buf = Buffer.from(s, "base64url");
  // Reject non-canonical encodings (trailing bits set), as a strict decoder must.
  if (buf.toString("base64url") !== s) throw new Envelope(`${what} is not canonical base64url`);
  return buf;
}

class Envelope extends Error {}

/** Splits a code into payload and signature bytes, or throws Envelope. */
function parse(code) {
  if (typeof code !== "string" || code.length === 0) throw new Envelope("empty");
  let body;
  if (code.startsWith("ASHYQ1:")) {
    body = code.slice("ASHYQ1:".length);
  } else if (/^https?:\/\//i.test(code)) {
    let url;
    try {
      url = new URL(code);
    } catch {
      throw new Envelope("not a URL");
    }
    if (url.pathname !== "/v/1" || !url.hash) throw new Envelope(`URL path ${url.pathname} is not /v/1 or has no #fragment`);
    body = url.hash.slice(1);
  } else if (/^[A-Z][A-Z0-9]*:/.test(code)) {
    body = code.slice(code.indexOf(":") + 1); // pass tokens: NAME:<payload>.<signature>
  } else {
    body = code;
  }
  const parts = body.split(".");
  if (parts.length !== 2) throw new Envelope("not <payload>.<signature>");
  const payload = b64url(parts[0], "payload");
  const signature = b64url(parts[1], "signature");
  if (payload.length < 5) throw new Envelope("payload too short for a key id");
  if (signature.length !== 64) throw new Envelope(`signature is ${signature.length} bytes, not 64`);
  return { payload, signature, keyId: payload.subarray(1, 5).toString("hex") };
}

function publicKey(b64) {
  const raw = b64url(b64, "public key");
  if (raw.length !== 32) throw new Error(`public key is ${raw.length} bytes, not 32`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}

/** What this independent checker concludes about one code. */
function check(vector) {
  let env;
  try {
    env = parse(vector.code ?? vector.token);
  } catch (e) {
    if (e instanceof Envelope) return { verdict: "envelope", detail: e.message };
    throw e;
  }
  const keys = vector.public_keys || {};
  const keyB64 = keys[env.keyId] ?? keys[env.keyId.toUpperCase()];
  if (keyB64 === undefined) return { verdict: "unknown_key", detail: `key id ${env.keyId} not in public_keys` };
  const good = verify(null, env.payload, publicKey(keyB64), env.signature);
  return good ? { verdict: "verified", detail: `key ${env.keyId}` } : { verdict: "bad_signature", detail: `key ${env.keyId}` };
}

const SIGNATURE_ERRORS = /signature|forged|tamper/i;
const KEY_ERRORS = /unknown.?key|key.?id/i;

let failures = 0;
for (const file of files) {
  let vectors;
  try {
    vectors = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`FAIL ${file}: ${e.message}`);
    failures++;
    continue;
  }
  if (!Array.isArray(vectors) && Array.isArray(vectors?.vectors)) vectors = vectors.vectors;
  if (!Array.isArray(vectors) || vectors.length === 0) {
    console.error(`FAIL ${file}: expected a non-empty JSON list of vectors`);
    failures++;
    continue;
  }
  const counts = { valid: 0, rejected: 0, reported: 0 };
  for (const [i, v] of vectors.entries()) {
    const name = v.name ?? `#${i}`;
    let r;
    try {
      r = check(v);
    } catch (e) {
      console.error(`FAIL ${file} ${name}: ${e.message}`);
      failures++;
      continue;
    }
    if (v.valid === true) {
      // docs/protocol.md: a key id is the first 4 bytes of SHA-256 of the raw key.
      for (const [id, key] of Object.entries(v.public_keys || {})) {
        const want = createHash("sha256").update(Buffer.from(key, "base64url")).digest("hex").slice(0, 8);
        if (id.toLowerCase() !== want) {
          console.error(`FAIL ${file} ${name}: key id ${id} is not SHA-256(key)[0..4] = ${want}`);
          failures++;
        }
      }
      if (r.verdict === "verified") counts.valid++;
      else {
        console.error(`FAIL ${file} ${name}: valid vector does not verify (${r.verdict}: ${r.detail})`);
        failures++;
      }
    } else if (v.valid === false) {
      const err = String(v.error ?? "");
      const mustReject = SIGNATURE_ERRORS.test(err) || KEY_ERRORS.test(err);
      if (mustReject && r.verdict === "verified") {
        console.error(`FAIL ${file} ${name}: expected error ${err}, but the signature verifies (${r.detail})`);
        failures++;
      } else if (KEY_ERRORS.test(err) && r.verdict === "bad_signature") {
        console.error(`FAIL ${file} ${name}: expected ${err}, but the key id is known and only the signature is wrong`);
        failures++;
      } else if (/base64/i.test(err) && r.verdict !== "envelope") {
        console.error(`FAIL ${file} ${name}: expected ${err}, but the base64url decodes here (${r.verdict})`);
        failures++;
      } else if (mustReject || /base64/i.test(err)) counts.rejected++;
      else {
        counts.reported++;
        if (process.env.VERBOSE) console.log(`  info ${name}: expected ${err || "(no error code)"}; envelope check: ${r.verdict}`);
      }
    } else {
      console.error(`FAIL ${file} ${name}: "valid" must be true or false`);
      failures++;
    }
  }
  console.log(
    `${file}: ${vectors.length} vectors; ${counts.valid} valid verified, ${counts.rejected} bad signature/key/base64 rejected, ` +
      `${counts.reported} other invalid (field-level, checked by the Rust tests only)`,
  );
  if (counts.valid === 0) {
    console.error(`FAIL ${file}: no valid vector verified`);
    failures++;
  }
}
if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log("all vectors agree with Node's Ed25519 (OpenSSL)");
