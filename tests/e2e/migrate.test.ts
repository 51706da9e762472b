/**
 * `quiver migrate` end to end, Quiver → Quiver: two real servers, the real entry point in between. Collections
 * (vector config, payload indexes, aliases) and every point with its payload arrive; counts are checked; a second
 * run with the same state file resumes (finds nothing left to do); a run without it refuses to overwrite.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeDir, runQuiver, startChildServer, tempDir } from '../support/app.js';


async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await r.json()) as any;
  assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json.result;
}

const quiver = runQuiver;

describe('quiver migrate', () => {
  it('copies collections, payload indexes, aliases and points from one running server to another, resumably', async () => {
    const sourceDir = tempDir('quiver-migrate-src-');
    const targetDir = tempDir('quiver-migrate-dst-');
    const workDir = tempDir('quiver-migrate-cwd-');
    const source = await startChildServer(sourceDir);
    const target = await startChildServer(targetDir);
    try {
      await call(source.url, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { m: 8 } });
      await call(source.url, 'PUT', '/collections/docs/index?wait=true', { field_name: 'kind', field_schema: 'keyword' });
      await call(source.url, 'PUT', '/collections/multi', { vectors: { a: { size: 2, distance: 'Euclid' }, b: { size: 3, distance: 'Cosine' } } });
      const points = Array.from({ length: 1050 }, (_, i) => ({ id: i + 1, vector: [i, 1, -i, 0.5], payload: { kind: i % 3 === 0 ? 'x' : 'y', n: i } }));
      await call(source.url, 'PUT', '/collections/docs/points?wait=true', { points });
      await call(source.url, 'PUT', '/collections/multi/points?wait=true', {
        points: [
          { id: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26', vector: { a: [1, 2], b: [0, 1, 0] }, payload: { t: 'u' } },
          { id: 7, vector: { a: [3, 4] }, payload: {} },
        ],
      });
      await call(source.url, 'POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'docs', alias_name: 'current' } }] });

      const state = join(workDir, 'state.json');
      const run = await quiver(['migrate', '--from', source.url, '--to', target.url, '--batch-size', '100', '--state', state], workDir);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out, 'migrated 2 collection(s)\n');
      assert.match(run.err, /migrate: docs: \[#+\.*\] 100\/1050 points \(9%\)/);
      assert.match(run.err, /migrate: docs: done, 1050 points match/);
      assert.match(run.err, /migrate: multi: done, 2 points match/);
      assert.match(run.err, /migrate: aliases: current → docs/);

      const info = await call(target.url, 'GET', '/collections/docs');
      assert.deepEqual(info.config.params.vectors, { size: 4, distance: 'Dot' });
      assert.equal(info.config.hnsw_config.m, 8);
      assert.equal(info.payload_schema.kind.data_type, 'keyword');
      assert.equal((await call(target.url, 'POST', '/collections/docs/points/count', { exact: true, filter: { must: [{ key: 'kind', match: { value: 'x' } }] } })).count, 350);
      const p = await call(target.url, 'GET', '/collections/docs/points/1000');
      assert.deepEqual(p, { id: 1000, vector: [999, 1, -999, 0.5], payload: { kind: 'x', n: 999 } });
      const multi = await call(target.url, 'POST', '/collections/multi/points', { ids: ['5c56c793-69f3-4fbf-87e6-c4bf54c28c26', 7], with_vector: true });
      assert.deepEqual(multi.map((x: any) => x.vector), [{ a: [1, 2], b: [0, 1, 0] }, { a: [3, 4] }]);
      assert.deepEqual((await call(target.url, 'GET', '/aliases')).aliases, [{ alias_name: 'current', collection_name: 'docs' }]);

      // The same state file: everything is done already; counts are checked again.
      assert.ok(existsSync(state));
      assert.equal((JSON.parse(readFileSync(state, 'utf8'))).collections.docs.copied, 1050);
      const again = await quiver(['migrate', '--from', source.url, '--to', target.url, '--state', state], workDir);
      assert.equal(again.code, 0, again.err);
      assert.doesNotMatch(again.err, /points \(\d+%\)/);
      // A fresh run would overwrite what is there: refused, exit 1.
      const fresh = await quiver(['migrate', '--from', source.url, '--to', target.url, '--collections', 'docs', '--state', join(workDir, 'other.json')], workDir);
      assert.equal(fresh.code, 1);
      assert.match(fresh.err, /^error: collection docs already exists on http:\/\/127\.0\.0\.1:\d+; delete it first/m);
      const bad = await quiver(['migrate', '--from', 'ftp://x'], workDir);
      assert.equal(bad.code, 2);
      assert.equal(bad.err, 'error: --from must be an http(s):// URL, got "ftp://x"\n');
    } finally {
      await source.stop();
      await target.stop();
      [sourceDir, targetDir, workDir].forEach(removeDir);
    }
  });
});
