/**
 * The reply serialisers side by side, in process: proto-loader's generic `responseSerialize` (`fromObject` then
 * `encode`) vs the hand-written encoders of `src/api/grpc/wire/encode-replies.ts`, on the replies the presenters
 * build — a `Query` reply of `limit` scored points with a small payload (optionally with their vectors), and an
 * `Upsert` reply. Rounds alternate between the two so that drift in the machine's load falls on both; µs per
 * reply (process CPU time) is the median round.
 *
 *   node --import tsx bench/grpc-encode.ts [--limit=10] [--dim=64] [--rounds=15] [--per-round=2000]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import type { MethodDefinition } from '@grpc/grpc-js';
import { contract } from '../src/api/grpc/proto.js';
import { encodeOperation, encodeScoredPoints } from '../src/api/grpc/wire/encode-replies.js';
import { scoredPoint } from '../src/api/grpc/present/points.js';
import { DEFAULT_VECTOR } from '../src/collection/vectors.js';
import { mulberry32 } from '../src/index/random.js';
import type * as M from '../src/api/grpc/generated/messages.js';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '10' }, dim: { type: 'string', default: '64' }, rounds: { type: 'string', default: '15' }, 'per-round': { type: 'string', default: '2000' } } });
const LIMIT = Number(values.limit);
const DIM = Number(values.dim);
const ROUNDS = Number(values.rounds);
const PER_ROUND = Number(values['per-round']);
const rnd = mulberry32(7);
const points = contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>;

function reply(withVectors: boolean): M.QueryResponse {
  const result = Array.from({ length: LIMIT }, (_, i) =>
    scoredPoint({
      id: 1000 + i,
      payload: { n: i, city: `city-${i}`, price: rnd() * 100, tags: ['a', 'b'] },
      vectors: withVectors ? new Map([[DEFAULT_VECTOR, { kind: 'dense', data: Float32Array.from({ length: DIM }, () => rnd()) }]]) : null,
      score: rnd(),
      version: i,
    } as never),
  );
  return { result, time: 0.000123 };
}

/** Median CPU µs per call of `a` and of `b` over ROUNDS rounds of PER_ROUND calls each, alternating. */
function sideBySide(a: () => unknown, b: () => unknown): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  // CPU time, not wall time: on a loaded machine the process is descheduled for most of the wall time.
  const time = (fn: () => unknown): number => {
    const t = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) fn();
    const used = process.cpuUsage(t);
    return (used.user + used.system) / PER_ROUND;
  };
  for (let r = 0; r < ROUNDS + 2; r++) {
    const [x, y] = r % 2 === 0 ? [time(a), time(b)] : [time(b), time(a)].reverse() as [number, number];
    if (r >= 2) {
      ta.push(x);
      tb.push(y);
    }
  }
  const median = (v: number[]): number => v.sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  return [median(ta), median(tb)];
}

console.log(`Reply serialisation, CPU µs per reply (median of ${ROUNDS} alternating rounds of ${PER_ROUND}); load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
console.log('| reply | proto-loader generic | hand-written | generic / hand-written |\n|---|---|---|---|');
for (const [name, path, msg, mine] of [
  [`Query, ${LIMIT} points with payload`, 'Query', reply(false), encodeScoredPoints],
  [`Query, ${LIMIT} points with payload and ${DIM}-d vectors`, 'Query', reply(true), encodeScoredPoints],
  ['Upsert (UpdateResult)', 'Upsert', { result: { operation_id: 123456, status: 'Completed' }, time: 0.00042 }, encodeOperation],
] as Array<[string, string, unknown, (m: never) => Buffer | undefined]>) {
  const generic = points[path]!.responseSerialize;
  if (!generic(msg).equals(mine(msg as never)!)) throw new Error(`${name}: the encoders disagree`);
  const [g, h] = sideBySide(() => generic(msg), () => mine(msg as never));
  console.log(`| ${name} | ${g.toFixed(2)} | ${h.toFixed(2)} | **${(g / h).toFixed(1)}×** |`);
}
