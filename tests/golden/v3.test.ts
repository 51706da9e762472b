/**
 * The golden fixtures of version 3 (`tests/fixtures/golden/v3/`, made by `scripts/make-golden.ts`): store format 3
 * and snapshot format 2, whose payloads may hold 64-bit integers beyond ±(2^53−1) as exact text. The store and the
 * snapshots read back to the content they were made from, those integers digit for digit (responses are parsed
 * exactly, never with `JSON.parse`), and filters on them stay exact.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, startTestApp, type TestApp } from '../support/app.js';
import { multipart } from '../support/snapshots.js';
import { parseExactJson, stringifyJson } from '../../src/exact-json.js';
import { assertClose, copyGoldenStore, EXACT_PAYLOADS, GOLDEN_POINTS, GOLDEN_V3 } from './fixtures.js';

const apps: TestApp[] = [];
const dirs: string[] = [];
after(async () => {
  for (const a of apps) await a.close();
  dirs.forEach(removeDir);
});

async function exact(app: TestApp, method: string, url: string, body?: unknown): Promise<any> {
  const r = await app.request(method, url, body === undefined ? undefined : stringifyJson(body));
  assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
  return (parseExactJson(r.text) as { result: unknown }).result;
}

async function assertExactCollection(app: TestApp, name: string): Promise<void> {
  const page = await exact(app, 'POST', `/collections/${name}/points/scroll`, { limit: 10, with_payload: true });
  assert.deepEqual(page.points.map((p: { id: number; payload: unknown }) => [p.id, p.payload]), [[1, EXACT_PAYLOADS[1]], [2, EXACT_PAYLOADS[2]]]);
  const count = async (filter: unknown): Promise<number> => (await exact(app, 'POST', `/collections/${name}/points/count`, { filter, exact: true })).count;
  assert.equal(await count({ must: [{ key: 'n', match: { value: 2n ** 62n + 1n } }] }), 1);
  assert.equal(await count({ must: [{ key: 'n', range: { gt: 2n ** 62n } }] }), 1);
  assert.equal(await count({ must: [{ key: 'list', match: { value: -(2n ** 53n) - 1n } }] }), 1);
}

describe('golden v3', () => {
  it('the store (format 3) reads back: v1 content and exact 64-bit integers', async () => {
    const dir = copyGoldenStore(join(GOLDEN_V3, 'store'));
    dirs.push(dir);
    const app = await startTestApp({}, {}, dir);
    apps.push(app);
    const golden = await exact(app, 'POST', '/collections/golden/points/scroll', { limit: 100, with_payload: true, with_vector: true });
    assertClose(golden.points, GOLDEN_POINTS);
    await assertExactCollection(app, 'exact');
    assert.deepEqual((await exact(app, 'GET', '/collections/exact')).payload_schema, { n: { data_type: 'integer', points: 2 } });
  });

  it('the snapshots (format 2, from v3) recover: a collection with exact integers, and v1 content', async () => {
    const app = await startTestApp();
    apps.push(app);
    dirs.push(app.dir);
    for (const [file, name] of [['exact.snapshot', 'restored'], ['golden.snapshot', 'golden']] as const) {
      const { body, contentType } = multipart(readFileSync(join(GOLDEN_V3, 'snapshots', file)));
      const r = await app.app.inject({ method: 'POST', url: `/collections/${name}/snapshots/upload?wait=true`, payload: body, headers: { 'content-type': contentType } });
      assert.equal(r.statusCode, 200, r.body);
    }
    await assertExactCollection(app, 'restored');
    assertClose((await exact(app, 'POST', '/collections/golden/points/scroll', { limit: 100, with_payload: true, with_vector: true })).points, GOLDEN_POINTS);
  });
});
