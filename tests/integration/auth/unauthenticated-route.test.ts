/**
 * Fail closed: a request that reaches access control without authentication having run is refused with a
 * Qdrant-format 500 and its handler never runs; it is never taken for an open server's full access. Only
 * `authenticate()` grants `None`/manage, when no key is configured.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startTestApp, type TestApp } from '../../support/app.js';
import { buildApp } from '../../../src/app.js';
import { route } from '../../../src/api/rest/route-table.js';
import type { AccessGate } from '../../../src/api/rest/gate.js';

const ADMIN = 'admin-key-0123456789abcdef0123456789abcdef';

/** An app whose gate skips authentication but authorizes for real, with routes that record whether they ran. */
async function appWithoutAuthentication(server: TestApp, ran: string[]): Promise<FastifyInstance> {
  const real = server.deps.gate;
  const gate: AccessGate = { authenticate: () => Promise.resolve(), authorize: (request, op, collection, body) => real.authorize(request, op, collection, body) };
  return buildApp(server.deps.config, {
    deps: { ...server.deps, gate },
    routes: [
      route('GET', '/collections', 'get_collections', () => {
        ran.push('get_collections');
        return { collections: [] };
      }),
      route('DELETE', '/collections/{collection_name}', 'delete_collection', () => {
        ran.push('delete_collection');
        return true;
      }),
    ],
  });
}

for (const [name, env] of [
  ['with an api key configured', { QDRANT__SERVICE__API_KEY: ADMIN }],
  ['with no key configured (open server)', {}],
] as const) {
  describe(`a route reached without authentication, ${name}`, () => {
    const apps: Array<{ close(): Promise<unknown> }> = [];
    after(async () => {
      for (const a of apps.reverse()) await a.close();
    });

    it('is refused with a Qdrant-format 500 and its handler does not run', async () => {
      const server = await startTestApp(env);
      apps.push({ close: () => server.destroy() });
      const ran: string[] = [];
      const app = await appWithoutAuthentication(server, ran);
      apps.push(app);
      for (const [method, url] of [['GET', '/collections'], ['DELETE', '/collections/c']] as const) {
        const res = await app.inject({ method, url, headers: { 'api-key': ADMIN } });
        assert.equal(res.statusCode, 500, `${method} ${url}: ${res.body}`);
        const body = JSON.parse(res.body) as { status: { error: string }; time: number };
        assert.match(body.status.error, /^Service internal error: .*without authentication/);
        assert.equal(typeof body.time, 'number');
      }
      assert.deepEqual(ran, []);
    });

    it('is served by the real app, where authentication runs', async () => {
      const server = await startTestApp(env);
      apps.push({ close: () => server.destroy() });
      const res = await server.request('GET', '/collections', undefined, { 'api-key': ADMIN });
      assert.equal(res.status, 200);
    });
  });
}
