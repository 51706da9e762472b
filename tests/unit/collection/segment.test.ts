import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pointKey } from '../../../src/storage/point-id.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { vectorSchema } from '../../../src/collection/config.js';
import { Segment, type StoredPoint } from '../../../src/collection/segment/segment.js';
import { removeDir, tempDir } from '../../support/app.js';
import { config, dense } from './helpers.js';

function segmentWith(points: Array<{ id: number; vector: number[]; payload: Record<string, unknown> | null; shardKey?: string }>): { s: Segment; dir: string } {
  const dir = tempDir('quiver-unit-segment-');
  const s = new Segment(dir, vectorSchema(config()), { lastOperationId: () => 1, log: { warn: () => undefined } });
  s.setSchema(vectorSchema(config()), new Map());
  for (const p of points) {
    const stored: StoredPoint = { offset: s.reserveOffset(), vectors: dense(...p.vector), payload: p.payload, shardKey: p.shardKey };
    s.put(pointKey(p.id), stored, 1);
  }
  return { s, dir };
}

const POINTS = [
  { id: 10, vector: [1, 0, 0], payload: { city: 'Berlin', n: 1 }, shardKey: 'eu' },
  { id: 11, vector: [0, 1, 0], payload: { city: 'London', n: 2 }, shardKey: 'eu' },
  { id: 12, vector: [0, 0, 1], payload: { city: 'Berlin', n: 3 }, shardKey: 'us' },
  { id: 13, vector: [1, 1, 0], payload: null, shardKey: 'us' },
];

describe('Segment', () => {
  it('maps ids to offsets and back, and views points with their vectors copied out', () => {
    const { s, dir } = segmentWith(POINTS);
    try {
      assert.equal(s.size, 4);
      const o = s.offsetOf(12)!;
      assert.equal(s.idAt(o), 12);
      const v = s.view(o)!;
      assert.deepEqual(v.payload, { city: 'Berlin', n: 3 });
      assert.equal(v.shardKey, 'us');
      const vec = v.vectors.get('') as { data: Float32Array };
      assert.deepEqual(Array.from(vec.data), [0, 0, 1]);
      vec.data[0] = 9;
      assert.deepEqual(Array.from(s.denseStore('')!.get(o)!), [0, 0, 1], 'a view never aliases the store');
      assert.equal(v.vectors.get(''), vec, 'the vectors are copied out once per view');
      assert.deepEqual(Object.keys({ ...v }).sort(), ['id', 'offset', 'payload', 'shardKey', 'version'], 'a spread view carries no reference to the segment');
    } finally {
      removeDir(dir);
    }
  });

  it('resolves a scope (filter and shard keys) the same way in scan and inScope', () => {
    const { s, dir } = segmentWith(POINTS);
    try {
      const berlin = parseFilter({ must: [{ key: 'city', match: { value: 'Berlin' } }] });
      const ids = (scope: Parameters<Segment['scan']>[0]): number[] => [...s.scan(scope)].map((o) => s.idAt(o) as number).sort();
      assert.deepEqual(ids({}), [10, 11, 12, 13]);
      assert.deepEqual(ids({ filter: berlin }), [10, 12]);
      assert.deepEqual(ids({ shardKeys: ['us'] }), [12, 13]);
      assert.deepEqual(ids({ filter: berlin, shardKeys: ['eu'] }), [10]);
      for (const scope of [{}, { filter: berlin }, { shardKeys: ['us'] }, { filter: berlin, shardKeys: ['eu'] }]) {
        const inScope = POINTS.map((p) => p.id).filter((id) => s.inScope(s.offsetOf(id)!, scope));
        assert.deepEqual(inScope, ids(scope));
      }
    } finally {
      removeDir(dir);
    }
  });

  it('uses payload indexes to narrow a scan without changing its answer', () => {
    const { s, dir } = segmentWith(POINTS);
    try {
      const filter = parseFilter({ must: [{ key: 'city', match: { value: 'Berlin' } }] });
      const before = [...s.scan({ filter })].sort();
      s.setFieldIndexes(new Map([['city', 'keyword']]));
      assert.notEqual(s.filterPlan(filter).candidates, null);
      assert.deepEqual([...s.scan({ filter })].sort(), before);
      assert.deepEqual(s.facet('city', 10, { shardKeys: ['eu'] }).hits, [
        { value: 'Berlin', count: 1 },
        { value: 'London', count: 1 },
      ]);
    } finally {
      removeDir(dir);
    }
  });

  it('re-queues a point for the graph when its vector changes, not when only its payload does', () => {
    const dir = tempDir('quiver-unit-segment-');
    const s = new Segment(dir, vectorSchema(config()), { lastOperationId: () => 1, log: { warn: () => undefined } });
    const schema = vectorSchema(config());
    s.setSchema(schema, new Map([['', { spec: schema.dense.get('')!, indexingThresholdKb: 1 }]]));
    for (const p of POINTS) s.put(pointKey(p.id), { offset: s.reserveOffset(), vectors: dense(...p.vector), payload: p.payload, shardKey: p.shardKey }, 1);
    try {
      const index = s.vectorIndex('')!;
      index.buildPendingSync();
      assert.equal(index.pendingCount, 0);
      const o = s.offsetOf(10)!;
      // Upserted again with the same vector and a new payload: the graph keeps the node where it is.
      s.put(pointKey(10), { offset: o, vectors: dense(1, 0, 0), payload: { city: 'Paris' }, shardKey: 'eu' }, 2);
      assert.equal(index.pendingCount, 0);
      assert.equal(index.deletedCount, 0);
      assert.deepEqual(s.view(o)!.payload, { city: 'Paris' });
      // A new vector: the old node is tombstoned and the point queued again.
      s.put(pointKey(10), { offset: o, vectors: dense(0, 1, 1), payload: { city: 'Paris' }, shardKey: 'eu' }, 3);
      assert.equal(index.pendingCount, 1);
      assert.equal(index.deletedCount, 1);
      assert.deepEqual(Array.from(s.denseStore('')!.get(o)!), Array.from(dense(0, 1, 1).get('')!.data));
    } finally {
      removeDir(dir);
    }
  });

  it('removes points from ids, vectors, payload indexes and scans', () => {
    const { s, dir } = segmentWith(POINTS);
    try {
      s.setFieldIndexes(new Map([['city', 'keyword']]));
      const o = s.offsetOf(10)!;
      s.remove(pointKey(10));
      assert.equal(s.size, 3);
      assert.equal(s.offsetOf(10), undefined);
      assert.equal(s.view(o), undefined);
      assert.equal(s.denseStore('')!.has(o), false);
      assert.deepEqual([...s.scan({ filter: parseFilter({ must: [{ key: 'city', match: { value: 'Berlin' } }] }) })].map((x) => s.idAt(x)), [12]);
    } finally {
      removeDir(dir);
    }
  });
});
