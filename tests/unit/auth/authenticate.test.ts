import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AUTH_MESSAGES, authenticate, AuthFailure, isAuthFailure, OPEN_OPERATIONS } from '../../../src/auth/authenticate.js';
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
    await assert.rejects(authenticate({ apiKey: EXPIRED_NAMED_KEY }, store, NOW), { status: 401, message: AUTH_MESSAGES.invalid });
    const earlier = new Date(NOW.getTime() - 2000);
    assert.equal((await authenticate({ apiKey: EXPIRED_NAMED_KEY }, store, earlier)).keyName, 'old');
  });

  it('reads the api-key header first, then Authorization with the exact prefix "Bearer "', async () => {
    assert.equal((await authenticate({ apiKey: RO_KEY, authorization: `Bearer ${ADMIN_KEY}` }, store, NOW)).access.kind, 'global');
    assert.deepEqual((await authenticate({ apiKey: RO_KEY, authorization: `Bearer ${ADMIN_KEY}` }, store, NOW)).access, { kind: 'global', level: 'r' });
    await assert.rejects(authenticate({ apiKey: '', authorization: `Bearer ${ADMIN_KEY}` }, store, NOW), { status: 401, message: AUTH_MESSAGES.invalid });
    for (const authorization of [`bearer ${ADMIN_KEY}`, `Bearer${ADMIN_KEY}`, ADMIN_KEY, `Basic ${ADMIN_KEY}`]) {
      await assert.rejects(authenticate({ authorization }, store, NOW), { status: 401, message: AUTH_MESSAGES.missing }, authorization);
    }
    await assert.rejects(authenticate({ authorization: `Bearer  ${ADMIN_KEY}` }, store, NOW), { status: 401, message: AUTH_MESSAGES.invalid });
  });

  it('returns JWT claims: type Jwt, subject, value_exists', async () => {
    const vx = { collection: 'users', matches: [{ key: 'user', value: 'andrey' }] };
    const auth = await authenticate({ authorization: `Bearer ${await hs256({ access: 'r', subject: 'alice', sub: 'x', value_exists: vx })}` }, store, NOW);
    assert.deepEqual(auth, { type: 'Jwt', access: { kind: 'global', level: 'r' }, subject: 'alice', valueExists: vx });
  });

  it('refuses JWTs when jwt_rbac is off', async () => {
    const noJwt = await CredentialStore.create({ api_key: ADMIN_KEY });
    await assert.rejects(authenticate({ authorization: `Bearer ${await hs256({ access: 'r' })}` }, noJwt, NOW), { status: 401, message: AUTH_MESSAGES.invalid });
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
    const e = new AuthFailure(403, AUTH_MESSAGES.expired);
    assert.equal(e.status, 403);
    assert.equal(e.format, 'text');
    assert.equal(e.auditText(), 'Forbidden: ExpiredSignature');
    assert.equal(new AuthFailure(401, AUTH_MESSAGES.missing, 'json').auditText(), `Unauthorized: ${AUTH_MESSAGES.missing}`);
    assert.equal(isAuthFailure(new Error('x')), false);
  });

  it('has the exact texts of SECURITY.md', () => {
    assert.deepEqual(AUTH_MESSAGES, {
      missing: 'Must provide an API key or an Authorization bearer token',
      invalid: 'Invalid API key or JWT',
      badSignature: 'InvalidSignature',
      expired: 'ExpiredSignature',
      statefulValidation: 'Invalid JWT, stateful validation failed',
    });
  });
});

describe('OPEN_OPERATIONS', () => {
  it('is exactly Qdrant\'s whitelist, plus the dashboard\'s static files (open in Qdrant too)', () => {
    assert.deepEqual([...OPEN_OPERATIONS].sort(), ['dashboard', 'healthz', 'livez', 'readyz', 'root']);
  });
});
