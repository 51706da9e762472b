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
}

/** The descriptor of a collection to be built from a snapshot (a fresh uuid is assigned by the table of contents). */
export interface ReplacementDescriptor extends Omit<CollectionDescriptor, 'uuid'> {
  readonly opSeq: number;
}

/** Writes one batch of points into the table being built, durably (one transaction per call). */
export type PointBatchWriter = (batch: ReadonlyArray<readonly [PointId, EncodedPoint]>) => Promise<void>;
