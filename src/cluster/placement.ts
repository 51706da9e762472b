/**
 * Shard placement: which nodes hold (consume and apply) each shard of a collection. A collection created in
 * distributed mode gets a placement in its metadata entry: every shard is held by `replication_factor` nodes
 * (capped by the live node count), chosen among the live nodes, least loaded first (the shard replicas they
 * already hold across every collection, then node id order), so that placement is deterministic for given
 * inputs and spreads shards evenly. The entry is written with compare-and-set, like the rest of the metadata.
 *
 * A collection created before placement existed has none: every node holds every shard (and its points are
 * routed by the older FNV hash, `shard-router.ts`). With a placement, points are routed by Qdrant's `slice`
 * hash, so that "the points of shard s" is the filter `{"slice": {"index": s, "total": shards}}`, which a node
 * answering a fanned-out read applies to stay within the shards it was asked for.
 */

/** Per shard, the ids of the nodes holding it (at least one each). */
export type Placement = ReadonlyArray<readonly string[]>;

/**
 * A placement of `shards` shards on `nodes` (ids of live nodes), `factor` holders each (capped by the node
 * count). `load` counts the shard replicas each node already holds (other collections).
 */
export function placeShards(shards: number, factor: number, nodes: readonly string[], load: ReadonlyMap<string, number> = new Map()): string[][] {
  if (nodes.length === 0) throw new Error('no live node to place shards on');
  const sorted = [...new Set(nodes)].sort();
  const held = new Map(sorted.map((n) => [n, load.get(n) ?? 0]));
  const r = Math.max(1, Math.min(factor, sorted.length));
  const out: string[][] = [];
  for (let shard = 0; shard < shards; shard++) {
    const chosen = [...sorted].sort((a, b) => held.get(a)! - held.get(b)! || (a < b ? -1 : 1)).slice(0, r);
    for (const n of chosen) held.set(n, held.get(n)! + 1);
    out.push(chosen.sort());
  }
  return out;
}

/** Shard replicas each node holds under `placements`. */
export function placementLoad(placements: Iterable<Placement>): Map<string, number> {
  const load = new Map<string, number>();
  for (const p of placements) for (const holders of p) for (const n of holders) load.set(n, (load.get(n) ?? 0) + 1);
  return load;
}

/** True when node `nodeId` holds shard `shard` (every node holds every shard without a placement). */
export function holdsShard(placement: Placement | undefined, shard: number, nodeId: string): boolean {
  return placement === undefined || (placement[shard]?.includes(nodeId) ?? false);
}
