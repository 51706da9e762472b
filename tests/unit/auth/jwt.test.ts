import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { AuthFailure } from '../../../src/auth/auth-failure.js';
import { isPlainText, KIND_STATUS } from '../../../src/errors.js';
import { importJwtSecret, JWT_LEEWAY_SECONDS, mintJwt, verifyJwt, type JwtKey } from '../../../src/auth/jwt.js';
import { ADMIN_KEY, ALT_KEY, algNone, b64url, hs256, hs512, NOW, NOW_S, rs256 } from './fixtures.js';

const keys = async (...secrets: string[]): Promise<JwtKey[]> => Promise.all(secrets.map(importJwtSecret));

function failsWith(status: number, message: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof AuthFailure, `expected AuthFailure, got ${String(e)}`);
    assert.equal(KIND_STATUS[e.kind].http, status);
    assert.equal(e.message, message);
    assert.equal(isPlainText(e.code), true);
    return true;
  };
}
const INVALID = failsWith(401, 'Invalid API key or JWT');

describe('verifyJwt', () => {
  it('accepts HS256 with api_key, then alt_api_key', async () => {
    const k = await keys(ADMIN_KEY, ALT_KEY);
    assert.deepEqual(await verifyJwt(await hs256({ access: 'r' }), k, NOW), { access: { kind: 'global', level: 'r' } });
    assert.deepEqual(await verifyJwt(await hs256({ access: 'r' }, ALT_KEY), k, NOW), { access: { kind: 'global', level: 'r' } });
  });

  it('keeps the key non-extractable', async () => {
    const [k] = await keys(ADMIN_KEY);
    assert.equal(k!.extractable, false);
    assert.deepEqual(k!.usages, ['verify']);
  });

  it('refuses everything when no key is configured (jwt_rbac off)', async () => {
    await assert.rejects(verifyJwt(await hs256({}), [], NOW), INVALID);
  });

  it('applies the 30 s leeway exactly as Qdrant: expired when exp < now - 30', async () => {
    const k = await keys(ADMIN_KEY);
    assert.equal(JWT_LEEWAY_SECONDS, 30);
    await verifyJwt(await hs256({ exp: NOW_S - 30 }), k, NOW);
    await assert.rejects(verifyJwt(await hs256({ exp: NOW_S - 31 }), k, NOW), failsWith(403, 'ExpiredSignature'));
    await verifyJwt(await hs256({ exp: null }), k, NOW);
  });

  it('checks the signature before expiry', async () => {
    const k = await keys(ADMIN_KEY);
    await assert.rejects(verifyJwt(await hs256({ exp: NOW_S - 100 }, 'wrong'), k, NOW), failsWith(403, 'InvalidSignature'));
  });

  it('ignores nbf, iat, aud, iss and unknown claims', async () => {
    const k = await keys(ADMIN_KEY);
    const claims = await verifyJwt(await hs256({ nbf: NOW_S + 9999, iat: NOW_S + 9999, aud: 'x', iss: 'y', zzz: 1 }), k, NOW);
    assert.deepEqual(claims.access, { kind: 'global', level: 'm' });
  });

  it('reads subject and value_exists; sub is not used', async () => {
    const k = await keys(ADMIN_KEY);
    const vx = { collection: 'users', matches: [{ key: 'user', value: 'andrey' }, { key: 'n', value: 3 }, { key: 'ok', value: true }] };
    const claims = await verifyJwt(await hs256({ sub: 'not-used', subject: 'alice', value_exists: vx, access: 'r' }), k, NOW);
    assert.deepEqual(claims, { access: { kind: 'global', level: 'r' }, subject: 'alice', valueExists: vx });
    const none = await verifyJwt(await hs256({ subject: null, value_exists: null }), k, NOW);
    assert.deepEqual(none, { access: { kind: 'global', level: 'm' } });
  });

  const badClaims: Array<[string, Record<string, unknown>]> = [
    ['non-integer exp', { exp: NOW_S + 0.5 }],
    ['negative exp', { exp: -1 }],
    ['string exp', { exp: String(NOW_S + 100) }],
    ['non-string sub', { sub: 42 }],
    ['non-string subject', { subject: ['a'] }],
    ['null access', { access: null }],
    ['bad access', { access: 'rw' }],
    ['duplicate collection', { access: [{ collection: 'a', access: 'r' }, { collection: 'a', access: 'r' }] }],
    ['deprecated payload', { access: [{ collection: 'a', access: 'r', payload: { k: 'v' } }] }],
    ['value_exists not an object', { value_exists: 'users' }],
    ['value_exists without matches', { value_exists: { collection: 'users' } }],
    ['value_exists with a float value', { value_exists: { collection: 'u', matches: [{ key: 'k', value: 1.5 }] } }],
    ['value_exists with an empty key', { value_exists: { collection: 'u', matches: [{ key: '', value: 'v' }] } }],
    ['value_exists with a non-object match', { value_exists: { collection: 'u', matches: ['k=v'] } }],
  ];
  for (const [what, claims] of badClaims) {
    it(`answers 401 for ${what}`, async () => {
      await assert.rejects(verifyJwt(await hs256(claims), await keys(ADMIN_KEY), NOW), INVALID);
    });
  }

  it('answers 401 for a payload that is not a JSON object', async () => {
    const k = await keys(ADMIN_KEY);
    const header = b64url({ alg: 'HS256' });
    for (const payload of [Buffer.from('[1,2]'), Buffer.from('not json'), Buffer.from([0xff])]) {
      const body = payload.toString('base64url');
      const sig = createHmac('sha256', ADMIN_KEY).update(`${header}.${body}`).digest('base64url');
      await assert.rejects(verifyJwt(`${header}.${body}.${sig}`, k, NOW), INVALID, payload.toString('hex'));
    }
  });

  it('refuses every algorithm but HS256, before looking at the signature', async () => {
    const k = await keys(ADMIN_KEY);
    await assert.rejects(verifyJwt(algNone({}), k, NOW), INVALID);
    await assert.rejects(verifyJwt(await hs512({}), k, NOW), INVALID);
    await assert.rejects(verifyJwt(await rs256({}), k, NOW), INVALID);
    // algorithm confusion: an RS256 header over an HMAC made with the api key
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(ADMIN_KEY));
    const [, payload, sig] = confused.split('.');
    await assert.rejects(verifyJwt(`${b64url({ alg: 'RS256' })}.${payload}.${sig}`, k, NOW), INVALID);
  });

  it('answers 401 for tokens that are not JWS at all', async () => {
    const k = await keys(ADMIN_KEY);
    for (const t of ['', 'abc', 'a.b', 'a.b.c', 'a.b.c.d', '...']) await assert.rejects(verifyJwt(t, k, NOW), INVALID, t);
  });
});

describe('mintJwt', () => {
  it('mints tokens verifyJwt accepts, with every claim', async () => {
    const valueExists = { collection: 'users', matches: [{ key: 'user', value: 'andrey' }] };
    const token = await mintJwt(ADMIN_KEY, {
      access: { kind: 'collections', grants: [{ collection: 'c', access: 'prw' }] },
      expSeconds: 3600,
      subject: 'ci',
      valueExists,
    }, NOW);
    const [header, payload] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    assert.equal(JSON.parse(Buffer.from(payload!, 'base64url').toString()).exp, NOW_S + 3600);
    assert.deepEqual(await verifyJwt(token, await keys(ADMIN_KEY), NOW), {
      access: { kind: 'collections', grants: [{ collection: 'c', access: 'prw' }] },
      subject: 'ci',
      valueExists,
    });
  });

  it('leaves access and exp out when not given (manage, no expiry)', async () => {
    const token = await mintJwt(ADMIN_KEY, {});
    assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()), {});
  });
});
