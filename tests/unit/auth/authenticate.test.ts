import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate, AuthFailure, isAuthFailure, OPEN_OPERATIONS } from '../../../src/auth/authenticate.js';
import { ERRORS, isPlainText, KIND_STATUS } from '../../../src/errors.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import {
  ADMIN_KEY, ALT_KEY, EXPIRED_NAMED_KEY, NAMED_KEY, NAMED_READ_KEY, NOW, NOW_S, RO_KEY,
  algNone, fullStore, hs256, tempDir,
} from './fixtures.js';

const tmp = tempDir();
let store: CredentialStore;
before(async () => {
  store = await fullStore(join(tmp.dir, 'keys.yaml'));
});
after(tmp.cleanup);

describe('authenticate', () => {
  it('maps api_key and alt_api_key to manage, the read-only key to global read', async () => {
    assert.deepEqual(await authenticate({ apiKey: ADMIN_KEY }, store, NOW), { type: 'ApiKey', access: { kind: 'global', level: 'm' } });
    assert.deepEqual(await authenticate({ apiKey: ALT_KEY }, store, NOW), { type: 'ApiKey', access: { kind: 'global', level: 'm' } });
    assert.deepEqual(await authenticate({ apiKey: RO_KEY }, store, NOW), { type: 'ApiKey', access: { kind: 'global', level: 'r' } });
  });

  it('maps a named key to its access and name', async () => {
    assert.deepEqual(await authenticate({ apiKey: NAMED_KEY }, store, NOW), {
      type: 'ApiKey',
      access: { kind: 'collections', grants: [{ collection: 'c', access: 'rw' }] },
      keyName: 'ci',
    });
    assert.equal((await authenticate({ authorization: `Bearer ${NAMED_READ_KEY}` }, store, NOW)).keyName, 'reader');
  });

  it('refuses an expired named key with 401, and accepts it before expiry', async () => {
    await assert.rejects(authenticate({ apiKey: EXPIRED_NAMED_KEY }, store, NOW), { code: 'AUTH_INVALID', kind: 'unauthorized', message: 'Invalid API key or JWT' });
    const earlier = new Date(NOW.getTime() - 2000);
    assert.equal((await authenticate({ apiKey: EXPIRED_NAMED_KEY }, store, earlier)).keyName, 'old');
  });

  it('reads the api-key header first, then Authorization with the exact prefix "Bearer "', async () => {
    assert.equal((await authenticate({ apiKey: RO_KEY, authorization: `Bearer ${ADMIN_KEY}` }, store, NOW)).access.kind, 'global');
    assert.deepEqual((await authenticate({ apiKey: RO_KEY, authorization: `Bearer ${ADMIN_KEY}` }, store, NOW)).access, { kind: 'global', level: 'r' });
    await assert.rejects(authenticate({ apiKey: '', authorization: `Bearer ${ADMIN_KEY}` }, store, NOW), { code: 'AUTH_INVALID', kind: 'unauthorized', message: 'Invalid API key or JWT' });
    for (const authorization of [`bearer ${ADMIN_KEY}`, `Bearer${ADMIN_KEY}`, ADMIN_KEY, `Basic ${ADMIN_KEY}`]) {
      await assert.rejects(authenticate({ authorization }, store, NOW), { code: 'AUTH_MISSING', kind: 'unauthorized', message: 'Must provide an API key or an Authorization bearer token' }, authorization);
    }
    await assert.rejects(authenticate({ authorization: `Bearer  ${ADMIN_KEY}` }, store, NOW), { code: 'AUTH_INVALID', kind: 'unauthorized', message: 'Invalid API key or JWT' });
  });

  it('returns JWT claims: type Jwt, subject, value_exists', async () => {
    const vx = { collection: 'users', matches: [{ key: 'user', value: 'andrey' }] };
    const auth = await authenticate({ authorization: `Bearer ${await hs256({ access: 'r', subject: 'alice', sub: 'x', value_exists: vx })}` }, store, NOW);
    assert.deepEqual(auth, { type: 'Jwt', access: { kind: 'global', level: 'r' }, subject: 'alice', valueExists: vx });
  });

  it('refuses JWTs when jwt_rbac is off', async () => {
    const noJwt = await CredentialStore.create({ api_key: ADMIN_KEY });
    await assert.rejects(authenticate({ authorization: `Bearer ${await hs256({ access: 'r' })}` }, noJwt, NOW), { code: 'AUTH_INVALID', kind: 'unauthorized', message: 'Invalid API key or JWT' });
  });

  it('gives full access with type None when no key is configured, whatever is sent', async () => {
    const open = await CredentialStore.create({ api_key: '' });
    assert.deepEqual(await authenticate({}, open), { type: 'None', access: { kind: 'global', level: 'm' } });
    assert.deepEqual(await authenticate({ apiKey: 'x' }, open), { type: 'None', access: { kind: 'global', level: 'm' } });
  });

  it('never puts the presented credential in an error', async () => {
    const secrets = [
      'no-such-key-0123456789',
      await hs256({ access: 'm' }, 'attacker-secret'),
      await hs256({ access: 'm', exp: NOW_S - 100 }),
      await hs256({ access: 'bogus' }),
      algNone({ access: 'm' }),
      EXPIRED_NAMED_KEY,
      `${ADMIN_KEY}x`,
    ];
    for (const secret of secrets) {
      for (const headers of [{ apiKey: secret }, { authorization: `Bearer ${secret}` }]) {
        const e = await authenticate(headers, store, NOW).then(() => assert.fail('accepted'), (err: unknown) => err);
        assert.ok(isAuthFailure(e));
        const text = `${e.message}\n${e.stack ?? ''}\n${e.auditText()}\n${JSON.stringify(e)}`;
        assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 12)}…`);
        assert.ok(!text.includes(ADMIN_KEY));
      }
    }
  });
});

describe('AuthFailure', () => {
  it('carries status, text format and Qdrant-style audit text', () => {
    const e = new AuthFailure('JWT_EXPIRED');
    assert.equal(KIND_STATUS[e.kind].http, 403);
    assert.equal(isPlainText(e.code), true);
    assert.equal(e.auditText(), 'Forbidden: ExpiredSignature');
    assert.equal(new AuthFailure('AUTH_MISSING').auditText(), 'Unauthorized: Must provide an API key or an Authorization bearer token');
    assert.equal(isAuthFailure(new Error('x')), false);
  });

  it('has the exact texts of docs/security.md', () => {
    const codes = ['AUTH_MISSING', 'AUTH_INVALID', 'JWT_BAD_SIGNATURE', 'JWT_EXPIRED', 'JWT_VALUE_MISSING', 'JWT_VALUE_COLLECTION_MISSING'] as const;
    assert.deepEqual(codes.map((c) => [c, KIND_STATUS[ERRORS[c].kind].http, ERRORS[c].message, isPlainText(c)]), [
      ['AUTH_MISSING', 401, 'Must provide an API key or an Authorization bearer token', true],
      ['AUTH_INVALID', 401, 'Invalid API key or JWT', true],
      ['JWT_BAD_SIGNATURE', 403, 'InvalidSignature', true],
      ['JWT_EXPIRED', 403, 'ExpiredSignature', true],
      ['JWT_VALUE_MISSING', 401, 'Invalid JWT, stateful validation failed', true],
      ['JWT_VALUE_COLLECTION_MISSING', 403, 'Invalid JWT, stateful validation failed', true],
    ]);
  });
});

describe('OPEN_OPERATIONS', () => {
  it('is exactly Qdrant\'s whitelist, plus the dashboard\'s static files (open in Qdrant too)', () => {
    assert.deepEqual([...OPEN_OPERATIONS].sort(), ['dashboard', 'healthz', 'livez', 'readyz', 'root']);
  });
});
