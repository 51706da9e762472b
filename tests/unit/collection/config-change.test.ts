import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfigOperation, type ConfigOperation } from '../../../src/collection/config-change.js';
import { vectorSchema, type CollectionConfig } from '../../../src/collection/config.js';
import { applyDescriptorOperation, type CollectionDescriptor } from '../../../src/collection/descriptor.js';
import { decodeOperation, encodeOperation } from '../../../src/collection/operation-codec.js';
import type { DescriptorOperation } from '../../../src/collection/operation.js';
import { isAppError } from '../../../src/errors.js';
import { config, openCollection, upsert } from './helpers.js';

const NAMED: CollectionConfig = {
  params: { vectors: { text: { size: 4, distance: 'Cosine' }, image: { size: 3, distance: 'Euclid', hnsw_config: { m: 8 } } }, sparse_vectors: { words: {} }, shard_number: 1 },
  hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
  optimizer_config: { indexing_threshold: 20000 },
  strict_mode_config: { enabled: false },
  quantization_config: null,
};

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;

describe('configuration changes as data', () => {
  it('UpdateCollection changes only the parts it names and leaves the input untouched', () => {
    const before = structuredClone(NAMED);
    const next = applyConfigOperation(NAMED, {
      type: 'update_collection',
      patch: {
        vectors: new Map([['image', { hnsw_config: { ef_construct: 50 }, on_disk: true }]]),
        params: { replication_factor: 3 },
        hnsw: { m: 32 },
        optimizers: { indexing_threshold: 0 },
        quantization: { scalar: { type: 'int8' } },
        sparseVectors: new Map([['words', { modifier: 'idf' }]]),
        strictMode: { enabled: true, max_query_limit: 10 },
        metadata: { owner: 'search' },
      },
    });
    assert.deepStrictEqual(NAMED, before, 'the current value is not changed');
    assert.deepEqual(next.params.vectors, { text: { size: 4, distance: 'Cosine' }, image: { size: 3, distance: 'Euclid', hnsw_config: { m: 8, ef_construct: 50 }, on_disk: true } });
    assert.equal(next.params.replication_factor, 3);
    assert.equal(next.params.shard_number, 1);
    assert.deepEqual(next.hnsw_config, { m: 32, ef_construct: 100, full_scan_threshold: 10000 });
    assert.equal(next.optimizer_config.indexing_threshold, 0);
    assert.deepEqual(next.quantization_config, { scalar: { type: 'int8' } });
    assert.deepEqual(next.params.sparse_vectors, { words: { modifier: 'idf' } });
    assert.deepEqual(next.strict_mode_config, { enabled: true, max_query_limit: 10 });
    assert.deepEqual(next.metadata, { owner: 'search' });
    const schema = vectorSchema(next);
    assert.equal(schema.dense.get('image')!.hnsw.m, 8, "a vector's own m wins over the collection's");
    assert.equal(schema.dense.get('text')!.hnsw.m, 32);
    assert.equal(schema.sparse.get('words')!.modifier, 'idf');
    const disabled = applyConfigOperation(next, { type: 'update_collection', patch: { quantization: 'disabled' } });
    assert.equal(disabled.quantization_config, null);
  });

  it('refuses unknown vector names and out-of-range HNSW parameters', () => {
    assert.throws(() => applyConfigOperation(NAMED, { type: 'update_collection', patch: { vectors: new Map([['nope', {}]]) } }), /Not existing vector name error: nope/);
    assert.throws(() => applyConfigOperation(NAMED, { type: 'update_collection', patch: { vectors: new Map([['__proto__', {}]]) } }), /Not existing vector name/);
    assert.throws(() => applyConfigOperation(NAMED, { type: 'update_collection', patch: { sparseVectors: new Map([['text', {}]]) } }), /Not existing vector name error: text/);
    assert.throws(() => applyConfigOperation(NAMED, { type: 'update_collection', patch: { hnsw: { m: 513 } } }), /hnsw_config.m: must be between 0 and 512/);
    assert.throws(() => applyConfigOperation(NAMED, { type: 'update_collection', patch: { hnsw: { ef_construct: 3 } } }), /ef_construct: must be at least 4/);
  });

  it('adds and removes dense and sparse vector names', () => {
    const added = applyConfigOperation(NAMED, { type: 'create_vector_name', name: 'extra', vector: { kind: 'dense', params: { size: 2, distance: 'Dot' } } });
    assert.deepEqual(vectorSchema(added).dense.get('extra')?.size, 2);
    const sparse = applyConfigOperation(added, { type: 'create_vector_name', name: 'bm25', vector: { kind: 'sparse', params: { modifier: 'idf' } } });
    assert.equal(vectorSchema(sparse).sparse.get('bm25')?.modifier, 'idf');
    assert.throws(() => applyConfigOperation(sparse, { type: 'create_vector_name', name: 'bm25', vector: { kind: 'dense', params: { size: 2, distance: 'Dot' } } }), /already exists/);
    assert.throws(() => applyConfigOperation(sparse, { type: 'create_vector_name', name: 'x', vector: { kind: 'dense', params: { size: 0, distance: 'Dot' } } }), /size: must be a positive integer/);
    assert.throws(() => applyConfigOperation(config(), { type: 'create_vector_name', name: 'x', vector: { kind: 'dense', params: { size: 2, distance: 'Dot' } } }), /single unnamed vector/);
    const removed = applyConfigOperation(sparse, { type: 'delete_vector_name', name: 'text' });
    assert.deepEqual([...vectorSchema(removed).dense.keys()], ['image', 'extra']);
    assert.deepEqual([...vectorSchema(applyConfigOperation(removed, { type: 'delete_vector_name', name: 'bm25' })).sparse.keys()], ['words']);
    assert.throws(() => applyConfigOperation(removed, { type: 'delete_vector_name', name: 'text' }), code('VECTOR_NAME_NOT_FOUND'));
  });

  it('changes shard keys and payload indexes of a descriptor', () => {
    const d: CollectionDescriptor = { uuid: 'u', config: config({ custom: true }), payloadIndexes: [], shardKeys: [], createdAt: 't' };
    const steps: DescriptorOperation[] = [
      { type: 'create_shard_key', key: 'a' },
      { type: 'create_shard_key', key: 1 },
      { type: 'create_field_index', field: 'city', schema: 'keyword' },
      { type: 'create_field_index', field: 'city', schema: 'text' },
      { type: 'delete_shard_key', key: 'a' },
    ];
    const end = steps.reduce(applyDescriptorOperation, d);
    assert.deepEqual(end.shardKeys, [1]);
    assert.deepEqual(end.payloadIndexes, [{ field: 'city', schema: 'text' }]);
    assert.throws(() => applyDescriptorOperation(end, { type: 'create_shard_key', key: 1 }), code('SHARD_KEY_EXISTS'));
    assert.throws(() => applyDescriptorOperation(end, { type: 'delete_shard_key', key: 'a' }), code('SHARD_KEY_NOT_FOUND'));
    assert.throws(() => applyDescriptorOperation({ ...d, config: config() }, { type: 'create_shard_key', key: 'a' }), /custom sharding/);
  });
});

describe('Collection.configure (the update pipeline for descriptor changes)', () => {
  it('persists a change, applies it, and a replayed serialised change gives the same configuration', async () => {
    let saved: CollectionDescriptor | undefined;
    let o = openCollection(config({ sparse: true }));
    try {
      await o.c.update([{ type: 'upsert', mode: 'upsert', points: [{ id: 1, vectors: new Map([['dense', { kind: 'dense', data: new Float32Array([1, 0, 0]) }], ['text', { kind: 'sparse', indices: new Uint32Array([1]), values: new Float32Array([1]) }]]), payload: null }] }], true);
      const ops: ConfigOperation[] = [
        { type: 'update_collection', patch: { optimizers: { indexing_threshold: 0 }, metadata: { v: 1 } } },
        { type: 'delete_vector_name', name: 'text' },
      ];
      const save = (d: CollectionDescriptor): void => {
        saved = d;
        o.store.meta.put('collection:test', d);
      };
      for (const op of ops) await o.c.configure(decodeOperation(encodeOperation(op)) as ConfigOperation, save);
      assert.equal(o.c.config.optimizer_config.indexing_threshold, 0);
      assert.deepEqual(o.c.config.metadata, { v: 1 });
      assert.deepEqual([...o.c.schema.sparse.keys()], [], 'the schema follows the configuration');
      assert.deepEqual(saved?.config, o.c.config, 'the persisted descriptor is the applied one');
      assert.deepEqual([...o.c.segment.view(o.c.segment.offsetOf(1)!)!.vectors.keys()], ['dense'], 'points lose the removed vector');
      // A bad change throws before anything is written: config and store stay as they were.
      const before = o.c.config;
      await assert.rejects(o.c.configure({ type: 'delete_vector_name', name: 'text' }, save), code('VECTOR_NAME_NOT_FOUND'));
      await assert.rejects(o.c.configure({ type: 'create_field_index', field: 'x', schema: 'no-such-type' }, save));
      assert.equal(o.c.config, before);
      assert.equal(saved?.config, before);
      // The points table was rewritten durably: a reopened collection (with the saved descriptor) has no `text` vector.
      o = await o.reopen(saved);
      assert.deepEqual([...o.c.segment.view(o.c.segment.offsetOf(1)!)!.vectors.keys()], ['dense']);
    } finally {
      await o.close();
    }
  });

  it('creates payload indexes through the pipeline and refills them from existing points', async () => {
    const o = openCollection();
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0], payload: { city: 'Berlin' } }, { id: 2, vector: [0, 1, 0], payload: { city: 'Paris' } }])], true);
      await o.c.configure({ type: 'create_field_index', field: 'city', schema: 'keyword' }, () => undefined);
      assert.deepEqual(o.c.info.payloadIndexes, [{ field: 'city', schema: 'keyword' }]);
      assert.equal(o.c.fieldIndexes.schemaInfo()['city']?.points, 2);
      await o.c.configure({ type: 'delete_field_index', field: 'city' }, () => undefined);
      assert.equal(o.c.fieldIndexes.schemaInfo()['city'], undefined);
    } finally {
      await o.close();
    }
  });
});
