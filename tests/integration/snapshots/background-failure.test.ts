/**
 * Issue 16 finding 6: a `wait=false` recovery that fails in the background leaves a trace. It is logged at error,
 * listed by `GET /issues` in Qdrant's shape (`{id, description, solution, timestamp, related_collection}`), cleared
 * by `DELETE /issues`, and the collection it would have replaced is kept unchanged.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PLAIN_STORAGE, startTestApp, type TestApp } from '../../support/app.js';
import { multipart, rawTar, tarEntries } from '../../support/snapshots.js';

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

void describe('background recovery failure', () => {
  let app: TestApp;
  const logged: string[] = [];
  let corrupt: Buffer;
  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _e, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    // Plain storage even in an encrypted run: the test takes snapshot archives apart and crafts its own.
    app = await startTestApp(PLAIN_STORAGE, { logger: pino({ level: 'info' }, stream) });
    assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { keep: true } }] })).status, 200);
    const name = (await app.request('POST', '/collections/c/snapshots')).body.result.name as string;
    const file = await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${name}` });
    // The manifest announces more points than points.ndjson holds: found only while the points are applied.
    corrupt = rawTar(tarEntries(file.rawPayload).map((e) => {
      if (e.path !== 'manifest.json') return e;
      const m = JSON.parse(e.data.toString()) as { collection: { points_count: number } };
      m.collection.points_count = 5;
      return { path: e.path, data: JSON.stringify(m) };
    }));
  });
  after(() => app.destroy());

  void it('lists a failed wait=false recovery in GET /issues, logs it and keeps the old collection', async () => {
    assert.deepEqual((await app.request('GET', '/issues')).body.result, { issues: [] });
    const { body, contentType } = multipart(corrupt);
    const r = await app.app.inject({ method: 'POST', url: '/collections/c/snapshots/upload?wait=false', headers: { 'content-type': contentType }, payload: body });
    assert.equal(r.statusCode, 202, r.body);
    const issues = await until(async () => {
      const list = (await app.request('GET', '/issues')).body.result.issues as Array<Record<string, unknown>>;
      return list.length > 0 ? list : undefined;
    }, 'the issue');
    assert.equal(issues.length, 1);
    const issue = issues[0]!;
    assert.deepEqual(Object.keys(issue).sort(), ['description', 'id', 'related_collection', 'solution', 'timestamp']);
    assert.equal(issue['related_collection'], 'c');
    assert.match(String(issue['id']), /^SNAPSHOT_RECOVERY_FAILED\/c\//);
    assert.match(String(issue['description']), /announces 5 points/);
    assert.ok(!Number.isNaN(Date.parse(String(issue['timestamp']))));
    assert.ok(logged.some((l) => JSON.parse(l).level === 50 && /Snapshot recovery of collection c \(wait=false\) failed/.test(l)), logged.join(''));
    const kept = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: true });
    assert.deepEqual(kept.body.result[0].payload, { keep: true });
    assert.equal((await app.request('POST', '/collections/c/points/count', { exact: true })).body.result.count, 1);
    assert.equal((await app.request('DELETE', '/issues')).status, 200);
    assert.deepEqual((await app.request('GET', '/issues')).body.result, { issues: [] });
  });
});
