/**
 * Crash test with mixed writes: a real server process takes concurrent upserts, payload updates, deletes
 * (by id and by filter), vector updates, atomic batches and payload index creation / deletion, while HNSW
 * graphs are built and saved in the background, and is killed with SIGKILL at a random moment. Then it is
 * restarted on the same storage and checked:
 *
 * - every acknowledged write is visible, and nothing else changed — through both transports: half the writers
 *   send their writes as gRPC RPCs (tests/support/grpc-writes.ts) and read their ids back over gRPC; each writer
 *   owns its own ids and runs one
 *   request at a time, so after a kill exactly one of its requests may be in flight; the stored state of its
 *   ids must equal the model either without that request or with all of it (never a part of a batch);
 * - payload indexes are the acknowledged ones (or include the one in flight), and agree with the stored
 *   data: counts with indexed filters equal counts from a scan of every point, `payload_schema` counts too;
 * - the vector index answers: a query with a stored point's vector finds a point at distance 0;
 * - the audit log's hash chain verifies;
 * - collection snapshots are taken among the writes; every acknowledged one is listed after restart, and every
 *   listed one is whole (its download has the listed size and SHA-256);
 * - the test itself proves it exercised something: every ordinary round is killed only after its writers have
 *   had writes acknowledged (polled, not timed), and the run as a whole must have acknowledged snapshots (the last
 *   round waits for the first one when there is none yet).
 *
 * (This replaced the older upsert-only SIGKILL test, whose concurrent writers shared ids and so could not
 * say which stored value was right; here each writer owns its ids and the model says exactly.)
 *
 * It runs in three variants (issue 17: the crash tests pass with the security controls on): as configured by the
 * run (plain storage, or encrypted with QUIVER_TEST_ENCRYPTION=1), with encryption at rest on, and with tenant
 * tokens as the writers (encryption on too). In the tenant variant each writer writes and reads through a JWT grant
 * confined to its own points (`w = <writer>`): its deletes by filter name only a tag (the grant keeps them inside the
 * tenant), and some of its steps try to leave the tenant (an upsert or a payload update moving points to another
 * writer's `w`), which must be refused with 403 and change nothing; the per-writer models then also prove that
 * nothing outside a tenant changed, read both through the tenant grant and with the admin key.
 *
 * QUIVER_CRASH_ROUNDS (default 16) rounds for the first variant, QUIVER_CRASH_SECURE_ROUNDS (default 2) for the
 * other two (20 rounds in all, as many as the single variant ran before, so the suite takes no longer). QUIVER_SEED fixes every random choice of each task (writers, indexer,
 * snapshots, kill delays); the interleaving still depends on timing. The seed is in every failure message.
 *
 * TODO(snapshots issue): also recover a listed snapshot into a new collection and compare it with the state at
 * its creation (needs the snapshot's operation id in its metadata).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encryptedStorageEnv, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { verifyAuditDir } from '../../src/auth/audit/verify.js';
import { GrpcCallError, GrpcPoints } from '../support/grpc-writes.js';
import { jwt } from '../support/access-oracle.js';
import { status as GrpcStatus } from '@grpc/grpc-js';

const ROUNDS = Number(process.env['QUIVER_CRASH_ROUNDS'] ?? 16);
const SECURE_ROUNDS = Number(process.env['QUIVER_CRASH_SECURE_ROUNDS'] ?? 2);
const API_KEY = 'crash-test-admin-key-0123456789abcdef';

interface Variant {
  readonly name: string;
  readonly rounds: number;
  readonly env: () => Record<string, string>;
  /** Writers write and read through tenant tokens confined to their own `w`. */
  readonly tenants: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'storage as configured by the run', rounds: ROUNDS, env: () => ({}), tenants: false },
  { name: 'encryption at rest', rounds: SECURE_ROUNDS, env: encryptedStorageEnv, tenants: false },
  { name: 'tenant-token writers, encryption at rest', rounds: SECURE_ROUNDS, env: () => ({ ...encryptedStorageEnv(), QDRANT__SERVICE__API_KEY: API_KEY, QDRANT__SERVICE__JWT_RBAC: 'true' }), tenants: true },
];

/** The grant of writer `w` in the tenant variant: read-write on its own points only. */
function tenantToken(w: number): Promise<string> {
  return jwt({ access: [{ collection: C, access: 'rw', tenant_filter: { must: [{ key: 'w', match: { value: w } }] } }] }, API_KEY);
}
const WRITERS = 4;
/** Odd writers send their writes over gRPC (the same steps, as `qdrant.Points` RPCs) and read them back over gRPC. */
const overGrpc = (w: number): boolean => w % 2 === 1;
const POOL = 120;
const DIM = 6;
const TAGS = ['t0', 't1', 't2', 't3'] as const;
const AUDIT_KEY = 'crash-test-audit-chain-key-0123456789';
const C = 'crash';
/**
 * Share of graph (non-exact) probes allowed to miss a stored vector. A freshly built graph misses none of these
 * exact-match probes; 10% covers the HNSW in-place update defect (updated vectors are missed by ~4% of graph
 * searches, crash or not: see tests/fuzz/defects.test.ts). TODO: lower to 0.02 once that defect is fixed.
 */
const GRAPH_MISS_BUDGET = 0.1;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Payload = Record<string, unknown>;
interface PointState {
  readonly payload: Payload;
  /** Vectors are small integers, so they survive float32 storage exactly. */
  readonly vector: readonly number[];
}
/** A writer's ids and what is stored under them (absent = no point). */
type Model = ReadonlyMap<number, PointState>;

function vectorFor(batch: number, id: number): number[] {
  return Array.from({ length: DIM }, (_, i) => (i === 0 ? id % 1000 : ((batch * 31 + id * 7 + i * 13) % 97) - 48));
}

interface Json {
  status: number;
  body: any;
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  const r = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed };
}

/** One write: the request, and the model it leads to when it is applied. */
interface Step {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly next: Model;
  readonly describe: string;
  /** The expected answer: 200, or 403 for a tenant's write that would leave its tenant (then `next` is the model). */
  readonly expect: number;
}

/**
 * Plans the next write of writer `w`: chooses an operation on its own ids and computes its effect. As a tenant
 * (`tenant`), it deletes by tag alone (the grant confines the filter) and sometimes tries to leave its tenant.
 */
function planStep(w: number, model: Model, batch: number, random: () => number, tenant: boolean): Step {
  const ids = (n: number, existing: boolean): number[] => {
    const pool = existing ? [...model.keys()] : Array.from({ length: POOL }, (_, i) => w * 100_000 + i + 1);
    const out = new Set<number>();
    for (let k = 0; k < n * 3 && out.size < n && pool.length > 0; k++) out.add(pool[Math.floor(random() * pool.length)]!);
    return [...out];
  };
  const tag = TAGS[batch % TAGS.length]!;
  const fresh = (id: number): PointState => ({ payload: { w, batch, tag, val: batch % 100 }, vector: vectorFor(batch, id) });
  const wait = random() < 0.5;
  const q = `?wait=${wait}`;
  const next = new Map(model);
  const r = random();
  const existing = model.size > 0;
  if (tenant && random() < 0.08) {
    // Out of the tenant: points (new, or its own) moved to another writer's `w`. Refused whole, nothing changes.
    const other = (w + 1 + Math.floor(random() * (WRITERS - 1))) % WRITERS;
    if (!existing || random() < 0.5) {
      const chosen = ids(1 + Math.floor(random() * 4), false);
      const points = chosen.map((id) => ({ id, vector: fresh(id).vector, payload: { ...fresh(id).payload, w: other } }));
      return { method: 'PUT', path: `/collections/${C}/points${q}`, body: { points }, next: model, describe: `upsert ${chosen.length} as w=${other}`, expect: 403 };
    }
    const chosen = ids(1 + Math.floor(random() * 4), true);
    return { method: 'POST', path: `/collections/${C}/points/payload${q}`, body: { payload: { w: other }, points: chosen }, next: model, describe: `set_payload w=${other} on ${chosen.length}`, expect: 403 };
  }
  if (r < 0.35 || !existing) {
    const chosen = ids(1 + Math.floor(random() * 12), false);
    for (const id of chosen) next.set(id, fresh(id));
    return { method: 'PUT', path: `/collections/${C}/points${q}`, body: { points: chosen.map((id) => ({ id, vector: fresh(id).vector, payload: fresh(id).payload })) }, next, describe: `upsert ${chosen.length}`, expect: 200 };
  }
  if (r < 0.5) {
    const chosen = ids(1 + Math.floor(random() * 8), true);
    for (const id of chosen) next.set(id, { ...model.get(id)!, payload: { ...model.get(id)!.payload, batch, tag } });
    return { method: 'POST', path: `/collections/${C}/points/payload${q}`, body: { payload: { batch, tag }, points: chosen }, next, describe: `set_payload ${chosen.length}`, expect: 200 };
  }
  if (r < 0.56) {
    const chosen = ids(1 + Math.floor(random() * 5), true);
    for (const id of chosen) next.set(id, { ...model.get(id)!, payload: { w, batch, tag } });
    return { method: 'PUT', path: `/collections/${C}/points/payload${q}`, body: { payload: { w, batch, tag }, points: chosen }, next, describe: `overwrite_payload ${chosen.length}`, expect: 200 };
  }
  if (r < 0.66) {
    const chosen = ids(1 + Math.floor(random() * 6), true);
    for (const id of chosen) next.delete(id);
    return { method: 'POST', path: `/collections/${C}/points/delete${q}`, body: { points: chosen }, next, describe: `delete ${chosen.length}`, expect: 200 };
  }
  if (r < 0.7) {
    const victim = TAGS[Math.floor(random() * TAGS.length)]!;
    for (const [id, p] of model) if (p.payload['tag'] === victim) next.delete(id);
    // A tenant names the tag only: its grant keeps the delete inside its own points.
    const must = [...(tenant ? [] : [{ key: 'w', match: { value: w } }]), { key: 'tag', match: { value: victim } }];
    return { method: 'POST', path: `/collections/${C}/points/delete${q}`, body: { filter: { must } }, next, describe: `delete tag=${victim}`, expect: 200 };
  }
  if (r < 0.77) {
    const chosen = ids(1 + Math.floor(random() * 4), true);
    for (const id of chosen) next.set(id, { ...model.get(id)!, vector: vectorFor(batch, id) });
    return { method: 'PUT', path: `/collections/${C}/points/vectors${q}`, body: { points: chosen.map((id) => ({ id, vector: vectorFor(batch, id) })) }, next, describe: `update_vectors ${chosen.length}`, expect: 200 };
  }
  if (r < 0.81) {
    const chosen = ids(1 + Math.floor(random() * 4), true);
    for (const id of chosen) {
      const { val: _val, ...rest } = model.get(id)!.payload;
      next.set(id, { ...model.get(id)!, payload: rest });
    }
    return { method: 'POST', path: `/collections/${C}/points/payload/delete${q}`, body: { keys: ['val'], points: chosen }, next, describe: `delete_payload ${chosen.length}`, expect: 200 };
  }
  // An atomic batch: upserts, a payload update and deletes in one request, all or nothing.
  const up = ids(1 + Math.floor(random() * 6), false);
  for (const id of up) next.set(id, fresh(id));
  const touched = ids(1 + Math.floor(random() * 4), true).filter((id) => !up.includes(id));
  for (const id of touched) next.set(id, { ...model.get(id)!, payload: { ...model.get(id)!.payload, batch, touched: true } });
  const gone = ids(1 + Math.floor(random() * 3), true).filter((id) => !up.includes(id) && !touched.includes(id));
  for (const id of gone) next.delete(id);
  const operations: unknown[] = [{ upsert: { points: up.map((id) => ({ id, vector: fresh(id).vector, payload: fresh(id).payload })) } }];
  if (touched.length > 0) operations.push({ set_payload: { payload: { batch, touched: true }, points: touched } });
  if (gone.length > 0) operations.push({ delete: { points: gone } });
  return { method: 'POST', path: `/collections/${C}/points/batch${q}`, body: { operations }, next, describe: `batch ${up.length}+${touched.length}+${gone.length}`, expect: 200 };
}

/** The payload indexes the indexer cycles through (besides `w` and `batch`, created once). */
const CYCLE: ReadonlyArray<readonly [string, string]> = [
  ['tag', 'keyword'],
  ['val', 'integer'],
];

function sameState(a: PointState | undefined, b: PointState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(sortKeys(a.payload)) === JSON.stringify(sortKeys(b.payload)) && a.vector.every((x, i) => x === b.vector[i]) && a.vector.length === b.vector.length;
}

function sortKeys(p: Payload): Payload {
  return Object.fromEntries(Object.entries(p).sort(([x], [y]) => (x < y ? -1 : 1)));
}

function firstDifference(actual: Model, expected: Model): string {
  for (const id of new Set([...actual.keys(), ...expected.keys()])) {
    if (!sameState(actual.get(id), expected.get(id))) return `id ${id}: stored ${JSON.stringify(actual.get(id) ?? null)}, expected ${JSON.stringify(expected.get(id) ?? null)}`;
  }
  return 'none';
}

/** Writer `w`'s ids as stored, read with `headers` (over gRPC for the gRPC writers). */
async function readWriter(server: ChildServer, w: number, headers: Record<string, string>): Promise<Map<number, PointState>> {
  const url = server.url;
  const ids = Array.from({ length: POOL }, (_, i) => w * 100_000 + i + 1);
  if (overGrpc(w)) {
    const client = new GrpcPoints(server.grpcPort, headers);
    try {
      return new Map((await client.retrieve(C, ids)).map((p) => [p.id, { payload: p.payload, vector: p.vector }]));
    } finally {
      client.close();
    }
  }
  const r = await call(url, 'POST', `/collections/${C}/points`, { ids, with_payload: true, with_vector: true }, headers);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new Map((r.body.result as Array<{ id: number; payload: Payload; vector: number[] }>).map((p) => [p.id, { payload: p.payload, vector: p.vector }]));
}

describe('crash safety under mixed writes', () => {
  for (const variant of VARIANTS) {
    if (variant.rounds > 0) it(`keeps every acknowledged write and no partial one across ${variant.rounds} SIGKILL rounds (${variant.name})`, { timeout: 900_000 }, (t) => crashRounds(t, variant));
  }
});

async function crashRounds(t: { diagnostic(message: string): void }, variant: Variant): Promise<void> {
  const ROUNDS = variant.rounds;
  const ADMIN: Record<string, string> = variant.tenants ? { 'api-key': API_KEY } : {};
  const writerHeaders: Array<Record<string, string>> = await Promise.all(
    Array.from({ length: WRITERS }, async (_, w): Promise<Record<string, string>> => (variant.tenants ? { 'api-key': await tenantToken(w) } : {})),
  );
  const seed = Number(process.env['QUIVER_SEED'] ?? Date.now() % 1_000_000);
  const random = rng(seed);
  const writerRandom = Array.from({ length: WRITERS }, (_, w) => rng(seed + 7919 * (w + 1)));
  const indexerRandom = rng(seed + 104_729);
  const tag = (round: number): string => `${variant.name}, seed ${seed} round ${round}`;
  const dir = tempDir('quiver-crash-mixed-');
  const env = {
    QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'),
    QDRANT__AUDIT__ENABLED: 'true',
    QDRANT__AUDIT__DIR: join(dir, 'audit'),
    QDRANT__AUDIT__HMAC_KEY: AUDIT_KEY,
    ...variant.env(),
  };
  const models: Array<Map<number, PointState>> = Array.from({ length: WRITERS }, () => new Map());
  let indexes = new Set<string>(['w', 'batch']);
  let batchSeq = 1;
  let acked = 0;
  let ackedGrpc = 0;
  let refused = 0;
  let inFlightApplied = 0;
  const ackedSnapshots = new Set<string>();
  const checkedSnapshots = new Set<string>();
  let graphProbes = 0;
  const graphMisses: string[] = [];
  let server: ChildServer | undefined;
  try {
    server = await startChildServer(dir, env);
    // indexing_threshold 1 KiB: graphs are built (and their images saved) while the writes go on.
    let r = await call(server.url, 'PUT', `/collections/${C}`, { vectors: { size: DIM, distance: 'Euclid' }, optimizers_config: { indexing_threshold: 1 }, hnsw_config: { m: 8, ef_construct: 32 } }, ADMIN);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const field of ['w', 'batch']) {
      r = await call(server.url, 'PUT', `/collections/${C}/index?wait=true`, { field_name: field, field_schema: 'integer' }, ADMIN);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    assert.equal((await call(server.url, 'GET', `/collections/${C}/snapshots`, undefined, ADMIN)).status, 200, 'the snapshot list route answers');

    for (let round = 0; round < ROUNDS; round++) {
      const s: ChildServer = server;
      let killed = false;
      const ackedBefore = acked;
      const pending: Array<Model | undefined> = Array.from({ length: WRITERS }, () => undefined);
      let pendingIndex: Set<string> | undefined;
      const writers = models.map(async (model, w) => {
        let current: Model = model;
        const grpc = overGrpc(w) ? new GrpcPoints(s.grpcPort, writerHeaders[w]) : undefined;
        try {
          while (!killed) {
            const step = planStep(w, current, batchSeq++, writerRandom[w]!, variant.tenants);
            pending[w] = step.next;
            let res: Json;
            try {
              res = grpc === undefined ? await call(s.url, step.method, step.path, step.body, writerHeaders[w]) : { status: 200, body: await grpc.write(step.method, step.path, step.body) };
            } catch (e) {
              // A gRPC status before the kill is an answer (the test fails on it below); a failure after the kill
              // is the connection dying with the server: this step may or may not have been applied.
              if (grpc === undefined || killed) return;
              res = { status: e instanceof GrpcCallError && e.code === GrpcStatus.PERMISSION_DENIED ? 403 : 0, body: String(e) };
            }
            pending[w] = undefined;
            assert.equal(res.status, step.expect, `${tag(round)}: writer ${w} (${grpc === undefined ? 'REST' : 'gRPC'}) ${step.describe} answered ${res.status}: ${JSON.stringify(res.body)}`);
            current = step.next;
            models[w] = new Map(step.next);
            if (step.expect !== 200) {
              refused++;
              continue;
            }
            acked++;
            if (grpc !== undefined) ackedGrpc++;
          }
        } finally {
          grpc?.close();
        }
      });
      const indexer = (async () => {
        let k = round;
        while (!killed) {
          const [field, schema] = CYCLE[k++ % CYCLE.length]!;
          const drop = indexes.has(field);
          const next = new Set(indexes);
          if (drop) next.delete(field);
          else next.add(field);
          pendingIndex = next;
          let res: Json;
          try {
            res = drop
              ? await call(s.url, 'DELETE', `/collections/${C}/index/${field}?wait=true`, undefined, ADMIN)
              : await call(s.url, 'PUT', `/collections/${C}/index?wait=${indexerRandom() < 0.5}`, { field_name: field, field_schema: schema }, ADMIN);
          } catch {
            return;
          }
          pendingIndex = undefined;
          assert.equal(res.status, 200, `${tag(round)}: index ${drop ? 'delete' : 'create'} ${field} answered ${res.status}: ${JSON.stringify(res.body)}`);
          indexes = next;
          await new Promise((resolve) => setTimeout(resolve, 30 + indexerRandom() * 120));
        }
      })();

      const snapshotter = (async () => {
        while (!killed) {
          await new Promise((resolve) => setTimeout(resolve, 100 + indexerRandom() * 400));
          if (killed) return;
          let res: Json;
          try {
            res = await call(s.url, 'POST', `/collections/${C}/snapshots?wait=true`, undefined, ADMIN);
          } catch {
            return;
          }
          assert.equal(res.status, 200, `${tag(round)}: snapshot answered ${res.status}: ${JSON.stringify(res.body)}`);
          ackedSnapshots.add(res.body.result.name as string);
        }
      })();

      // Every fifth round the kill lands right after a restart instead (startup recovery, graph rebuilds), at a
      // random moment. Every other round waits (polling the acknowledgement count, whatever the machine's speed)
      // until a random number of writes were acknowledged in this round, so it always checks real writes.
      if (round % 5 === 4) {
        await new Promise((resolve) => setTimeout(resolve, random() * 150));
      } else {
        const target = ackedBefore + 5 + Math.floor(random() * 60);
        // The last round also waits for the run's first acknowledged snapshot, if there is none yet: with few
        // rounds of fast writes every kill could land before the snapshotter's first answer (seed 392223).
        const needSnapshot = (): boolean => round === ROUNDS - 1 && ackedSnapshots.size === 0;
        const deadline = Date.now() + 120_000;
        while ((acked < target || needSnapshot()) && s.proc.exitCode === null) {
          if (Date.now() > deadline) assert.fail(`${tag(round)}: only ${acked - ackedBefore} writes and ${ackedSnapshots.size} snapshots acknowledged in 120 s`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      killed = true;
      s.proc.kill('SIGKILL');
      const exited = await Promise.allSettled([...writers, indexer, snapshotter]);
      for (const e of exited) if (e.status === 'rejected') throw e.reason;
      await new Promise((resolve) => (s.proc.exitCode !== null || s.proc.signalCode !== null ? resolve(null) : s.proc.once('exit', resolve)));

      server = await startChildServer(dir, env);
      const url = server.url;

      // 1. Each writer's ids hold the acknowledged state, or that plus the whole step in flight (read with the admin
      //    key: so no write of a tenant reached another's points); a tenant reads the same through its grant.
      for (let w = 0; w < WRITERS; w++) {
        const stored = await readWriter(server, w, ADMIN);
        if (variant.tenants) {
          const own = await readWriter(server, w, writerHeaders[w]!);
          assert.equal(firstDifference(own, stored), 'none', `${tag(round)}: writer ${w} reads through its tenant grant something else than is stored`);
        }
        const model = models[w]!;
        const inFlight = pending[w];
        const matchesAcked = firstDifference(stored, model) === 'none';
        const matchesInFlight = inFlight !== undefined && firstDifference(stored, inFlight) === 'none';
        assert.ok(
          matchesAcked || matchesInFlight,
          `${tag(round)}: writer ${w} lost an acknowledged write or kept part of one: ${firstDifference(stored, model)}` +
            (inFlight === undefined ? '' : `; against the in-flight step: ${firstDifference(stored, inFlight)}`),
        );
        if (!matchesAcked && inFlight !== undefined) {
          models[w] = new Map(inFlight);
          inFlightApplied++;
        }
      }

      // 2. Payload indexes: the acknowledged set, or with the change in flight.
      const info = (await call(url, 'GET', `/collections/${C}`, undefined, ADMIN)).body.result;
      const schema = new Set(Object.keys(info.payload_schema as object));
      const same = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
      assert.ok(same(schema, indexes) || (pendingIndex !== undefined && same(schema, pendingIndex)), `${tag(round)}: payload indexes ${[...schema].join(',')} ≠ acknowledged ${[...indexes].join(',')}`);
      if (!same(schema, indexes)) indexes = schema;

      // 3. Indexes agree with the stored data.
      const all = [...models.values()].flatMap((m) => [...m.entries()]);
      assert.equal(info.points_count, all.length, `${tag(round)}: points_count ${info.points_count}, stored ${all.length}`);
      for (const field of schema) {
        const having = all.filter(([, p]) => p.payload[field] !== undefined).length;
        assert.equal(info.payload_schema[field].points, having, `${tag(round)}: payload_schema.${field}.points`);
      }
      const counts: Array<[unknown, number]> = [
        ...TAGS.map((tg): [unknown, number] => [{ key: 'tag', match: { value: tg } }, all.filter(([, p]) => p.payload['tag'] === tg).length]),
        [{ key: 'val', range: { lt: 50 } }, all.filter(([, p]) => typeof p.payload['val'] === 'number' && p.payload['val'] < 50).length],
        ...Array.from({ length: WRITERS }, (_, w): [unknown, number] => [{ key: 'w', match: { value: w } }, models[w]!.size]),
        [{ key: 'batch', range: { gte: Math.floor(batchSeq / 2) } }, all.filter(([, p]) => (p.payload['batch'] as number) >= Math.floor(batchSeq / 2)).length],
      ];
      for (const [condition, expected] of counts) {
        const got = (await call(url, 'POST', `/collections/${C}/points/count`, { filter: { must: [condition] }, exact: true }, ADMIN)).body.result.count;
        assert.equal(got, expected, `${tag(round)}: count ${JSON.stringify(condition)} = ${got}, a scan of the stored points gives ${expected}`);
      }

      // 4. Search finds stored points by their own vector: always with exact search, and through the HNSW graph
      //    (restored image + re-queued vectors) within a small failure budget, as for any approximate index.
      for (let k = 0; k < 8 && all.length > 0; k++) {
        const [id, p] = all[Math.floor(random() * all.length)]!;
        for (const exact of [true, false]) {
          const q = await call(url, 'POST', `/collections/${C}/points/query`, { query: p.vector, limit: 1, params: { exact } }, ADMIN);
          assert.equal(q.status, 200, JSON.stringify(q.body));
          const top = q.body.result.points[0];
          const found = top !== undefined && top.score === 0;
          if (exact) assert.ok(found, `${tag(round)}: exact query with the vector of point ${id} found ${JSON.stringify(top)}`);
          else {
            graphProbes++;
            if (!found) graphMisses.push(`${tag(round)}: point ${id} → ${JSON.stringify(top)}`);
          }
        }
      }

      // 5. Snapshots: every acknowledged one is listed, every listed one is whole.
      {
        const listed = (await call(url, 'GET', `/collections/${C}/snapshots`, undefined, ADMIN)).body.result as Array<{ name: string; size: number; checksum: string }>;
        const names = new Set(listed.map((x) => x.name));
        for (const name of ackedSnapshots) assert.ok(names.has(name), `${tag(round)}: acknowledged snapshot ${name} is not listed after restart`);
        for (const x of listed.filter((l) => !checkedSnapshots.has(l.name))) {
          const d = await fetch(`${url}/collections/${C}/snapshots/${encodeURIComponent(x.name)}`, { headers: ADMIN });
          assert.equal(d.status, 200, `${tag(round)}: download of listed snapshot ${x.name}`);
          const bytes = Buffer.from(await d.arrayBuffer());
          assert.equal(bytes.length, x.size, `${tag(round)}: snapshot ${x.name} is ${bytes.length} bytes, listed as ${x.size}`);
          assert.equal(createHash('sha256').update(bytes).digest('hex'), x.checksum, `${tag(round)}: snapshot ${x.name} does not match its checksum`);
          checkedSnapshots.add(x.name);
        }
      }

      // 6. The audit log verifies (its last line may be torn by the kill; the server cut it on start).
      const audit = verifyAuditDir(join(dir, 'audit'), Buffer.from(AUDIT_KEY, 'utf8'));
      assert.ok(audit.ok, `${tag(round)}: audit log: ${JSON.stringify(audit)}`);
    }
    assert.ok(acked > 0, `${seed}: no write was acknowledged in ${ROUNDS} rounds`);
    assert.ok(ackedGrpc > 0 && ackedGrpc < acked, `${seed}: ${ackedGrpc} of ${acked} acknowledged writes were gRPC writes; both transports must have written`);
    assert.ok(ackedSnapshots.size > 0, `${seed}: no snapshot was acknowledged in ${ROUNDS} rounds`);
    if (variant.tenants) assert.ok(refused > 0, `${seed}: no write leaving a tenant was tried in ${ROUNDS} rounds`);
    assert.ok(graphMisses.length <= Math.max(2, graphProbes * GRAPH_MISS_BUDGET), `graph search missed ${graphMisses.length} of ${graphProbes} stored vectors:\n${graphMisses.join('\n')}`);
    t.diagnostic(`seed ${seed}: ${ROUNDS} rounds, ${acked} acknowledged writes (${ackedGrpc} over gRPC), ${inFlightApplied} in-flight writes found applied after restart, ${graphMisses.length}/${graphProbes} graph misses, ${ackedSnapshots.size} snapshots, ${refused} refused tenant escapes`);
    await server.stop('SIGTERM');
  } catch (e) {
    if (server !== undefined && server.proc.exitCode === null) t.diagnostic(`server output:\n${server.output().slice(-3000)}`);
    throw e;
  } finally {
    if (server !== undefined && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    removeDir(dir);
  }
}
