/**
 * The audit log as the server writes it: one event per access decision and per failed authentication,
 * Qdrant's fields, the query API, forwarded-header trust, fail-closed, and a verifiable chain.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { verifyAuditDir } from '../../src/auth/audit/verify.js';
import { configuredAuditKey } from '../../src/auth/audit/key.js';

const ADMIN = 'audit-admin-key-0123456789abcdef0123456789';
const RO = 'audit-read-only-key-0123456789abcdef012345';
const HMAC = 'audit-chain-key-0123456789abcdef0123456789';

async function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(ADMIN));
}

function lines(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((f) => f.startsWith('audit.') && f.endsWith('.log'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
}

describe('audit log', () => {
  let app: TestApp;
  let auditDir: string;
  const admin = { 'api-key': ADMIN };
  before(async () => {
    app = await startTestApp({
      QDRANT__SERVICE__API_KEY: ADMIN,
      QDRANT__SERVICE__READ_ONLY_API_KEY: RO,
      QDRANT__SERVICE__JWT_RBAC: 'true',
      QDRANT__AUDIT__ENABLED: 'true',
      QDRANT__AUDIT__HMAC_KEY: HMAC,
    });
    auditDir = app.deps.config.audit.dir;
    await app.request('PUT', '/collections/a', { vectors: { size: 2, distance: 'Dot' } }, admin);
  });
  after(async () => {
    await app.destroy();
  });

  it('writes one event per decision with Qdrant fields, before the response is sent', async () => {
    const before = lines(auditDir).length;
    const token = await jwt({ access: [{ collection: 'a', access: 'r' }], subject: 'alice' });
    const ok = await app.request('POST', '/collections/a/points/count', {}, { authorization: `Bearer ${token}`, 'x-tracing-id': 'second', 'x-request-id': 'first' });
    assert.equal(ok.status, 200);
    const denied = await app.request('PUT', '/collections/a/points', { points: [] }, { authorization: `Bearer ${token}`, traceparent: 't'.repeat(300) });
    assert.equal(denied.status, 403);
    const unauth = await app.request('GET', '/collections', undefined, { 'api-key': 'wrong-key' });
    assert.equal(unauth.status, 401);
    const events = lines(auditDir).slice(before);
    assert.equal(events.length, 3);
    const [a, b, c] = events as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    assert.equal(a['method'], 'count_points');
    assert.equal(a['auth_type'], 'Jwt');
    assert.equal(a['subject'], 'alice');
    assert.equal(a['collection'], 'a');
    assert.equal(a['result'], 'ok');
    assert.equal(a['tracing_id'], 'first');
    assert.equal(a['remote'], '127.0.0.1');
    assert.equal(typeof a['timestamp'], 'string');
    assert.equal('error' in a, false);
    assert.equal(b['method'], 'upsert_points');
    assert.equal(b['result'], 'denied');
    assert.match(String(b['error']), /Write access to collection a is required|Forbidden/);
    assert.equal(String(b['tracing_id']).length, 256);
    assert.equal(c['result'], 'denied');
    assert.equal(c['method'], 'get_collections');
    for (const e of events) assert.ok(!JSON.stringify(e).includes('wrong-key') && !JSON.stringify(e).includes(token), 'no secret in the log');
  });

  it('answers POST /audit/logs for manage access only, newest first, with filters and a time window', async () => {
    const ro = await app.request('POST', '/audit/logs', {}, { 'api-key': RO });
    assert.equal(ro.status, 403);
    const all = await app.request('POST', '/audit/logs', { limit: 10000 }, admin);
    assert.equal(all.status, 200, all.text);
    const entries = all.body.result.entries as Array<Record<string, string>>;
    assert.ok(entries.length >= 4);
    for (let i = 1; i < entries.length; i++) assert.ok(entries[i - 1]!['timestamp']! >= entries[i]!['timestamp']!);
    assert.equal(entries.some((e) => 'hash' in e || 'seq' in e), false);
    const denied = await app.request('POST', '/audit/logs', { filters: { result: 'denied', collection: 'a' } }, admin);
    assert.ok(denied.body.result.entries.length >= 1);
    assert.ok(denied.body.result.entries.every((e: Record<string, string>) => e['result'] === 'denied' && e['collection'] === 'a'));
    assert.deepEqual((await app.request('POST', '/audit/logs', { filters: { Result: 'denied' } }, admin)).body.result.entries, []);
    assert.deepEqual((await app.request('POST', '/audit/logs', { filters: { result: 'DENIED' } }, admin)).body.result.entries, []);
    assert.equal((await app.request('POST', '/audit/logs', { limit: 1 }, admin)).body.result.entries.length, 1);
    const future = await app.request('POST', '/audit/logs', { time_from: '2100-01-01T00:00:00Z' }, admin);
    assert.deepEqual(future.body.result.entries, []);
    const past = await app.request('POST', '/audit/logs', { time_to: '2000-01-01T00:00:00Z' }, admin);
    assert.deepEqual(past.body.result.entries, []);
    for (const bad of [{ limit: 0 }, { limit: 10001 }, { time_from: 'yesterday' }, { filters: { timestamp: 'x' } }]) {
      const r = await app.request('POST', '/audit/logs', bad, admin);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(typeof r.body.status.error, 'string');
    }
  });

  it('keeps a hash chain that verifies, and exports the directory size as a metric', async () => {
    const key = configuredAuditKey({ hmac_key: HMAC, hmac_key_file: null }, ADMIN);
    assert.ok(key);
    const v = verifyAuditDir(auditDir, key);
    assert.equal(v.ok, true, JSON.stringify(v));
    const metrics = await app.request('GET', '/metrics', undefined, admin);
    assert.match(metrics.text, /^audit_log_dir_size_bytes [1-9]\d*$/m);
  });
});

describe('audit log settings', () => {
  it('answers 400 on POST /audit/logs when audit is disabled', async () => {
    const app = await startTestApp();
    try {
      const r = await app.request('POST', '/audit/logs', {});
      assert.equal(r.status, 400);
      assert.match(r.body.status.error, /not enabled/);
    } finally {
      await app.destroy();
    }
  });

  it('takes remote from X-Forwarded-For only when trust_forwarded_headers is on, as the (loopback) proxy saw it', async () => {
    for (const trust of [false, true]) {
      const app = await startTestApp({ QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__TRUST_FORWARDED_HEADERS: String(trust) });
      try {
        await app.request('GET', '/collections', undefined, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' });
        const events = lines(app.deps.config.audit.dir);
        // The rightmost entry is the one the trusted (loopback) proxy wrote; the leftmost is the client's word.
        assert.equal(events.at(-1)?.['remote'], trust ? '10.0.0.1' : '127.0.0.1');
      } finally {
        await app.destroy();
      }
    }
  });

  it('refuses requests with 503 when audit.fail_closed is on and the log cannot be written', async () => {
    const app = await startTestApp({ QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__FAIL_CLOSED: 'true' });
    try {
      assert.equal((await app.request('GET', '/collections')).status, 200);
      const dir = app.deps.config.audit.dir;
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'not a directory');
      // The sink notices the replaced directory at its next liveness check (about a second; until then its lines
      // still go to the open, deleted file): poll for it with reads, then a write must be refused.
      await pollUntil('the audit sink to notice its directory is gone', async () => (await app.request('GET', '/collections')).status === 503);
      const r = await app.request('PUT', '/collections/x', { vectors: { size: 2, distance: 'Dot' } });
      assert.match(r.body.status.error, /audit/i);
      rmSync(dir, { force: true });
      assert.equal((await app.request('GET', '/collections/x/exists')).status, 503);
    } finally {
      await app.destroy();
    }
  });

  it('counts lost lines instead when fail_closed is off', async () => {
    const app = await startTestApp({ QDRANT__AUDIT__ENABLED: 'true' });
    try {
      const dir = app.deps.config.audit.dir;
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'not a directory');
      // Requests keep succeeding while the sink finds out; then lost lines are counted.
      await pollUntil('quiver_audit_lost_lines_total to count a lost line', async () => {
        assert.equal((await app.request('GET', '/collections')).status, 200);
        return /^quiver_audit_lost_lines_total [1-9]\d*$/m.test((await app.request('GET', '/metrics')).text);
      });
      rmSync(dir, { force: true });
    } finally {
      await app.destroy();
    }
  });
});
