/**
 * Issue 17 §4 over HTTP: after `max_failures` failed authentications an address gets 429 with `Retry-After` before
 * any key comparison (even the right key waits), audited and counted in /metrics; other addresses are unaffected;
 * the block lifts when the injected clock passes it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';
import { ERRORS } from '../../../src/errors.js';

const THROTTLED_MESSAGE = ERRORS.AUTH_THROTTLED.message;

const KEY = 'throttle-test-key-0123456789abcdef0123';
const ATTACKER = '203.0.113.9';
const NEIGHBOUR = '203.0.113.10';

void describe('brute-force throttling over HTTP', () => {
  let app: TestApp;
  let t = 5_000_000;
  const audit = new MemoryAuditSink();
  before(async () => {
    app = await startTestApp(
      {
        QDRANT__SERVICE__API_KEY: KEY,
        QDRANT__SERVICE__AUTH_THROTTLE__ENABLED: 'true',
        QDRANT__SERVICE__AUTH_THROTTLE__MAX_FAILURES: '4',
        QDRANT__SERVICE__AUTH_THROTTLE__BLOCK_SEC: '30',
      },
      { audit, now: () => t },
    );
  });
  after(() => app.destroy());

  const get = (remoteAddress: string, key?: string) =>
    app.app.inject({ method: 'GET', url: '/collections', remoteAddress, headers: key === undefined ? {} : { 'api-key': key } });

  void it('is on by default', async () => {
    const { DEFAULT_CONFIG } = await import('../../../src/config/schema.js');
    assert.equal(DEFAULT_CONFIG.service.auth_throttle.enabled, true);
  });

  void it('does not count requests without any credential', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await get(ATTACKER)).statusCode, 401);
    assert.equal((await get(ATTACKER, KEY)).statusCode, 200);
  });

  void it('answers 429 with Retry-After after max_failures wrong keys, even to the right key, and audits it', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await get(ATTACKER, `wrong-${i}`)).statusCode, 401);
    const before = audit.events.length;
    for (const key of ['wrong-again', KEY]) {
      const r = await get(ATTACKER, key);
      assert.equal(r.statusCode, 429, r.body);
      assert.equal(r.headers['retry-after'], '30');
      assert.equal(r.body, THROTTLED_MESSAGE);
    }
    const events = audit.events.slice(before);
    assert.equal(events.length, 2);
    for (const e of events) {
      assert.equal(e.result, 'denied');
      assert.equal(e.remote, ATTACKER);
      assert.equal(e.method, 'get_collections');
      assert.match(e.error ?? '', /^Too Many Requests: /);
    }
  });

  void it('leaves other addresses alone', async () => {
    assert.equal((await get(NEIGHBOUR, KEY)).statusCode, 200);
    assert.equal((await get(NEIGHBOUR, 'wrong')).statusCode, 401);
  });

  void it('counts refusals and blocks in /metrics', async () => {
    const text = (await app.app.inject({ method: 'GET', url: '/metrics', headers: { 'api-key': KEY }, remoteAddress: NEIGHBOUR })).body;
    assert.match(text, /^quiver_auth_throttled_total 2$/m);
    assert.match(text, /^quiver_auth_throttle_blocks_total 1$/m);
  });

  void it('lifts the block when it expires, and the next block lasts twice as long', async () => {
    t += 29_000;
    assert.equal((await get(ATTACKER, KEY)).headers['retry-after'], '1');
    t += 1_000;
    assert.equal((await get(ATTACKER, KEY)).statusCode, 200);
    for (let i = 0; i < 4; i++) assert.equal((await get(ATTACKER, `wrong-${i}`)).statusCode, 401);
    assert.equal((await get(ATTACKER, KEY)).headers['retry-after'], '60');
  });

  void it('never throttles open operations', async () => {
    assert.equal((await app.app.inject({ method: 'GET', url: '/healthz', remoteAddress: ATTACKER })).statusCode, 200);
  });
});
