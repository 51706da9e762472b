import { Store } from '../../../src/storage/kv/store.js';
import { Collection } from '../../../src/collection/collection.js';
import type { CollectionDescriptor } from '../../../src/collection/descriptor.js';
import type { CollectionConfig, CollectionParams } from '../../../src/collection/config.js';
import type { Distance } from '../../../src/index/distance.js';
import type { PointOperation } from '../../../src/collection/operation.js';
import type { QueryRequest } from '../../../src/collection/query/types.js';
import type { ShardKey } from '../../../src/collection/types.js';
import { removeDir, tempDir } from '../../support/app.js';

/** A stored configuration: one unnamed dense vector, an optional sparse one; no HNSW graph below 1 MB. */
export function config(opts: { dim?: number; distance?: Distance; sparse?: boolean; custom?: boolean; indexingThresholdKb?: number } = {}): CollectionConfig {
  const vector = { size: opts.dim ?? 3, distance: opts.distance ?? 'Dot' };
  const params: CollectionParams = {
    vectors: opts.sparse === true ? { dense: vector } : vector,
    ...(opts.sparse === true ? { sparse_vectors: { text: {} } } : {}),
    ...(opts.custom === true ? { sharding_method: 'custom' as const } : {}),
  };
  return {
    params,
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10 },
    optimizer_config: { indexing_threshold: opts.indexingThresholdKb ?? 1000 },
  };
}

export interface Opened {
  readonly c: Collection;
  readonly store: Store;
  readonly dir: string;
  readonly descriptor: CollectionDescriptor;
  /** Closes the collection and the store, then opens both again from disk (with `descriptor` if given: a changed one). */
  reopen(descriptor?: CollectionDescriptor): Promise<Opened>;
  close(): Promise<void>;
}

function open(dir: string, descriptor: CollectionDescriptor): Opened {
  const store = Store.open(dir);
  const c = Collection.load(store, descriptor);
  const opened: Opened = {
    c,
    store,
    dir,
    descriptor,
    reopen: async (next?: CollectionDescriptor) => {
      await c.close();
      await store.close();
      return open(dir, next ?? descriptor);
    },
    close: async () => {
      await c.close();
      await store.close();
      removeDir(dir);
    },
  };
  return opened;
}

/** A collection on a fresh store in a temporary directory. */
export function openCollection(cfg: CollectionConfig = config(), shardKeys: readonly ShardKey[] = []): Opened {
  const descriptor: CollectionDescriptor = { uuid: 'c0ffee00-0000-4000-8000-000000000001', config: cfg, payloadIndexes: [], shardKeys, createdAt: '2026-01-01T00:00:00Z' };
  return open(tempDir('quiver-unit-collection-'), descriptor);
}

export function dense(...values: number[]): Map<string, { kind: 'dense'; data: Float32Array }> {
  return new Map([['', { kind: 'dense', data: new Float32Array(values) }]]);
}

export function upsert(points: Array<{ id: number | string; vector: number[]; payload?: Record<string, unknown> }>, shardKey?: ShardKey): PointOperation {
  const op = { type: 'upsert' as const, mode: 'upsert' as const, points: points.map((p) => ({ id: p.id, vectors: dense(...p.vector), payload: p.payload ?? null })) };
  return shardKey === undefined ? op : { ...op, shardKey };
}

/** A nearest-neighbour query request with everything else at Qdrant's defaults. */
export function nearestRequest(vector: number[], overrides: Partial<QueryRequest> = {}): QueryRequest {
  return {
    prefetch: [],
    query: { kind: 'nearest', input: { kind: 'raw', value: vector, where: 'query' }, mmr: undefined },
    using: '',
    filter: undefined,
    params: { hnswEf: undefined, exact: undefined, indexedOnly: undefined },
    threshold: undefined,
    limit: 10,
    lookupFrom: undefined,
    offset: 0,
    shardKeys: undefined,
    withPayload: { kind: 'all' },
    withVector: { kind: 'none' },
    ...overrides,
  };
}
