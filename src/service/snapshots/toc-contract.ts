/**
 * The contract between the snapshots service and the table of contents (the snapshot block of
 * `TableOfContent`): what a consistent read of a collection looks like, and what a replacement needs.
 * Kept apart so that `table-of-content.ts` imports only types from here (no import cycle).
 */
import type { KvKey } from '../../storage/kv/store.js';
import type { CollectionDescriptor } from '../../collection/descriptor.js';
import type { EncodedPoint } from '../../collection/point-codec.js';
import type { PointId } from '../../storage/point-id.js';

/** One collection as of one LMDB read snapshot. */
export interface CollectionSnapshotSource {
  /** The real collection name. */
  readonly name: string;
  readonly descriptor: CollectionDescriptor;
  /** The collection's last operation id (`collection-state:<uuid>`). */
  readonly opSeq: number;
  /** Stored points in key order, from the same read snapshot; iterate at any pace (yielding is fine). */
  readonly points: Iterator<{ key: KvKey; value: EncodedPoint }>;
  /**
   * Distributed mode, on a node holding only some shards of the collection: the other shards, read from their
   * holders (`points` then holds only the shards held here).
   */
  readonly peers?: PeerShards | undefined;
}

/** The shards of a collection this node does not hold, as `points.ndjson` lines read from nodes holding them. */
export interface PeerShards {
  /**
   * The lines (vector names outside `vectors` left out) of every shard held elsewhere, as byte pages of bounded
   * size: a page may end inside a line, and the pages in order are the lines. Each shard comes from one live holder,
   * from one read snapshot it opened once it had applied everything stored for the shard when asked.
   * @throws AppError(UNAVAILABLE) when no holder of a shard answers, or the one sending stops answering
   */
  lines(vectors: readonly string[], signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Whether a point stored here is of a shard this node holds (the snapshot takes the others from `lines`). */
  holdsPoint(id: PointId): boolean;
}

/** The descriptor of a collection to be built from a snapshot (a fresh uuid is assigned by the table of contents). */
export interface ReplacementDescriptor extends Omit<CollectionDescriptor, 'uuid'> {
  readonly opSeq: number;
}

/** Writes one batch of points into the table being built, durably (one transaction per call). */
export type PointBatchWriter = (batch: ReadonlyArray<readonly [PointId, EncodedPoint]>) => Promise<void>;
