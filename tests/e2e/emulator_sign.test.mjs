// node --test tests/e2e/emulator_sign.test.mjs
//
// The host emulator's signing functions (www-dev/sign.js, WebCrypto) checked against
// independent computations with node:crypto and against hand-written sign strings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import {
  aituSign,
  aituSignString,
  telegramCheckString,
  telegramInitData,
  vkLaunchQuery,
  vkSignString,
} from '../../www-dev/sign.js';

const hmacHex = (key, data) => createHmac('sha256', key).update(data, 'utf8').digest('hex');

test('aitu sign string drops sign and empty values recursively, sorts keys', () => {
  const me = {
    name: 'Айгерим',
    lastname: 'Сапарова',
    id: 'u-1',
    avatar: '',
    notifications_allowed: false,
    private_messaging_enabled: true,
    count: 0,
    nothing: null,
    list: [],
    empty: {},
    nested: { z: 'last', a: 1, gone: 0, deeper: { x: false } },
    sign: 'must-not-be-signed',
  };
  assert.equal(
    aituSignString(me),
    'id:u-1lastname:Сапароваname:Айгеримnested:a:1z:lastprivate_messaging_enabled:true',
  );
});

test('aitu sign is lowercase hex HMAC-SHA256 with the API key', async () => {
  const key = 'dev-aitu-api-key';
  const phone = { phone: '+77010000001', sign: 'old' };
  const got = await aituSign(phone, key);
  assert.equal(got, hmacHex(key, 'phone:+77010000001'));
  assert.match(got, /^[0-9a-f]{64}$/);
});

test('telegram check string: all fields but hash, sorted, joined by newline', () => {
  assert.equal(
    telegramCheckString({ user: '{"id":1}', auth_date: '5', hash: 'x', query_id: 'Q' }),
    'auth_date=5\nquery_id=Q\nuser={"id":1}',
  );
});

test('telegram init data hash matches a hand-computed HMAC', async () => {
  const bot = '123456:TEST-bot-token';
  const user = { id: 1000001, first_name: 'Айгерим', last_name: 'Сапарова', language_code: 'ru' };
  const initData = await telegramInitData({ user, authDate: 1700000000, queryId: 'AAHq1' }, bot);

  // Parse as a server would: URL-decoding every value.
  const fields = Object.fromEntries(
    initData.split('&').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), decodeURIComponent(kv.slice(i + 1))];
    }),
  );
  assert.equal(fields.user, JSON.stringify(user));
  assert.equal(fields.auth_date, '1700000000');
  assert.equal(initData.split('&').at(-1).split('=')[0], 'hash');

  const secret = createHmac('sha256', 'WebAppData').update(bot).digest();
  const dcs = `auth_date=1700000000\nquery_id=AAHq1\nuser=${JSON.stringify(user)}`;
  const expected = createHmac('sha256', secret).update(dcs, 'utf8').digest('hex');
  assert.equal(fields.hash, expected);

  // URLSearchParams (form decoding) must read the same values: no '+' for spaces.
  const sp = new URLSearchParams(initData);
  assert.equal(sp.get('user'), JSON.stringify(user));
  assert.equal(sp.get('hash'), expected);
});

test('vk sign is base64url HMAC-SHA256 of sorted vk_* params, no padding', async () => {
  const secret = 'dev-vk-secret';
  const params = {
    vk_user_id: '2000001',
    vk_app_id: '51234567',
    vk_access_token_settings: '',
    vk_platform: 'desktop_web',
    vk_ts: '1700000000',
    vk_language: 'ru',
  };
  const signString =
    'vk_access_token_settings=&vk_app_id=51234567&vk_language=ru&vk_platform=desktop_web&vk_ts=1700000000&vk_user_id=2000001';
  assert.equal(vkSignString({ ...params, sign: 'x', other: 'y' }), signString);

  const query = await vkLaunchQuery(params, secret);
  const sign = new URLSearchParams(query).get('sign');
  const expected = createHmac('sha256', secret)
    .update(signString)
    .digest('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  assert.equal(sign, expected);
  assert.doesNotMatch(sign, /[=+/]/);
});
