import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../../../src/service/snapshots/manifest.js';
import { decodePointLine, encodePointLine } from '../../../../src/service/snapshots/point-lines.js';
import { vectorSchema, type CollectionConfig } from '../../../../src/collection/config.js';
import { encodePoint } from '../../../../src/collection/point-codec.js';

const config: CollectionConfig = {
  params: { vectors: { a: { size: 2, distance: 'Dot' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } }, sparse_vectors: { s: {} }, shard_number: 1 },
  hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
  optimizer_config: {},
};
const manifest = {
  format: 'quiver-snapshot',
  version: 1,
  kind: 'collection',
  created_at: '2024-01-01T00:00:00.000Z',
  quiver_version: '0.1.0',
  entries: { 'points.ndjson': { size: 1, sha256: 'a'.repeat(64) } },
  collection: { name: 'c', config, payload_indexes: [{ field: 'k', schema: 'keyword' }], shard_keys: [], created_at: 'x', op_seq: 3, points_count: 1 },
};

describe('snapshot manifest', () => {
  it('parses a version 1 collection manifest', () => {
    const m = parseManifest(JSON.stringify(manifest));
    assert.equal(m.kind, 'collection');
  });
  it('refuses other formats, versions and kinds with a clear message', () => {
    assert.throws(() => parseManifest('{'), /not valid JSON/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, format: 'qdrant' })), /not a Quiver snapshot/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, version: 3 })), /snapshot format version 3 is newer than this Quiver supports \(max 2\); upgrade Quiver/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, kind: 'segment' })), /unknown snapshot kind/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, entries: { 'points.ndjson': { size: 1, sha256: 'x' } } })), /sha256/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, entries: { ...manifest.entries, '../x': { size: 1, sha256: 'a'.repeat(64) } } })), /unexpected entry/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, collection: { ...manifest.collection, op_seq: -1 } })), /op_seq/);
  });
});

describe('snapshot point lines', () => {
  const schema = vectorSchema(config);
  const ctx = { schema, shardKeys: new Set<string | number>(['k1']) };
  const vectors = new Map<string, never>([
    ['a', { kind: 'dense', data: new Float32Array([0.5, -1]) } as never],
    ['m', { kind: 'multi', rows: [new Float32Array([1, 2]), new Float32Array([3, 4])] } as never],
    ['s', { kind: 'sparse', indices: new Uint32Array([3, 9]), values: new Float32Array([0.25, 1]) } as never],
  ]);

  it('round-trips a stored point byte for byte', () => {
    const stored = encodePoint(7, vectors, { city: 'Berlin' }, 12, 'k1');
    const line = encodePointLine(5, stored, () => true);
    const { id, point } = decodePointLine(line.trim(), 1, ctx);
    assert.equal(id, 5);
    assert.deepEqual({ ...point }, { v: stored.v, p: stored.p, ver: 12, sk: 'k1' });
  });

  it('drops vector names the configuration no longer has', () => {
    const stored = encodePoint(0, new Map([...vectors, ['gone', { kind: 'dense', data: new Float32Array([1]) } as never]]), null, 1, undefined);
    const line = encodePointLine('6f1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a01', stored, (n) => n !== 'gone');
    assert.doesNotMatch(line, /gone/);
  });

  it('refuses points that do not fit the collection', () => {
    const ok = JSON.parse(encodePointLine(1, encodePoint(0, vectors, null, 1, undefined), () => true)) as Record<string, any>;
    const line = (patch: Record<string, unknown>): string => JSON.stringify({ ...ok, ...patch });
    const f32 = (xs: number[]): string => Buffer.from(new Float32Array(xs).buffer).toString('base64');
    assert.throws(() => decodePointLine(line({ v: { a: { dense: f32([1, 2, 3]) } } }), 4, ctx), /line 4: vector `a` has 3 components, the collection expects 2/);
    assert.throws(() => decodePointLine(line({ v: { a: { dense: f32([1, NaN]) } } }), 1, ctx), /non-finite/);
    assert.throws(() => decodePointLine(line({ v: { zz: { dense: f32([1, 2]) } } }), 1, ctx), /not configured/);
    assert.throws(() => decodePointLine(line({ v: { m: { multi: f32([1, 2, 3]), rows: 2 } } }), 1, ctx), /rows/);
    assert.throws(() => decodePointLine(line({ v: { s: { indices: Buffer.from(new Uint32Array([1, 1]).buffer).toString('base64'), values: f32([1, 2]) } } }), 1, ctx), /repeats index/);
    assert.throws(() => decodePointLine(line({ id: -1 }), 1, ctx), /invalid point id/);
    assert.throws(() => decodePointLine(line({ id: '6F1C6A04-3A43-4D0E-B3A5-6A0A7E0F0A01' }), 1, ctx), /canonical/);
    assert.throws(() => decodePointLine(line({ p: [1] }), 1, ctx), /`p` must be an object/);
    assert.throws(() => decodePointLine(line({ sk: 'nope' }), 1, ctx), /shard key/);
    assert.throws(() => decodePointLine(line({ ver: 1.5 }), 1, ctx), /`ver`/);
    assert.throws(() => decodePointLine('{nope', 9, ctx), /line 9: not valid JSON/);
  });
});
