/**
 * Issue 16 finding 3: a client address outside `service.allowed_client_ips` gets 403 before anything else, on
 * every path — CORS preflight, URLs the router cannot parse, unknown routes, bad Host or content type — and every
 * refusal is audited.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';

const REFUSED = '192.0.2.7';
const ALLOWED = '10.1.2.3';
const ORIGIN = 'https://app.example.com';

void describe('client IP guard', () => {
  let app: TestApp;
  const audit = new MemoryAuditSink();
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.0.0.0/8', QDRANT__SERVICE__CORS_ALLOWED_ORIGINS: ORIGIN }, { audit });
  });
  after(() => app.destroy());

  const cases: ReadonlyArray<readonly [string, string, string, Record<string, string>, string?]> = [
    ['CORS preflight', 'OPTIONS', '/collections', { origin: ORIGIN, 'access-control-request-method': 'PUT' }],
    ['an unparseable URL', 'GET', '/collections/%zz', {}],
    ['an unknown route', 'GET', '/no/such/route', {}],
    ['a known route', 'GET', '/collections', {}],
    ['a foreign Host header', 'GET', '/collections', { host: 'evil.example' }],
    ['a text/plain body', 'PUT', '/collections/x', { 'content-type': 'text/plain' }, 'x'],
  ];

  for (const [what, method, url, headers, payload] of cases) {
    void it(`refuses ${what} from a refused address with 403 and audits it`, async () => {
      const before = audit.events.length;
      const r = await app.app.inject({ method: method as 'GET', url, headers, remoteAddress: REFUSED, ...(payload === undefined ? {} : { payload }) });
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      const body = JSON.parse(r.body) as { status: { error: string }; time: number };
      assert.equal(body.status.error, `Forbidden: client address ${REFUSED} is not allowed`);
      const events = audit.events.slice(before);
      assert.equal(events.length, 1, JSON.stringify(events));
      assert.equal(events[0]!.result, 'denied');
      assert.equal(events[0]!.remote, REFUSED);
    });
  }

  void it('lets an allowed address through to the usual answers', async () => {
    const bad = await app.app.inject({ method: 'GET', url: '/collections/%zz', remoteAddress: ALLOWED });
    assert.equal(bad.statusCode, 400);
    const pre = await app.app.inject({ method: 'OPTIONS', url: '/collections', headers: { origin: ORIGIN, 'access-control-request-method': 'PUT' }, remoteAddress: ALLOWED });
    assert.equal(pre.headers['access-control-allow-origin'], ORIGIN);
    assert.equal((await app.app.inject({ method: 'GET', url: '/collections', remoteAddress: ALLOWED })).statusCode, 200);
  });
});
