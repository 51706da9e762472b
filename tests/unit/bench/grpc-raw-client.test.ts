import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { MethodDefinition } from '@grpc/grpc-js';
import { contract } from '../../../src/api/grpc/proto.js';
import { countField, grpcFrame, rawGrpcClient, singleMessage, subMessage, varintField } from '../../../bench/grpc-raw-client.js';

const points = contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>;
const scored = (n: number): unknown => ({ result: Array.from({ length: n }, (_, i) => ({ id: { num: String(i) }, score: 1 - i / 10, version: '0' })), time: 0.001 });

test('grpcFrame prefixes the message with flag 0 and its big-endian length; singleMessage takes it back', () => {
  const message = Buffer.from([1, 2, 3, 250]);
  const frame = grpcFrame(message);
  assert.deepEqual([...frame], [0, 0, 0, 0, 4, 1, 2, 3, 250]);
  assert.deepEqual([...singleMessage(frame)], [1, 2, 3, 250]);
  assert.throws(() => singleMessage(Buffer.concat([frame, frame])), /frame of 4 bytes in a body of 18/);
  assert.throws(() => singleMessage(Buffer.from([1, 0, 0, 0, 0])), /not an uncompressed frame/);
  assert.throws(() => singleMessage(Buffer.alloc(0)), /not an uncompressed frame/);
});

test('countField counts the points of a QueryResponse as proto-loader encodes it', () => {
  for (const n of [0, 1, 10, 300]) assert.equal(countField(points['Query']!.responseSerialize(scored(n)), 1), n);
});

test('subMessage and varintField read the UpdateResult status of a PointsOperationResponse', () => {
  const reply = points['Upsert']!.responseSerialize({ result: { operation_id: '7', status: 'Completed' }, time: 0.5 });
  const result = subMessage(reply, 1);
  assert.notEqual(result, null);
  assert.equal(varintField(result!, 2), 2);
  assert.equal(varintField(result!, 1), 7);
  assert.equal(subMessage(points['Upsert']!.responseSerialize({ time: 0.5 }), 1), null);
});

/** An HTTP/2 server answering every stream with `respond`, recording the request headers and body. */
async function withServer(respond: (stream: ServerHttp2Stream) => void, body: (url: string, seen: Array<{ headers: Record<string, unknown>; body: Buffer }>) => Promise<void>): Promise<void> {
  const seen: Array<{ headers: Record<string, unknown>; body: Buffer }> = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      seen.push({ headers, body: Buffer.concat(chunks) });
      respond(stream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await body(client, seen);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const ok = (message: Buffer) => (stream: ServerHttp2Stream): void => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(grpcFrame(message));
};

test('rawGrpcClient sends the frame with gRPC headers and resolves only when status 0 and the check pass', async () => {
  const reply = points['Query']!.responseSerialize(scored(10));
  await withServer(ok(reply), async (url, seen) => {
    const client = rawGrpcClient(url, { 'api-key': 'k' });
    try {
      const frame = grpcFrame(Buffer.from([8, 1]));
      let checked: Buffer | null = null;
      await client.call('/qdrant.Points/Query', frame, (m) => (checked = m));
      assert.deepEqual(checked, reply);
      assert.equal(seen[0]!.headers[':path'], '/qdrant.Points/Query');
      assert.equal(seen[0]!.headers['content-type'], 'application/grpc');
      assert.equal(seen[0]!.headers['te'], 'trailers');
      assert.equal(seen[0]!.headers['api-key'], 'k');
      assert.deepEqual(seen[0]!.body, frame);
      await assert.rejects(
        client.call('/qdrant.Points/Query', frame, () => {
          throw new Error('wrong reply');
        }),
        /wrong reply/,
      );
    } finally {
      client.close();
    }
  });
});

test('rawGrpcClient rejects a non-zero grpc-status, trailers-only or in trailers', async () => {
  const trailersOnly = (stream: ServerHttp2Stream): void => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'no key' }, { endStream: true });
  };
  await withServer(trailersOnly, async (url) => {
    const client = rawGrpcClient(url, {});
    try {
      await assert.rejects(client.call('/qdrant.Points/Query', grpcFrame(Buffer.alloc(0)), () => {}), /grpc-status 16 no key/);
    } finally {
      client.close();
    }
  });
  const failing = (stream: ServerHttp2Stream): void => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'missing' }));
    stream.end();
  };
  await withServer(failing, async (url) => {
    const client = rawGrpcClient(url, {});
    try {
      await assert.rejects(client.call('/qdrant.Points/Query', grpcFrame(Buffer.alloc(0)), () => {}), /grpc-status 5 missing/);
    } finally {
      client.close();
    }
  });
});
