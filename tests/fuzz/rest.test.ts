/**
 * REST fuzz: fast-check generates short sequences of requests to every route of ALL_ROUTES (valid and
 * invalid bodies, headers, credentials, ids, filters, path and query parameters; see
 * tests/support/generators.ts) against an in-process server with API keys and JWT enabled, and checks:
 *
 * - no 5xx (a 507 only after the run itself lowered the quotas);
 * - every 4xx is Qdrant-format JSON (`{"status":{"error":…},"time":…}`), or one of the documented
 *   plain-text authentication failures (docs/security.md);
 * - a 200 from an operation of Qdrant's spec matches the spec's response schema;
 * - a rejected write changes nothing (collections, aliases, quotas, every point, vector and payload,
 *   payload index counts);
 * - the server still answers /healthz and no promise rejection escaped.
 *
 * Every run starts from the same state (the fixture is rebuilt after a run that changed anything), so a
 * failure replays from its seed and path alone:
 *
 *   QUIVER_FUZZ_SEED=<seed> QUIVER_FUZZ_PATH=<path> node --import tsx --test tests/fuzz/rest.test.ts
 *
 * CI runs QUIVER_FUZZ_RUNS (default 250) runs: the first QUIVER_FUZZ_MIN_RUNS (default 100) whatever the time they
 * take, the rest within QUIVER_FUZZ_TIME_MS (default 40 s) in all, and the test checks that at least the minimum
 * ran: a slow machine must not turn the suite into a handful of runs.
 * `npm run fuzz` runs 10 000 (or QUIVER_FUZZ_RUNS) without a time limit.
 *
 * The suite runs twice: with the storage the run configures (plain, or encrypted with QUIVER_TEST_ENCRYPTION=1),
 * then with encryption at rest on (issue 17), for QUIVER_FUZZ_ENCRYPTED_RUNS (default 40) runs, at least a quarter
 * of them whatever the time, the rest within 15 s — snapshot creation, upload and recovery then go through the
 * sealed work files. QUIVER_FUZZ_VERBOSE=1 lists the
 * most frequent error answers, to see what the generators reach.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encryptedStorageEnv, startTestApp, removeDir, type TestApp } from '../support/app.js';
import { FIXTURE, fixtureRequests, requestArb, type Credentials, type FuzzRequest } from '../support/generators.js';
import { duplicateClaimTokens, nonCanonicalSpellings } from '../support/jwt-variants.js';
import { responseMismatch } from '../support/openapi.js';
import { ACCESS_TABLE, isOperationName } from '../../src/auth/access-table.js';
import { ERRORS, isPlainText, type ErrorCode } from '../../src/errors.js';
import { mintJwt } from '../../src/auth/jwt.js';
import spec from '../../src/api/rest/schemas/openapi.gen.json' with { type: 'json' };

const RUNS = Number(process.env['QUIVER_FUZZ_RUNS'] ?? 250);
const TIME_LIMIT_MS = Number(process.env['QUIVER_FUZZ_TIME_MS'] ?? (process.env['QUIVER_FUZZ_RUNS'] === undefined ? 40_000 : 0));
const MIN_RUNS = Math.min(RUNS, Number(process.env['QUIVER_FUZZ_MIN_RUNS'] ?? 100));
const SEED = process.env['QUIVER_FUZZ_SEED'] === undefined ? undefined : Number(process.env['QUIVER_FUZZ_SEED']);
const PATH = process.env['QUIVER_FUZZ_PATH'];
const ENCRYPTED_RUNS = Number(process.env['QUIVER_FUZZ_ENCRYPTED_RUNS'] ?? 40);

interface Variant {
  readonly name: string;
  readonly env: () => Record<string, string>;
  readonly runs: number;
  readonly minRuns: number;
  readonly timeLimitMs: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'storage as configured by the run', env: () => ({}), runs: RUNS, minRuns: MIN_RUNS, timeLimitMs: TIME_LIMIT_MS },
  { name: 'encryption at rest', env: encryptedStorageEnv, runs: ENCRYPTED_RUNS, minRuns: Math.ceil(ENCRYPTED_RUNS / 4), timeLimitMs: 15_000 },
];

/** QUIVER_FUZZ_VERBOSE=1 also lists the most frequent error messages (to see what the generators hit). */
const VERBOSE = process.env['QUIVER_FUZZ_VERBOSE'] !== undefined;

/**
 * Server defects this suite found that are not fixed yet. Each has a precise failing test in
 * tests/fuzz/defects.test.ts; the property tolerates exactly that signature so that it keeps hunting for new
 * ones. Delete the entry when the defect is fixed (its failing test then passes).
 */
const KNOWN_DEFECTS: ReadonlyArray<{ id: string; matches: (req: FuzzRequest, res: Response) => boolean }> = [
  // None open: framework URL errors and malformed multipart uploads were fixed (tests/fuzz/defects.test.ts).
];

/**
 * Qdrant's own answers on a standalone node are 500s (cluster_api.rs: no peers to ask for telemetry, no
 * consensus to recover): Quiver answers as Qdrant does, so these two texts are the only server errors expected.
 */
const STANDALONE_500: ReadonlyMap<string, string> = new Map([
  ['cluster_telemetry', 'Service internal error: Could not get telemetry from cluster'],
  ['recover_current_peer', 'Service internal error: Qdrant is running in standalone mode'],
]);

const AUTH_TEXTS = new Set<string>((Object.keys(ERRORS) as ErrorCode[]).filter(isPlainText).map((c) => ERRORS[c].message));
const specOperations = spec.operations as unknown as Record<string, { response: unknown }>;

const MANAGE_KEY = 'fuzz-manage-key-0123456789abcdef0123456789';
const READ_KEY = 'fuzz-read-only-key-0123456789abcdef012345678';
const ADMIN = { 'api-key': MANAGE_KEY };

interface Response {
  status: number;
  text: string;
  body: unknown;
  contentType: string;
}

/** Storage on tmpfs when there is one: the fixture is rebuilt often and every commit is fsynced. */
function fastTempDir(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'quiver-fuzz-'));
}

async function credentials(): Promise<Credentials> {
  const jwts = await Promise.all([
    mintJwt(MANAGE_KEY, { access: { kind: 'global', level: 'm' } }),
    mintJwt(MANAGE_KEY, { access: { kind: 'global', level: 'r' }, expSeconds: 3600 }),
    mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: FIXTURE.collection, access: 'rw' }] } }),
    mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: FIXTURE.collection, access: 'prw' }, { collection: FIXTURE.named, access: 'r' }] } }),
    mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: FIXTURE.named, access: 'r' }] } }),
    mintJwt(MANAGE_KEY, { access: { kind: 'global', level: 'm' }, expSeconds: -3600 }),
    mintJwt(MANAGE_KEY, { subject: 'fuzz', valueExists: { collection: FIXTURE.collection, matches: [{ key: 'city', value: 'Berlin' }] } }),
  ]);
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const badJwts = [
    await mintJwt('another-key-that-signs-nothing-here-0123456789', { access: { kind: 'global', level: 'm' } }),
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ access: 'm' })}.`,
    `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ access: 'm' })}.c2ln`,
    jwts[0].slice(0, -5),
    'not.a.jwt',
    // One token, one meaning, one spelling: repeated claims and non-canonical base64url are refused.
    ...duplicateClaimTokens(MANAGE_KEY),
    ...jwts.slice(0, 3).flatMap(nonCanonicalSpellings),
  ];
  return { manage: MANAGE_KEY, readOnly: READ_KEY, jwts, badJwts };
}

/** Where two snapshots first differ, with some context. */
function difference(before: string, after: string): string {
  let i = 0;
  while (i < before.length && before[i] === after[i]) i++;
  const from = Math.max(0, i - 150);
  return `first difference at ${i}:\n  before: …${before.slice(from, i + 150)}…\n  after:  …${after.slice(from, i + 150)}…`;
}

for (const variant of VARIANTS) describe(`REST fuzz (${variant.name})`, () => {
  const RUNS = variant.runs;
  const MIN_RUNS = variant.minRuns;
  const TIME_LIMIT_MS = variant.timeLimitMs;
  let app: TestApp;
  let dir: string;
  const escaped: unknown[] = [];
  const onRejection = (e: unknown): void => {
    escaped.push(e);
  };
  let canonical = '';
  let quotaConfig: unknown;

  async function send(req: Pick<FuzzRequest, 'method' | 'url' | 'headers' | 'body'>): Promise<Response> {
    const headers = { ...req.headers };
    let payload: string | undefined;
    if (req.body.kind === 'json') payload = JSON.stringify(req.body.value) ?? 'null';
    else if (req.body.kind === 'text') payload = req.body.text;
    const res = await app.app.inject({ method: req.method as 'GET', url: req.url, headers, ...(payload === undefined ? {} : { payload }) });
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, text: res.body, body, contentType: String(res.headers['content-type'] ?? '') };
  }

  async function admin(method: string, url: string, body?: unknown): Promise<any> {
    const r = await send({ method, url, headers: { ...ADMIN, 'content-type': 'application/json' }, body: body === undefined ? { kind: 'none' } : { kind: 'json', value: body } });
    assert.ok(r.status < 300, `fixture request ${method} ${url} → ${r.status}: ${r.text.slice(0, 300)}`);
    return r.body;
  }

  /** Names of the snapshots listed at `url`. */
  async function snapshotNames(url: string): Promise<string[]> {
    const r = await send({ method: 'GET', url, headers: ADMIN, body: { kind: 'none' } });
    assert.equal(r.status, 200, `GET ${url} → ${r.status}: ${r.text.slice(0, 300)}`);
    return ((r.body as { result: Array<{ name: string }> }).result ?? []).map((x) => x.name).sort();
  }

  /** The strict mode a run may have switched on for a collection (`GET /collections/{name}` result). */
  function strictMode(info: unknown): { enabled?: boolean | null; max_query_limit?: number | null } | undefined {
    return (info as { config?: { strict_mode_config?: { enabled?: boolean | null; max_query_limit?: number | null } } }).config?.strict_mode_config;
  }

  /** Every point of collection `name`, scrolled in pages no larger than its strict mode allows (`max_query_limit`). */
  async function scrollAll(name: string, info: unknown, body: Record<string, unknown>): Promise<any[]> {
    const strict = strictMode(info);
    const limit = strict?.enabled === true && typeof strict.max_query_limit === 'number' ? Math.min(100_000, strict.max_query_limit) : 100_000;
    const points: unknown[] = [];
    for (let offset: unknown = null; ; ) {
      const page = (await admin('POST', `/collections/${encodeURIComponent(name)}/points/scroll`, { ...body, limit, ...(offset === null ? {} : { offset }) })).result as { points: unknown[]; next_page_offset?: unknown };
      points.push(...page.points);
      if (page.next_page_offset === null || page.next_page_offset === undefined) return points;
      offset = page.next_page_offset;
    }
  }

  /** Everything a write could change, as one string (times and usage figures left out). */
  async function snapshot(): Promise<string> {
    const names = ((await admin('GET', '/collections')).result.collections as Array<{ name: string }>).map((c) => c.name).sort();
    const aliases = (await admin('GET', '/aliases')).result.aliases;
    const quotas = (await admin('GET', '/quotas')).result.config;
    const fullSnapshots = await snapshotNames('/snapshots');
    const collections: unknown[] = [];
    for (const name of names) {
      // Status, optimizer status and indexed vector counts follow background index builds, not writes.
      const { status: _s, optimizer_status: _o, indexed_vectors_count: _i, update_queue: _u, warnings: _w, ...info } = (await admin('GET', `/collections/${encodeURIComponent(name)}`)).result;
      const points = await scrollAll(name, info, { with_payload: true, with_vector: true });
      const snapshots = await snapshotNames(`/collections/${encodeURIComponent(name)}/snapshots`);
      collections.push({ name, info, points, snapshots });
    }
    return JSON.stringify({ names, aliases, quotas, fullSnapshots, collections });
  }

  /**
   * Waits until the stored state stops changing: an accepted `wait=false` operation (a snapshot, say) may finish
   * after its answer, and its effect must not be blamed on the next request.
   */
  async function settle(): Promise<void> {
    let last = await snapshot();
    const deadline = Date.now() + 10_000;
    for (let i = 0; Date.now() < deadline; i++) {
      await new Promise((resolve) => setTimeout(resolve, i === 0 ? 0 : 20));
      const now = await snapshot();
      if (now === last) return;
      last = now;
    }
    assert.fail('the stored state kept changing for 10 s after an accepted write');
  }

  /**
   * Waits until no snapshot creation or recovery runs: what a `wait=false` request started in the background.
   * Waiting for the first visible change was not enough: work that changes state in several steps, or takes longer
   * than the wait, would change it after the check and be blamed on the next request.
   */
  async function snapshotWorkDone(): Promise<void> {
    // The answer came back a turn after the handler started the work (and counted it).
    await new Promise((resolve) => setImmediate(resolve));
    await app.deps.snapshots.activity.idle();
  }

  /** Drops every snapshot and collection and rebuilds the fixture. */
  async function resetFixture(): Promise<void> {
    await snapshotWorkDone();
    for (const name of await snapshotNames('/snapshots')) await admin('DELETE', `/snapshots/${encodeURIComponent(name)}?wait=true`);
    const deleted: Array<[string, unknown]> = [];
    for (const c of (await admin('GET', '/collections')).result.collections as Array<{ name: string }>) {
      const base = `/collections/${encodeURIComponent(c.name)}`;
      for (const name of await snapshotNames(`${base}/snapshots`)) await admin('DELETE', `${base}/snapshots/${encodeURIComponent(name)}?wait=true`);
      deleted.push([c.name, (await admin('DELETE', base)).result]);
    }
    // Nothing may be left (a rebuild once met `fz` again: 409 on its PUT); say what was deleted and what is running.
    const left = ((await admin('GET', '/collections')).result.collections as Array<{ name: string }>).map((c) => c.name);
    const aliases = (await admin('GET', '/aliases')).result.aliases as unknown[];
    const { creating, recovering } = app.deps.snapshots.activity;
    const state = `deleted (name, result): ${JSON.stringify(deleted)}; left: ${JSON.stringify(left)}; aliases: ${JSON.stringify(aliases)}; snapshot work: creating ${creating}, recovering ${recovering}`;
    assert.ok(left.length === 0 && aliases.length === 0 && deleted.every(([, result]) => result === true), `the fixture reset left state behind: ${state}`);
    await admin('PUT', '/quotas', quotaConfig);
    for (const [method, url, body] of fixtureRequests()) await admin(method, url, body);
  }

  before(async () => {
    process.on('unhandledRejection', onRejection);
    dir = fastTempDir();
    app = await startTestApp(
      {
        QDRANT__SERVICE__API_KEY: MANAGE_KEY,
        QDRANT__SERVICE__READ_ONLY_API_KEY: READ_KEY,
        QDRANT__SERVICE__JWT_RBAC: 'true',
        QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '4',
        QDRANT__AUDIT__ENABLED: 'true',
        QDRANT__AUDIT__DIR: join(dir, 'audit'),
        ...variant.env(),
      },
      {},
      dir,
    );
    quotaConfig = (await admin('GET', '/quotas')).result.config;
    await resetFixture();
    canonical = await snapshot();
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    await app.close();
    removeDir(dir);
  });

  /** Asserts the response rules that hold for any request, whatever came before. */
  function checkResponse(req: FuzzRequest, res: Response, quotasMayRefuse: boolean): void {
    if (KNOWN_DEFECTS.some((d) => d.matches(req, res))) return;
    const where = `${req.method} ${req.url.slice(0, 300)} (${req.operation ?? 'no route'}) → ${res.status}: ${res.text.slice(0, 400)}`;
    if (res.status >= 500) {
      const quota = res.status === 507 && quotasMayRefuse;
      // A HEAD answer carries no body: the GET's status is all there is to check.
      const expected = req.operation === null || req.operation === undefined ? undefined : STANDALONE_500.get(req.operation);
      const standalone = res.status === 500 && expected !== undefined && (req.method === 'HEAD' || (res.body as { status?: { error?: unknown } } | undefined)?.status?.error === expected);
      assert.ok(quota || standalone, `server error: ${where}`);
    }
    // HEAD answers carry no body; OPTIONS is CORS preflight, answered by @fastify/cors (400 `Invalid Preflight
    // Request` as text when the Origin headers are missing), not by the API.
    if (res.status >= 400 && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      const authText = (res.status === 401 || res.status === 403) && res.contentType.startsWith('text/plain') && AUTH_TEXTS.has(res.text);
      if (!authText) {
        const b = res.body as { status?: { error?: unknown }; time?: unknown } | undefined;
        assert.ok(res.contentType.startsWith('application/json'), `error is not JSON: ${where}`);
        assert.ok(typeof b === 'object' && b !== null && typeof b.status === 'object' && b.status !== null, `error is not Qdrant-format: ${where}`);
        assert.equal(typeof b.status.error, 'string', `error without status.error: ${where}`);
        assert.ok((b.status.error as string).length > 0, `empty error message: ${where}`);
        assert.equal(typeof b.time, 'number', `error without time: ${where}`);
      }
    }
    if (res.status === 200 && req.operation !== null && req.method !== 'HEAD' && res.contentType.startsWith('application/json')) {
      const op = Object.hasOwn(specOperations, req.operation) ? specOperations[req.operation] : undefined;
      if (op !== undefined && op.response !== null) {
        const problem = responseMismatch(req.operation, 200, res.body);
        assert.equal(problem, null, `response does not match the spec: ${where}\n${problem ?? ''}`);
      }
    }
  }

  /** After an accepted write: the fixture's keyword index answers like a scan of the stored payloads. */
  async function checkIndexAgreement(): Promise<void> {
    const names = ((await admin('GET', '/collections')).result.collections as Array<{ name: string }>).map((c) => c.name);
    if (!names.includes(FIXTURE.collection)) return;
    const info = (await admin('GET', `/collections/${FIXTURE.collection}`)).result;
    if (info.payload_schema?.city?.data_type !== 'keyword') return;
    // A strict mode the run switched on may refuse the filtered counts below (condition limits); the index is
    // checked in the runs that leave it off.
    if (strictMode(info)?.enabled === true) return;
    const points = (await scrollAll(FIXTURE.collection, info, { with_payload: ['city'] })) as Array<{ payload: { city?: unknown } | null }>;
    assert.equal(info.points_count, points.length, 'points_count differs from the number of points scrolled');
    for (const city of ['Berlin', 'London']) {
      const counted = (await admin('POST', `/collections/${FIXTURE.collection}/points/count`, { filter: { must: [{ key: 'city', match: { value: city } }] }, exact: true })).result.count;
      const scanned = points.filter((p) => {
        const v = p.payload?.city;
        return v === city || (Array.isArray(v) && v.includes(city));
      }).length;
      assert.equal(counted, scanned, `count with the keyword index (${counted}) differs from a scan (${scanned}) for city=${city}`);
    }
  }

  it(`answers every route without 5xx, in Qdrant's error format, and rejected writes change nothing`, { timeout: Math.max(600_000, RUNS * 250) }, async (t) => {
    const creds = await credentials();
    const statuses = new Map<string, Map<number, number>>();
    const reasons = new Map<string, number>();
    let runs = 0;
    let requests = 0;
    let dirty = false;
    const started = Date.now();
    const property = fc.asyncProperty(fc.array(requestArb(creds), { minLength: 1, maxLength: 4 }), async (reqs) => {
      runs++;
      if (dirty) {
        await resetFixture();
        dirty = false;
      }
      let quotasMayRefuse = false;
      for (const req of reqs) {
        requests++;
        const isWrite = req.operation === null ? req.method !== 'GET' : isOperationName(req.operation) && ACCESS_TABLE[req.operation].need.write;
        const before = isWrite ? await snapshot() : '';
        const res = await send(req);
        const byStatus = statuses.get(req.operation ?? '(no route)') ?? new Map<number, number>();
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        statuses.set(req.operation ?? '(no route)', byStatus);
        if (VERBOSE && res.status >= 400) {
          const reason = `${req.operation ?? '(no route)'} ${res.status} ${(typeof (res.body as any)?.status?.error === 'string' ? (res.body as any).status.error : res.text).slice(0, 70)}`;
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
        checkResponse(req, res, quotasMayRefuse);
        if (isWrite && res.status >= 400) {
          const after = await snapshot();
          if (after !== before) assert.fail(`a rejected write changed stored state: ${req.method} ${req.url} → ${res.status}: ${res.text.slice(0, 300)}\n${difference(before, after)}`);
        } else if (isWrite && res.status < 300) {
          dirty = true;
          if (req.operation === 'update_quotas') quotasMayRefuse = true;
          // 202: accepted, still running (a wait=false snapshot); wait for its effect before going on.
          if (res.status === 202) await snapshotWorkDone();
          await settle();
          await checkIndexAgreement();
        }
      }
      const health = await send({ method: 'GET', url: '/healthz', headers: {}, body: { kind: 'none' } });
      assert.equal(health.status, 200, 'the server stopped answering /healthz');
      assert.deepEqual(escaped, [], 'a promise rejection escaped');
    });
    const common = {
      ...(SEED === undefined ? {} : { seed: SEED }),
      // The failure message carries the seed, the path, the (shrunk) counterexample and the error itself.
      includeErrorInReport: true,
      endOnFailure: process.env['QUIVER_FUZZ_NO_SHRINK'] !== undefined,
    };
    // Phase 1: MIN_RUNS runs that no clock can cut short (a slow or loaded machine just takes longer). Phase 2: up
    // to RUNS in all, within what is left of the time budget. A replay (QUIVER_FUZZ_PATH) runs exactly its path.
    const phaseOne = PATH === undefined ? MIN_RUNS : RUNS;
    await fc.assert(property, { ...common, numRuns: phaseOne, ...(PATH === undefined ? {} : { path: PATH }) });
    const left = TIME_LIMIT_MS > 0 ? TIME_LIMIT_MS - (Date.now() - started) : Number.POSITIVE_INFINITY;
    if (PATH === undefined && RUNS > phaseOne && left > 0) {
      await fc.assert(property, {
        ...common,
        ...(SEED === undefined ? {} : { seed: SEED + 1 }),
        numRuns: RUNS - phaseOne,
        ...(Number.isFinite(left) ? { interruptAfterTimeLimit: left, markInterruptAsFailure: false } : {}),
      });
    }
    if (dirty) await resetFixture();
    const final = await snapshot();
    if (final !== canonical) assert.fail(`the fixture could not be rebuilt to its canonical state (the fuzz runs would not replay)\n${difference(canonical, final)}`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.diagnostic(`${runs} runs, ${requests} requests in ${seconds} s`);
    // Only with a time budget can fewer than RUNS have run (SEED/PATH replays run exactly what they name).
    if (PATH === undefined) assert.ok(runs >= MIN_RUNS, `only ${runs} fuzz runs in ${seconds} s (at least ${MIN_RUNS} required; QUIVER_FUZZ_MIN_RUNS)`);
    const lines = [...statuses.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, m]) => `${op}: ${[...m.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    for (const line of lines) t.diagnostic(line);
    if (VERBOSE) for (const [reason, n] of [...reasons.entries()].sort(([, a], [, b]) => b - a).slice(0, 400)) t.diagnostic(`${n}× ${reason}`);
  });
});
