// The host emulator's signing functions: what Aitu, Telegram and VK compute on their side
// before they hand an identity to a mini-app. Plain WebCrypto (`crypto.subtle`), so the
// same module runs in the emulator page and under node (node --test
// tests/e2e/emulator_sign.test.mjs). These are the host-side doubles of
// `ashyq_core::hostproof`; the end-to-end tests prove the two agree.

const te = new TextEncoder();

/** Raw HMAC-SHA256 of `data` (string or bytes) keyed with `key` (string or bytes). */
export async function hmacSha256(key, data) {
  const keyBytes = typeof key === 'string' ? te.encode(key) : key;
  const dataBytes = typeof data === 'string' ? te.encode(data) : data;
  const k = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, dataBytes));
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---- Aitu ----

/** True for the values Aitu leaves out of the signed string: 0, null, false, "", [] and {}. */
function aituEmpty(v) {
  if (v === 0 || v === null || v === undefined || v === false || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Drops empty values recursively, so `{a:{b:0}}` loses `a` as well. */
function aituPrune(v) {
  if (Array.isArray(v)) return v.map(aituPrune).filter((x) => !aituEmpty(x));
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const p = aituPrune(x);
      if (!aituEmpty(p)) out[k] = p;
    }
    return out;
  }
  return v;
}

function aituWrite(v) {
  if (Array.isArray(v)) {
    // Not seen in GetMe/GetPhone; written element by element, in order, by the same rule.
    return v.map(aituWrite).join('');
  }
  if (v !== null && typeof v === 'object') {
    return Object.keys(v)
      .sort()
      .map((k) => k + ':' + aituWrite(v[k]))
      .join('');
  }
  return String(v);
}

/**
 * The string Aitu signs: `sign` dropped, empty values dropped recursively, then
 * `key1:value1key2:value2…` with keys sorted (by UTF-16 code units, which equals byte
 * order for the ASCII keys Aitu uses), nested objects written by the same rule.
 */
export function aituSignString(obj) {
  const rest = { ...obj };
  delete rest.sign;
  return aituWrite(aituPrune(rest));
}

/**
 * Aitu's `sign`: lowercase hex HMAC-SHA256 of `aituSignString` keyed with the app's API
 * key. The final HMAC step is not confirmed by a primary source (DESIGN §5); the Rust
 * core makes the same assumption, in one place.
 */
export async function aituSign(obj, apiKey) {
  return toHex(await hmacSha256(apiKey, aituSignString(obj)));
}

/** `obj` with its `sign` field set. */
export async function aituSigned(obj, apiKey) {
  return { ...obj, sign: await aituSign(obj, apiKey) };
}

// ---- Telegram ----

/** The data-check string: every field but `hash`, as `key=value`, sorted, joined by "\n". */
export function telegramCheckString(fields) {
  return Object.keys(fields)
    .filter((k) => k !== 'hash')
    .sort()
    .map((k) => k + '=' + fields[k])
    .join('\n');
}

/** hex HMAC-SHA256(HMAC-SHA256("WebAppData", bot_token), check string). */
export async function telegramHash(fields, botToken) {
  const secret = await hmacSha256('WebAppData', botToken);
  return toHex(await hmacSha256(secret, telegramCheckString(fields)));
}

/**
 * Init data as Telegram web puts it into `tgWebAppData`: URL-encoded fields, `hash` last.
 * `user` is the Telegram user object; `authDate` Unix seconds.
 */
export async function telegramInitData({ user, authDate, queryId }, botToken) {
  const fields = {
    query_id: queryId,
    user: JSON.stringify(user),
    auth_date: String(authDate),
  };
  const hash = await telegramHash(fields, botToken);
  return Object.entries({ ...fields, hash })
    .map(([k, v]) => k + '=' + encodeURIComponent(v))
    .join('&');
}

// ---- VK ----

/** The string VK signs: the `vk_*` parameters sorted by name, `k=v` joined by "&". */
export function vkSignString(params) {
  return Object.keys(params)
    .filter((k) => k.startsWith('vk_'))
    .sort()
    .map((k) => k + '=' + encodeURIComponent(params[k]))
    .join('&');
}

/** base64url(HMAC-SHA256(app secret, sign string)) without padding. */
export async function vkSign(params, appSecret) {
  return toBase64Url(await hmacSha256(appSecret, vkSignString(params)));
}

/** The launch query string (no leading "?"): the `vk_*` parameters in order, then `sign`. */
export async function vkLaunchQuery(params, appSecret) {
  const sign = await vkSign(params, appSecret);
  return Object.entries({ ...params, sign })
    .map(([k, v]) => k + '=' + encodeURIComponent(v))
    .join('&');
}
