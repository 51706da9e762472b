/**
 * Which shard a point belongs to, and how a write splits into one operation list per shard. A point's shard is
 * a hash of its id modulo the collection's shard count; every node computes the same answer. Collections with a
 * shard placement (`placement.ts`) use Qdrant's `slice` hash (`sliceOf`: SipHash-2-4 of the id's bytes), so a
 * shard's points are exactly those of a `slice` filter; older collections keep FNV-1a over the id's text (the
 * integer in decimal, the UUID in its canonical lower-case form). Operations naming points
 * (upserts, vector updates, id selectors) go only to the shards of those points; filter selectors go to every
 * shard, and each shard's log applies them to its own points only (`Collection.applyReplicated`).
 */
import type { PointInput, PointOperation, PointSelector } from '../collection/operation.js';
import type { PointId } from '../storage/point-id.js';
import { sliceOf } from '../index/filter/slice.js';

/** A point's shard among `shards`. */
export type ShardHash = (id: PointId, shards: number) => number;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The shard hash of a collection: `slice` routing for a collection with a placement, FNV-1a otherwise. */
export function shardHashOf(entry: { readonly placement?: unknown }): ShardHash {
  return entry.placement === undefined ? shardOf : sliceOf;
}

export function shardOf(id: PointId, shards: number): number {
  const text = typeof id === 'string' ? id.toLowerCase() : String(id);
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h % shards;
}

function splitBy<T>(items: readonly T[], idOf: (item: T) => PointId, shards: number, hash: ShardHash): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const s = hash(idOf(item), shards);
    const list = out.get(s);
    if (list === undefined) out.set(s, [item]);
    else list.push(item);
  }
  return out;
}

function splitSelector(selector: PointSelector, shards: number, hash: ShardHash): Map<number, PointSelector> {
  const out = new Map<number, PointSelector>();
  if (selector.kind === 'filter') {
    for (let s = 0; s < shards; s++) out.set(s, selector);
    return out;
  }
  for (const [s, ids] of splitBy(selector.ids, (id) => id, shards, hash)) out.set(s, { kind: 'ids', ids });
  return out;
}

/** The part of `op` each shard receives (shards without a part are absent). */
function splitOperation(op: PointOperation, shards: number, hash: ShardHash): Map<number, PointOperation> {
  const out = new Map<number, PointOperation>();
  switch (op.type) {
    case 'upsert':
      for (const [s, points] of splitBy<PointInput>(op.points, (p) => p.id, shards, hash)) out.set(s, { ...op, points });
      return out;
    case 'update_vectors':
      for (const [s, points] of splitBy(op.points, (p) => p.id, shards, hash)) out.set(s, { ...op, points });
      return out;
    default:
      for (const [s, selector] of splitSelector(op.selector, shards, hash)) out.set(s, { ...op, selector });
      return out;
  }
}

/** One operation list per shard, each in the order of `ops`. */
export function routeOperations(ops: readonly PointOperation[], shards: number, hash: ShardHash = shardOf): Map<number, PointOperation[]> {
  const out = new Map<number, PointOperation[]>();
  for (const op of ops) {
    for (const [s, part] of splitOperation(op, shards, hash)) {
      const list = out.get(s);
      if (list === undefined) out.set(s, [part]);
      else list.push(part);
    }
  }
  return out;
}
