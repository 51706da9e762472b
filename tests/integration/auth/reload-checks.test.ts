/**
 * Issue 16 finding 1: a credentials reload (SIGHUP, keys-file change) passes the same checks as a start. A reload
 * that would leave a non-loopback bind without any credential is refused: the old credentials stay in force, the
 * refusal is logged at `error`, counted in `quiver_config_reload_failures_total` and audited.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { startTestApp, testConfig } from '../../support/app.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';

const KEY = 'reload-admin-key-0123456789abcdef0123456789';

function capturingLogger(): { logger: Logger; lines: () => Array<{ level: number; msg: string }> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => out.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

void describe('reload checks', () => {
  void it('refuses a reload that would leave a public bind without credentials and keeps the old key', async () => {
    const audit = new MemoryAuditSink();
    const log = capturingLogger();
    const app = await startTestApp({ QDRANT__SERVICE__HOST: '0.0.0.0', QDRANT__SERVICE__API_KEY: KEY }, { logger: log.logger, audit });
    try {
      const open = testConfig(app.dir, { QDRANT__SERVICE__HOST: '0.0.0.0' });
      await assert.rejects(app.reloadCredentials(open), /refusing/);
      // Old credentials in force: no key → 401, the old key → 200.
      assert.equal((await app.request('GET', '/collections')).status, 401);
      assert.equal((await app.request('GET', '/collections', undefined, { 'api-key': KEY })).status, 200);
      const errors = log.lines().filter((l) => l.level === 50);
      assert.ok(errors.some((l) => /NOT reloaded/.test(l.msg) && /without an API key/.test(l.msg)), JSON.stringify(log.lines()));
      const metrics = await app.request('GET', '/metrics', undefined, { 'api-key': KEY });
      assert.match(metrics.text, /^quiver_config_reload_failures_total 1$/m);
      const event = audit.events.find((e) => e.method === 'reload_config');
      assert.ok(event !== undefined, JSON.stringify(audit.events));
      assert.equal(event.result, 'denied');
      assert.match(event.error ?? '', /without an API key/);
    } finally {
      await app.destroy();
    }
  });

  void it('accepts the same reload on a loopback bind, where a start would be accepted too', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY });
    try {
      await app.reloadCredentials(testConfig(app.dir));
      assert.equal((await app.request('GET', '/collections')).status, 200);
    } finally {
      await app.destroy();
    }
  });

  void it('accepts a keyless reload on a public bind with service.allow_insecure, as a start would', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__HOST: '0.0.0.0', QDRANT__SERVICE__API_KEY: KEY });
    try {
      await app.reloadCredentials(testConfig(app.dir, { QDRANT__SERVICE__HOST: '0.0.0.0', QDRANT__SERVICE__ALLOW_INSECURE: 'true' }));
      assert.equal((await app.request('GET', '/collections')).status, 200);
    } finally {
      await app.destroy();
    }
  });
});
