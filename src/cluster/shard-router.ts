/**
 * Which shard a point belongs to, and how a write splits into one operation list per shard. A point's shard is
 * a hash of its id (FNV-1a over the id's text: the integer in decimal, the UUID in its canonical lower-case
 * form) modulo the collection's shard count; every node computes the same answer. Operations naming points
 * (upserts, vector updates, id selectors) go only to the shards of those points; filter selectors go to every
 * shard, and each shard's log applies them to its own points only (`Collection.applyReplicated`).
 */
import type { PointInput, PointOperation, PointSelector } from '../collection/operation.js';
import type { PointId } from '../storage/point-id.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function shardOf(id: PointId, shards: number): number {
  const text = typeof id === 'string' ? id.toLowerCase() : String(id);
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h % shards;
}

function splitBy<T>(items: readonly T[], idOf: (item: T) => PointId, shards: number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const s = shardOf(idOf(item), shards);
    const list = out.get(s);
    if (list === undefined) out.set(s, [item]);
    else list.push(item);
  }
  return out;
}

function splitSelector(selector: PointSelector, shards: number): Map<number, PointSelector> {
  const out = new Map<number, PointSelector>();
  if (selector.kind === 'filter') {
    for (let s = 0; s < shards; s++) out.set(s, selector);
    return out;
  }
  for (const [s, ids] of splitBy(selector.ids, (id) => id, shards)) out.set(s, { kind: 'ids', ids });
  return out;
}

/** The part of `op` each shard receives (shards without a part are absent). */
function splitOperation(op: PointOperation, shards: number): Map<number, PointOperation> {
  const out = new Map<number, PointOperation>();
  switch (op.type) {
    case 'upsert':
      for (const [s, points] of splitBy<PointInput>(op.points, (p) => p.id, shards)) out.set(s, { ...op, points });
      return out;
    case 'update_vectors':
      for (const [s, points] of splitBy(op.points, (p) => p.id, shards)) out.set(s, { ...op, points });
      return out;
    default:
      for (const [s, selector] of splitSelector(op.selector, shards)) out.set(s, { ...op, selector });
      return out;
  }
}

/** One operation list per shard, each in the order of `ops`. */
export function routeOperations(ops: readonly PointOperation[], shards: number): Map<number, PointOperation[]> {
  const out = new Map<number, PointOperation[]>();
  for (const op of ops) {
    for (const [s, part] of splitOperation(op, shards)) {
      const list = out.get(s);
      if (list === undefined) out.set(s, [part]);
      else list.push(part);
    }
  }
  return out;
}
