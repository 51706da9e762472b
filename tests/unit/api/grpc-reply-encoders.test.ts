/**
 * The hand-written reply encoders (src/api/grpc/wire/encode-replies.ts) must write, byte for byte, what
 * proto-loader's generic serialiser of each RPC writes for the same reply object: checked on generated replies
 * (every field the presenters fill, and 64-bit integers, enums and floats in each form the message types accept),
 * for every RPC the encoders serve.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MethodDefinition } from '@grpc/grpc-js';
import { contract, servedServices } from '../../../src/api/grpc/proto.js';
import { REPLY_ENCODERS, encodeOperation, encodeScoredPoints, withReplyEncoders } from '../../../src/api/grpc/wire/encode-replies.js';
import { scoredPoint } from '../../../src/api/grpc/present/points.js';
import type * as M from '../../../src/api/grpc/generated/messages.js';

const RUNS = Number(process.env['QUIVER_FUZZ_RUNS'] ?? 300);
const SEED = 20261202;

function generic(path: string): (reply: unknown) => Buffer {
  const [service, method] = path.slice(1).split('/') as [string, string];
  return (contract().packageDefinition[service] as Record<string, MethodDefinition<unknown, unknown>>)[method]!.responseSerialize;
}

const u64 = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant(0), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String));
const i64 = fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String));
const float = fc.oneof(fc.float(), fc.double(), fc.constant(-0), fc.constant(Number.NaN), fc.constant(Infinity));
const floats = fc.array(float, { maxLength: 6 });

const { value } = fc.letrec<{ value: M.Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<M.Value>({ null_value: 'NULL_VALUE' }, { null_value: 0 }),
    fc.record({ double_value: float }),
    fc.record({ integer_value: i64 }),
    fc.record({ string_value: fc.string() }),
    fc.record({ bool_value: fc.boolean() }),
    fc.record({ struct_value: fc.record({ fields: fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }) }) }),
    fc.record({ list_value: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
  ),
}));

const vectorOutput: fc.Arbitrary<M.VectorOutput> = fc.oneof(
  fc.record({ dense: fc.record({ data: floats }) }),
  fc.record({ sparse: fc.record({ indices: fc.array(fc.nat(), { maxLength: 5 }), values: floats }) }),
  fc.record({ multi_dense: fc.record({ vectors: fc.array(fc.record({ data: floats }), { maxLength: 3 }) }) }),
  fc.record({ data: floats, indices: fc.record({ data: fc.array(fc.nat(), { maxLength: 4 }) }), vectors_count: fc.nat() }, { requiredKeys: [] }),
);

const scored: fc.Arbitrary<M.ScoredPoint> = fc.record(
  {
    id: fc.oneof(fc.record({ num: u64 }), fc.record({ uuid: fc.uuid() })),
    payload: fc.dictionary(fc.string(), value, { maxKeys: 4 }),
    score: float,
    version: u64,
    vectors: fc.oneof(fc.record({ vector: vectorOutput }), fc.record({ vectors: fc.record({ vectors: fc.dictionary(fc.string(), vectorOutput, { maxKeys: 3 }) }) })),
    shard_key: fc.oneof(fc.record({ keyword: fc.string() }), fc.record({ number: u64 })),
    order_value: fc.oneof(fc.record({ int: i64 }), fc.record({ float: float })),
  },
  { requiredKeys: ['id', 'payload', 'score', 'version'] },
);

const scoredReply = fc.record({ result: fc.array(scored, { maxLength: 5 }), time: fc.double({ min: 0, max: 10 }) }, { requiredKeys: ['result'] });
const operationReply = fc.record(
  {
    result: fc.record({ operation_id: u64, status: fc.constantFrom<M.UpdateStatus>('Acknowledged', 'Completed', 'UnknownUpdateStatus', 'WaitTimeout', 'ClockRejected', 2) }, { requiredKeys: [] }),
    time: fc.double({ min: 0, max: 10 }),
  },
  { requiredKeys: [] },
);

/** The paths the encoders serve, by encoder. */
const pathsOf = (encoder: unknown): string[] => Object.entries(REPLY_ENCODERS).filter(([, e]) => e === encoder).map(([p]) => p);

describe('gRPC reply encoders', () => {
  /** Every RPC `encoder` serves: its bytes equal each one's generic serialiser's for every generated reply. */
  function sameBytes<T>(encoder: (reply: T) => Buffer | undefined, replies: fc.Arbitrary<T>): void {
    const paths = pathsOf(encoder);
    fc.assert(
      fc.property(replies, (reply) => {
        const mine = encoder(reply);
        assert.ok(mine !== undefined);
        for (const p of paths) assert.deepEqual(mine, generic(p)(reply), p);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }

  it('scored-point replies: the same bytes as the generic serialiser of Query, Search, Recommend and Discover', () => {
    assert.deepEqual(pathsOf(encodeScoredPoints).sort(), ['/qdrant.Points/Discover', '/qdrant.Points/Query', '/qdrant.Points/Recommend', '/qdrant.Points/Search']);
    sameBytes(encodeScoredPoints, scoredReply);
  });

  it('write replies: the same bytes as the generic serialiser of every point write', () => {
    const paths = pathsOf(encodeOperation);
    assert.ok(paths.includes('/qdrant.Points/Upsert') && paths.length === 10, paths.join());
    sameBytes(encodeOperation, operationReply);
  });

  it('what the presenters build encodes as the generic serialiser encodes it', () => {
    const point = scoredPoint({ id: 7, payload: { a: 1, b: 1.5, c: 'x', d: null, e: [true, { f: -3 }], g: 2n ** 70n }, vectors: null, score: 0.25, version: 3 });
    const reply: M.QueryResponse = { result: [point, scoredPoint({ id: '2b3c0d2e-57a1-4c5e-9f1a-0c6a9d1c1e11', payload: {}, vectors: null, score: -1, version: 0 })], time: 0.001 };
    assert.deepEqual(encodeScoredPoints(reply), generic('/qdrant.Points/Query')(reply));
  });

  it('a reply with a field the encoders do not write (usage) goes through the generic serialiser', () => {
    const reply: M.QueryResponse = { result: [], time: 0.5, usage: { hardware: { cpu: 3 } } };
    assert.equal(encodeScoredPoints(reply), undefined);
    const points = withReplyEncoders(servedServices().get('qdrant.Points')!);
    assert.deepEqual(points['Query']!.responseSerialize(reply), generic('/qdrant.Points/Query')(reply));
    assert.notEqual(points['Query']!.responseSerialize, generic('/qdrant.Points/Query'));
    assert.equal(points['Scroll']!.responseSerialize, generic('/qdrant.Points/Scroll'), 'RPCs without a hand-written encoder keep the generic one');
  });

  it('refuses a payload nested beyond protobufjs’ limit as the generic serialiser does', () => {
    let deep: M.Value = { integer_value: 1 };
    for (let i = 0; i < 120; i++) deep = { list_value: { values: [deep] } };
    const reply: M.QueryResponse = { result: [{ id: { num: 1 }, payload: { deep }, score: 1, version: 0 }] };
    assert.throws(() => generic('/qdrant.Points/Query')(reply), /maximum nesting depth exceeded/);
    assert.throws(() => encodeScoredPoints(reply), /maximum nesting depth exceeded/);
    let shallow: M.Value = { integer_value: 1 };
    for (let i = 0; i < 40; i++) shallow = { list_value: { values: [shallow] } };
    const ok: M.QueryResponse = { result: [{ id: { num: 1 }, payload: { shallow }, score: 1, version: 0 }] };
    assert.deepEqual(encodeScoredPoints(ok), generic('/qdrant.Points/Query')(ok));
  });
});
