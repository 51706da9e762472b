/**
 * Issue 16 finding 7: payload keys of any spelling — `__proto__` first — round-trip byte-exactly through the REST
 * API, storage, a restart and a snapshot recovery (property tests over arbitrary keys and values), and a key named
 * `__proto__` in a payload or a `with_payload` path never reaches Object.prototype.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { startTestApp, tempDir, removeDir, type TestApp } from './../support/app.js';
import { oddPayload } from '../support/odd-json.js';

const RUNS = Number(process.env['QUIVER_PROPERTY_RUNS'] ?? 60);

async function payloadsOf(app: TestApp, collection: string, ids: number[]): Promise<Map<number, string>> {
  const r = await app.request('POST', `/collections/${collection}/points`, { ids, with_payload: true });
  assert.equal(r.status, 200, r.text);
  return new Map((r.body.result as Array<{ id: number; payload: unknown }>).map((p) => [p.id, JSON.stringify(p.payload)]));
}

function assertSame(actual: Map<number, string>, expected: Map<number, string>, stage: string): void {
  for (const [id, text] of expected) assert.equal(actual.get(id), text, `${stage}: point ${id}`);
}

void describe('payload keys', () => {
  void it('round-trip byte-exactly through REST, storage, restart and snapshot recovery', { timeout: 300_000 }, async () => {
    const dir = tempDir();
    let app = await startTestApp({}, {}, dir);
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 1, distance: 'Dot' } })).status, 200);
      const expected = new Map<number, string>();
      let id = 0;
      await fc.assert(
        fc.asyncProperty(oddPayload, async (payload) => {
          id++;
          const text = JSON.stringify(payload);
          const put = await app.request('PUT', '/collections/c/points?wait=true', `{"points":[{"id":${id},"vector":[1],"payload":${text}}]}`);
          assert.equal(put.status, 200, put.text);
          const want = JSON.stringify(JSON.parse(text));
          assert.equal((await payloadsOf(app, 'c', [id])).get(id), want);
          expected.set(id, want);
        }),
        { numRuns: RUNS },
      );
      const ids = [...expected.keys()];
      await app.close();
      app = await startTestApp({}, {}, dir);
      assertSame(await payloadsOf(app, 'c', ids), expected, 'after restart');
      const snap = await app.request('POST', '/collections/c/snapshots');
      assert.equal(snap.status, 200, snap.text);
      const rec = await app.request('PUT', '/collections/copy/snapshots/recover', { location: `file://${join(dir, 'snapshots', 'c', snap.body.result.name as string)}` });
      assert.equal(rec.status, 200, rec.text);
      assertSame(await payloadsOf(app, 'copy', ids), expected, 'after snapshot recovery');
    } finally {
      await app.close();
      removeDir(dir);
    }
  });

  void it('keeps __proto__ as data: payload, set_payload, with_payload include and exclude never touch Object.prototype', async () => {
    const app = await startTestApp();
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 1, distance: 'Dot' } })).status, 200);
      const put = await app.request('PUT', '/collections/c/points?wait=true', '{"points":[{"id":1,"vector":[1],"payload":{"__proto__":{"polluted":1,"toString":2},"constructor":{"prototype":{"polluted":3}}}}]}');
      assert.equal(put.status, 200, put.text);
      const set = await app.request('POST', '/collections/c/points/payload?wait=true', '{"points":[1],"payload":{"__proto__":{"polluted":4}},"key":"constructor"}');
      assert.equal(set.status, 200, set.text);
      const all = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: true });
      assert.equal(JSON.stringify(all.body.result[0].payload), '{"__proto__":{"polluted":1,"toString":2},"constructor":{"prototype":{"polluted":3},"__proto__":{"polluted":4}}}');
      const include = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: ['__proto__.polluted', 'nope.__proto__.x'] });
      assert.equal(JSON.stringify(include.body.result[0].payload), '{"__proto__":{"polluted":1}}');
      const exclude = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: { exclude: ['__proto__.toString', 'x.__proto__.hasOwnProperty', 'constructor.__proto__'] } });
      assert.equal(JSON.stringify(exclude.body.result[0].payload), '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":3}}}');
      const count = await app.request('POST', '/collections/c/points/count', { filter: { must: [{ key: '__proto__.polluted', match: { value: 1 } }] }, exact: true });
      assert.equal(count.body.result.count, 1);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(typeof Object.prototype.toString, 'function');
      assert.equal(typeof Object.prototype.hasOwnProperty, 'function');
    } finally {
      await app.destroy();
    }
  });
});
