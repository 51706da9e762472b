/**
 * Quiver nodes in distributed mode for tests: child processes (so a node can be killed with SIGKILL and
 * restarted on its data directory) joined to a `nats-cluster.ts` cluster under one deployment name, plus the
 * checks every distributed test makes: what each replica holds, per shard, as a digest.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { removeDir, startChildServer, tempDir, type ChildOptions, type ChildServer } from './app.js';
import type { NatsCluster } from './nats-cluster.js';
import { pollUntil } from './poll.js';
import { shardOf } from '../../src/cluster/shard-router.js';

export interface QuiverNode {
  readonly index: number;
  readonly dir: string;
  server: ChildServer;
  /** A JSON request to this node: status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface QuiverCluster {
  readonly deployment: string;
  readonly nodes: QuiverNode[];
  /**
   * Restarts node `i` on its data directory (after a kill), with `extraEnv` added to the cluster's environment
   * and `options` for the child (e.g. `onOutput`).
   */
  restart(i: number, extraEnv?: Record<string, string>, options?: ChildOptions): Promise<void>;
  /** Starts one more node (index `nodes.length`) on a fresh data directory. */
  add(): Promise<QuiverNode>;
  /** Removes the data directory of node `i` (stopped) and gives it a fresh one: restarted, it joins as new. */
  wipe(i: number): void;
  stop(): Promise<void>;
}

function env(nats: NatsCluster, deployment: string, i: number, natsUrls?: string, extra: Record<string, string> = {}): Record<string, string> {
  // Each node lists its own server first, then the others (the client picks among them, and fails over).
  const own = nats.servers[i % nats.servers.length]!.url;
  const urls = natsUrls ?? [own, ...nats.servers.map((s) => s.url).filter((u) => u !== own)].join(',');
  return {
    QDRANT__CLUSTER__ENABLED: 'true',
    QDRANT__CLUSTER__NODE_ID: `node-${i}`,
    QDRANT__CLUSTER__DEPLOYMENT: deployment,
    QDRANT__CLUSTER__NATS__SERVERS: urls,
    QDRANT__CLUSTER__TIMEOUT_MS: '20000',
    ...extra,
  };
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url + path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed };
}

/**
 * `natsUrls(i)`: the NATS servers node `i` connects to (default: all, its own first); `extraEnv`: settings every
 * node gets (e.g. `QDRANT__CLUSTER__COMPACTION__EVERY_OPERATIONS`).
 */
export async function startQuiverCluster(
  nats: NatsCluster,
  size: number,
  natsUrls: (i: number) => string | undefined = () => undefined,
  extraEnv: Record<string, string> = {},
): Promise<QuiverCluster> {
  const deployment = `t${randomUUID().slice(0, 8)}`;
  const nodes: QuiverNode[] = [];
  const start = async (i: number, dir: string, more: Record<string, string> = {}, options: ChildOptions = {}): Promise<ChildServer> =>
    startChildServer(dir, env(nats, deployment, i, natsUrls(i), { ...extraEnv, ...more }), undefined, [], options);
  const add = async (): Promise<QuiverNode> => {
    const i = nodes.length;
    const dir = tempDir('quiver-cluster-');
    const node: QuiverNode = {
      index: i,
      dir,
      server: await start(i, dir),
      call: (method, path, body) => call(node.server.url, method, path, body),
    };
    nodes.push(node);
    return node;
  };
  // One at a time: the first creates the buckets, and two cores are not loaded by three tsx compilations at once.
  // A node that does not start stops the ones already started: left running, their child processes would keep
  // the test process alive until the runner's file timeout instead of failing the test at once.
  try {
    for (let i = 0; i < size; i++) await add();
  } catch (e) {
    await Promise.allSettled(nodes.map((n) => n.server.stop('SIGKILL')));
    throw e;
  }
  return {
    deployment,
    nodes,
    async restart(i, more, options) {
      const node = nodes[i]!;
      node.server = await start(i, node.dir, more, options);
    },
    add,
    wipe(i) {
      const node = nodes[i]!;
      removeDir(node.dir);
      mkdirSync(node.dir);
    },
    async stop() {
      for (const n of nodes) await n.server.stop();
    },
  };
}

export interface StoredPoint {
  readonly id: number | string;
  readonly payload: unknown;
  readonly vector: unknown;
}

/** Every point of `collection` on `node` (read from its own replica), sorted by id. */
export async function allPoints(node: QuiverNode, collection: string): Promise<StoredPoint[]> {
  const out: StoredPoint[] = [];
  let offset: unknown = null;
  for (;;) {
    const r = await node.call('POST', `/collections/${collection}/points/scroll`, { limit: 1000, with_payload: true, with_vector: true, ...(offset === null ? {} : { offset }) });
    if (r.status !== 200) throw new Error(`scroll on node ${node.index}: ${r.status} ${JSON.stringify(r.body)}`);
    out.push(...(r.body.result.points as StoredPoint[]));
    offset = r.body.result.next_page_offset;
    if (offset === null || offset === undefined) break;
  }
  return out.sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
}

/** Per shard: a digest of the shard's point ids, payloads and vectors. */
export function shardDigests(points: readonly StoredPoint[], shards: number): string[] {
  const hashes = Array.from({ length: shards }, () => createHash('sha256'));
  for (const p of points) hashes[shardOf(p.id, shards)]!.update(JSON.stringify([p.id, p.payload, p.vector]));
  return hashes.map((h) => h.digest('hex'));
}

/** Waits until every node's replicas have applied everything their streams hold (GET /cluster reports no lag). */
export async function waitConverged(nodes: readonly QuiverNode[], collection: string, timeoutMs = 120_000): Promise<void> {
  const shardsOf = async (n: QuiverNode): Promise<Array<{ lag: number | null }> | undefined> => {
    const r = await n.call('GET', '/cluster').catch(() => undefined);
    return r?.body?.result?.quiver?.collections?.[collection]?.shards as Array<{ lag: number | null }> | undefined;
  };
  for (const n of nodes) {
    try {
      await pollUntil(`node ${n.index} caught up on ${collection}`, async () => {
        const shards = await shardsOf(n);
        return shards !== undefined && shards.length > 0 && shards.every((s) => s.lag === 0);
      }, timeoutMs, 100);
    } catch (e) {
      // What the lagging replica reports, and what it logged about its shards: the cause, not only the symptom.
      const shards = await shardsOf(n).catch(() => undefined);
      const log = n.server.output().split('\n').filter((line) => /shard|snapshot|stream|consumer/i.test(line)).slice(-40).join('\n');
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nshards: ${JSON.stringify(shards)}\nlog:\n${log}`, { cause: e });
    }
  }
}
