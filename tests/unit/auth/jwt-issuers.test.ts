/**
 * Issue 17 §2: tokens from external identity providers — RS256 / PS256 / ES256 / EdDSA keys generated here, a
 * JWKS served by a local HTTP server on loopback, `iss` / `aud` checked, algorithms pinned per key (no HMAC /
 * public-key confusion), keys by `kid`, refresh on an unknown `kid` rate-limited, the last good set kept while the
 * IdP is down, the access claim mapped from a claim path. The clock is injected.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { authenticate, AuthFailure, type Auth } from '../../../src/auth/authenticate.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import { KIND_STATUS } from '../../../src/errors.js';
import type { JwtIssuerConfig } from '../../../src/config/jwt-issuers.js';
import { loadConfig } from '../../../src/config/load.js';

const ISS = 'https://sso.example.test/realms/prod';
const API_KEY = 'issuer-tests-api-key-0123456789abcdef0123';

interface Signer { readonly kid: string; readonly alg: string; readonly privateKey: CryptoKey; readonly jwk: JWK }

async function signer(kid: string, alg: string, options: Record<string, unknown> = {}, withAlg = true): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', ...(withAlg ? { alg } : {}) };
  return { kid, alg, privateKey: privateKey, jwk };
}

let t = Date.parse('2026-06-01T00:00:00Z');
const now = (): Date => new Date(t);

function sign(s: Signer, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISS, aud: 'quiver', exp: Math.floor(t / 1000) + 600, ...claims })
    .setProtectedHeader({ alg: s.alg, kid: s.kid, ...header })
    .sign(s.privateKey);
}

void describe('external JWT issuers', () => {
  let rsa: Signer;
  let ps: Signer;
  let ec: Signer;
  let ed: Signer;
  let rotated: Signer;
  let served: JWK[] = [];
  let up = true;
  let requests = 0;
  let jwks: Server;
  let url = '';
  const warnings: string[] = [];

  before(async () => {
    rsa = await signer('rsa-1', 'RS256');
    ps = await signer('ps-1', 'PS256');
    ec = await signer('ec-1', 'ES256');
    ed = await signer('ed-1', 'EdDSA', { crv: 'Ed25519' });
    rotated = await signer('rsa-2', 'RS256');
    served = [rsa.jwk, ps.jwk, ec.jwk, ed.jwk];
    jwks = createServer((_req, res) => {
      requests += 1;
      if (!up) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
  });
  after(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

  function issuer(overrides: Partial<JwtIssuerConfig> = {}): JwtIssuerConfig {
    return {
      issuer: ISS, audience: ['quiver'], keys_file: null, jwks_url: url, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      access_claim: 'access', roles: null, subject_claim: 'sub', jwks_allow_private: true, jwks_cache_sec: 300,
      jwks_min_refresh_sec: 30, ...overrides,
    };
  }

  async function store(overrides: Partial<JwtIssuerConfig> = {}, jwtRbac = true): Promise<CredentialStore> {
    return CredentialStore.create(
      { api_key: API_KEY, jwt_rbac: jwtRbac, jwt_issuers: [issuer(overrides)] },
      { now: () => t, warn: (m) => warnings.push(m) },
    );
  }

  async function auth(s: CredentialStore, token: string): Promise<Auth | { status: number; message: string }> {
    try {
      return await authenticate({ authorization: `Bearer ${token}` }, s, now());
    } catch (e) {
      if (e instanceof AuthFailure) return { status: KIND_STATUS[e.kind].http, message: e.message };
      throw e;
    }
  }

  void it('accepts RS256, PS256, ES256 and EdDSA tokens, with the access claim and the subject', async () => {
    const s = await store();
    for (const signerOf of [rsa, ps, ec, ed]) {
      const a = await auth(s, await sign(signerOf, { sub: `svc-${signerOf.alg}`, access: [{ collection: 'team-a-*', access: 'rw' }] }));
      assert.deepEqual(a, { type: 'Jwt', access: { kind: 'collections', grants: [{ collection: 'team-a-*', access: 'rw' }] }, subject: `svc-${signerOf.alg}` }, signerOf.alg);
    }
  });

  void it('refuses a wrong audience, an expired token, a bad signature, and an algorithm a key is not pinned to', async () => {
    const s = await store();
    assert.deepEqual(await auth(s, await sign(rsa, { aud: 'someone-else', access: 'r' })), { status: 401, message: 'Invalid API key or JWT' });
    assert.deepEqual(await auth(s, await sign(rsa, { exp: Math.floor(t / 1000) - 60, access: 'r' })), { status: 403, message: 'ExpiredSignature' });
    const impostor = await signer('rsa-1', 'RS256');
    assert.deepEqual(await auth(s, await sign(impostor, { access: 'm' })), { status: 403, message: 'InvalidSignature' });
    // The RSA key is pinned to RS256: a PS256 signature by the same private key under its kid is refused.
    const asPss = (await importJWK({ ...(await exportJWK(rsa.privateKey)), alg: 'PS256' }, 'PS256')) as CryptoKey;
    assert.deepEqual(await auth(s, await sign({ ...rsa, alg: 'PS256', privateKey: asPss }, { access: 'm' })), { status: 401, message: 'Invalid API key or JWT' });
  });

  void it('never confuses HMAC with a public key: HS256 claiming the issuer is refused; HS256 with the API key still works', async () => {
    const s = await store();
    const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const forged = await new SignJWT({ iss: ISS, aud: 'quiver', access: 'm' }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(secret);
    assert.deepEqual(await auth(s, forged), { status: 401, message: 'Invalid API key or JWT' });
    const withApiKey = await new SignJWT({ iss: ISS, aud: 'quiver', access: 'm' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(API_KEY));
    assert.deepEqual(await auth(s, withApiKey), { status: 401, message: 'Invalid API key or JWT' }, 'a token naming the issuer is judged by the issuer only');
    const plain = await new SignJWT({ access: 'r' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(API_KEY));
    assert.equal(((await auth(s, plain)) as Auth).access.kind, 'global');
    // An issuer's RS256 token without `iss` goes to the HS256 path and is refused there.
    const noIss = await new SignJWT({ aud: 'quiver', access: 'm' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
    assert.deepEqual(await auth(s, noIss), { status: 401, message: 'Invalid API key or JWT' });
  });

  void it('maps roles from a claim path, first configured role wins, no known role = no access', async () => {
    const s = await store({
      access_claim: 'realm_access.roles',
      roles: { 'quiver-admin': 'm', 'team-a': [{ collection: 'team-a-*', access: 'rw' }], 'quiver-reader': 'r' },
    });
    const as = async (roles: unknown): Promise<unknown> => ((await auth(s, await sign(rsa, { realm_access: { roles } }))) as Auth).access;
    assert.deepEqual(await as(['offline', 'quiver-reader', 'team-a']), { kind: 'collections', grants: [{ collection: 'team-a-*', access: 'rw' }] });
    assert.deepEqual(await as(['quiver-reader', 'quiver-admin']), { kind: 'global', level: 'm' });
    assert.deepEqual(await as(['offline']), { kind: 'collections', grants: [] });
    assert.deepEqual(((await auth(s, await sign(rsa, {}))) as Auth).access, { kind: 'collections', grants: [] }, 'no claim: no access (never manage)');
  });

  void it('fetches a rotated key on an unknown kid, at most once per jwks_min_refresh_sec', async () => {
    const s = await store();
    assert.equal(((await auth(s, await sign(rsa, { access: 'r' }))) as Auth).type, 'Jwt');
    const before = requests;
    assert.deepEqual(await auth(s, await sign(rotated, { access: 'r' })), { status: 401, message: 'Invalid API key or JWT' });
    assert.equal(requests, before, 'within jwks_min_refresh_sec of the first fetch: no new fetch');
    served = [...served, rotated.jwk];
    t += 31_000;
    assert.equal(((await auth(s, await sign(rotated, { access: 'r' }))) as Auth).type, 'Jwt');
    assert.equal(requests, before + 1);
    for (let i = 0; i < 5; i++) await auth(s, await sign(await signer(`unknown-${i}`, 'RS256'), { access: 'r' }));
    assert.equal(requests, before + 1, 'a spray of unknown kids triggers no more fetches inside the interval');
  });

  void it('keeps the last good key set while the IdP is down', async () => {
    const s = await store({ jwks_cache_sec: 60, jwks_min_refresh_sec: 1 });
    assert.equal(((await auth(s, await sign(ec, { access: 'r' }))) as Auth).type, 'Jwt');
    up = false;
    try {
      t += 120_000;
      const before = requests;
      assert.equal(((await auth(s, await sign(ec, { access: 'r' }))) as Auth).type, 'Jwt');
      assert.equal(requests, before + 1, 'the stale set was refetched (and the fetch failed)');
      assert.ok(warnings.some((w) => w.includes('keeping the last good set')));
    } finally {
      up = true;
    }
  });

  void it('fetches the JWKS through the SSRF guard: a loopback URL needs jwks_allow_private', async () => {
    const s = await store({ jwks_allow_private: false });
    const before = requests;
    assert.deepEqual(await auth(s, await sign(rsa, { access: 'r' })), { status: 401, message: 'Invalid API key or JWT' });
    assert.equal(requests, before, 'nothing was fetched');
    assert.ok(warnings.some((w) => w.includes('resolves to a loopback address')));
  });

  void it('closes an otherwise open server and validates the configuration', async () => {
    const s = await CredentialStore.create({ jwt_issuers: [issuer()] }, { now: () => t });
    assert.equal(s.isOpen(), false);
    const env = (v: string) => loadConfig({ cwd: '/', env: { QDRANT__SERVICE__JWT_ISSUERS: v }, warn: () => undefined });
    assert.equal(env(JSON.stringify([{ issuer: ISS, audience: 'quiver', jwks_url: url }])).service.jwt_issuers[0]?.algorithms[0], 'RS256');
    for (const bad of [
      [{ issuer: ISS, audience: 'quiver' }],
      [{ issuer: ISS, audience: 'quiver', jwks_url: url, keys_file: '/x' }],
      [{ issuer: ISS, audience: 'quiver', jwks_url: url, algorithms: ['HS256'] }],
      [{ issuer: ISS, audience: [], jwks_url: url }],
      [{ issuer: ISS, audience: 'quiver', jwks_url: 'file:///etc/passwd' }],
    ]) assert.throws(() => env(JSON.stringify(bad)), JSON.stringify(bad));
    await assert.rejects(CredentialStore.create({ jwt_issuers: [issuer({ roles: { x: 'admin' } })] }), /roles\.x/);
  });
});
