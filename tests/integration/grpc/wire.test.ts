/**
 * The gRPC port at the HTTP/2 level, with a raw `node:http2` client sending what gRPC libraries never send:
 * unknown methods, other content types, oversized / cut-off / repeated / missing messages, bad compressed flags,
 * unsupported encodings, compression bombs, bad and expiring `grpc-timeout`s, resets in the middle of a call and
 * random bytes. Every call must end with the right status (never a hang), and the server must keep serving. Also:
 * gzip-compressed requests from grpc-js, deadlines from grpc-js, and `-bin` metadata next to the API key.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { contract } from '../../../src/api/grpc/proto.js';
import { grpcFrame } from '../../support/grpc-frame.js';

const KEY = 'wire-test-admin-key-0123456789abcdef01234';
const HEALTH = '/qdrant.Qdrant/HealthCheck';
const LIST = '/qdrant.Collections/List';

interface Reply {
  httpStatus: number | undefined;
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
}


describe('gRPC wire (raw HTTP/2 client)', () => {
  let app: TestApp;
  let port: number;
  let session: ClientHttp2Session;

  /**
   * One stream: `chunks` written in order, then the request ended unless `end` is false. Resolves when the server
   * has ended its side (its status received).
   */
  function rawCall(path: string, chunks: Buffer[], extra: OutgoingHttpHeaders = {}, end = true): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra });
      const body: Buffer[] = [];
      let headers: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders | undefined;
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => body.push(c));
      stream.on('error', reject);
      // Not a timing assertion: a server that never answers fails the test instead of hanging the file.
      const hang = setTimeout(() => {
        stream.close();
        reject(new Error(`${path}: no status within 20 s`));
      }, 20_000);
      stream.on('end', () => {
        clearTimeout(hang);
        const s = trailers ?? headers;
        resolve({
          httpStatus: headers[':status'] === undefined ? undefined : Number(headers[':status']),
          grpcStatus: s['grpc-status'] === undefined ? undefined : Number(s['grpc-status']),
          grpcMessage: s['grpc-message'] === undefined ? undefined : decodeURI(String(s['grpc-message'])),
          headers,
          trailers,
          body: Buffer.concat(body),
        });
        if (!end) stream.close();
      });
      for (const c of chunks) stream.write(c);
      if (end) stream.end();
    });
  }

  async function stillServing(): Promise<void> {
    const r = await rawCall(HEALTH, [grpcFrame(new Uint8Array())]);
    assert.equal(r.grpcStatus, status.OK, r.grpcMessage);
  }

  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '1' });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
    session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
  });
  after(async () => {
    session.close();
    await app.destroy();
  });

  it('answers a unary call with headers, one message frame and grpc-status 0 in the trailers', async () => {
    const r = await rawCall(HEALTH, [grpcFrame(new Uint8Array())]);
    assert.equal(r.httpStatus, 200);
    assert.equal(r.headers['content-type'], 'application/grpc+proto');
    assert.equal(r.trailers?.['grpc-status'], '0');
    assert.equal(r.body[0], 0);
    assert.equal(r.body.readUInt32BE(1), r.body.length - 5);
    const reply = contract().qdrant.Qdrant.service.HealthCheck.responseDeserialize(r.body.subarray(5)) as { title: string };
    assert.equal(reply.title, 'qdrant - vector search engine');
  });

  it('answers an unknown method with UNIMPLEMENTED and another content type with HTTP 415', async () => {
    const r = await rawCall('/qdrant.Points/Nope', [grpcFrame(new Uint8Array())]);
    assert.equal(r.httpStatus, 200);
    assert.equal(r.grpcStatus, status.UNIMPLEMENTED);
    assert.equal(r.grpcMessage, 'The server does not implement the method /qdrant.Points/Nope');
    const json = await rawCall(HEALTH, [Buffer.from('{}')], { 'content-type': 'application/json' });
    assert.equal(json.httpStatus, 415);
    assert.equal(json.grpcStatus, undefined);
    await stillServing();
  });

  it('refuses a message over service.max_request_size_mb from its prefix, before the body is sent', async () => {
    const prefix = Buffer.from([0, 0, 0x10, 0, 1]); // 1 MiB + 1 announced; the body never comes, the stream stays open
    const r = await rawCall(LIST, [prefix], { 'api-key': KEY }, false);
    assert.equal(r.grpcStatus, status.RESOURCE_EXHAUSTED);
    assert.equal(r.grpcMessage, `Received message larger than max (${1024 * 1024 + 1} vs. ${1024 * 1024})`);
    // A whole oversized message, sent in full, is refused as well; one at the limit is read.
    const big = await rawCall(LIST, [grpcFrame(Buffer.alloc(1024 * 1024 + 1))], { 'api-key': KEY });
    assert.equal(big.grpcStatus, status.RESOURCE_EXHAUSTED);
    const atLimit = await rawCall(HEALTH, [grpcFrame(Buffer.alloc(1024 * 1024))]);
    assert.notEqual(atLimit.grpcStatus, status.RESOURCE_EXHAUSTED);
    await stillServing();
  });

  it('answers a cut-off message, two messages and no message on a unary method with an error status', async () => {
    const cut = await rawCall(HEALTH, [grpcFrame(Buffer.from('abcdef')).subarray(0, 8)]);
    assert.equal(cut.grpcStatus, status.INTERNAL);
    const two = await rawCall(HEALTH, [grpcFrame(new Uint8Array()), grpcFrame(new Uint8Array())]);
    assert.equal(two.grpcStatus, status.UNIMPLEMENTED);
    assert.match(two.grpcMessage ?? '', /second request message/);
    const none = await rawCall(HEALTH, []);
    assert.equal(none.grpcStatus, status.UNIMPLEMENTED);
    assert.match(none.grpcMessage ?? '', /no request message/);
    const garbage = await rawCall(LIST, [grpcFrame(Buffer.from([0xff, 0xff, 0xff]))], { 'api-key': KEY });
    assert.equal(garbage.grpcStatus, status.INTERNAL);
    assert.equal(garbage.grpcMessage, 'Error deserializing request');
    await stillServing();
  });

  it('reads gzip requests and refuses bad compressed flags, unsupported encodings and compression bombs', async () => {
    const ok = await rawCall(HEALTH, [grpcFrame(gzipSync(Buffer.alloc(0)), 1)], { 'grpc-encoding': 'gzip' });
    assert.equal(ok.grpcStatus, status.OK, ok.grpcMessage);
    const noEncoding = await rawCall(HEALTH, [grpcFrame(gzipSync(Buffer.alloc(0)), 1)]);
    assert.equal(noEncoding.grpcStatus, status.INTERNAL);
    const badFlag = await rawCall(HEALTH, [grpcFrame(new Uint8Array(), 2)], { 'grpc-encoding': 'gzip' });
    assert.equal(badFlag.grpcStatus, status.INTERNAL);
    const snappy = await rawCall(HEALTH, [grpcFrame(Buffer.from([1, 2, 3]), 1)], { 'grpc-encoding': 'snappy' });
    assert.equal(snappy.grpcStatus, status.UNIMPLEMENTED);
    const corrupt = await rawCall(HEALTH, [grpcFrame(Buffer.from('not gzip'), 1)], { 'grpc-encoding': 'gzip' });
    assert.equal(corrupt.grpcStatus, status.INTERNAL);
    // 8 MiB of zeros in a few KiB: refused when it grows past the 1 MiB limit.
    const bomb = await rawCall(LIST, [grpcFrame(gzipSync(Buffer.alloc(8 * 1024 * 1024)), 1)], { 'grpc-encoding': 'gzip', 'api-key': KEY });
    assert.equal(bomb.grpcStatus, status.RESOURCE_EXHAUSTED);
    await stillServing();
  });

  it('ends a call whose grpc-timeout passes with DEADLINE_EXCEEDED, and an unreadable grpc-timeout with INTERNAL', async () => {
    // The request is never half-closed, so the call can only end by its deadline.
    const r = await rawCall(HEALTH, [grpcFrame(new Uint8Array())], { 'grpc-timeout': '100m' }, false);
    assert.equal(r.grpcStatus, status.DEADLINE_EXCEEDED);
    assert.equal(r.grpcMessage, 'Deadline exceeded');
    const bad = await rawCall(HEALTH, [grpcFrame(new Uint8Array())], { 'grpc-timeout': 'soon' });
    assert.equal(bad.grpcStatus, status.INTERNAL);
    assert.equal(bad.grpcMessage, 'Invalid grpc-timeout value "soon"');
    const roomy = await rawCall(HEALTH, [grpcFrame(new Uint8Array())], { 'grpc-timeout': '20S' });
    assert.equal(roomy.grpcStatus, status.OK);
  });

  it('survives streams reset in the middle of a call and random bytes in random chunks', async () => {
    for (let i = 0; i < 20; i++) {
      const s = session.request({ ':method': 'POST', ':path': i % 2 === 0 ? LIST : HEALTH, 'content-type': 'application/grpc', 'api-key': KEY });
      s.on('error', () => {});
      s.write(grpcFrame(Buffer.alloc(100)).subarray(0, 50 + i));
      s.close();
    }
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(HEALTH, LIST, '/qdrant.Points/Query', '/grpc.health.v1.Health/Check'), fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), async (path, chunks) => {
        const r = await rawCall(path, chunks.map((c) => Buffer.from(c)), { 'api-key': KEY });
        assert.ok(r.grpcStatus !== undefined && r.grpcStatus in status, `${path}: ${r.grpcStatus}`);
      }),
      { numRuns: 150, seed: 20261202 },
    );
    await stillServing();
  });

  it('serves many calls in flight on one connection, each with its own status', async () => {
    const calls = Array.from({ length: 64 }, (_, i) => rawCall(i % 2 === 0 ? HEALTH : LIST, [grpcFrame(new Uint8Array())], i % 4 === 1 ? { 'api-key': KEY } : {}));
    const replies = await Promise.all(calls);
    replies.forEach((r, i) => assert.equal(r.grpcStatus, i % 2 === 0 || i % 4 === 1 ? status.OK : status.UNAUTHENTICATED, `call ${i}`));
  });
});

describe('gRPC wire with grpc-js as the client', () => {
  let app: TestApp;
  let port: number;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
  });

  function list(client: Client, md: Metadata, deadline = Date.now() + 20_000): Promise<{ code: status; details: string }> {
    return new Promise((resolve) => {
      (client as unknown as { List: (r: object, m: Metadata, o: object, cb: (e: ServiceError | null) => void) => void }).List({}, md, { deadline }, (e) => resolve(e === null ? { code: status.OK, details: '' } : { code: e.code, details: e.details }));
    });
  }

  it('reads gzip-compressed requests (grpc.default_compression_algorithm)', async () => {
    const c = new (contract().qdrant.Collections)(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 }) as unknown as Client;
    const md = new Metadata();
    md.set('api-key', KEY);
    const r = await list(c, md);
    c.close();
    assert.equal(r.code, status.OK, r.details);
  });

  it('ignores -bin metadata next to the API key, and a key sent as -bin does not authenticate', async () => {
    const c = new (contract().qdrant.Collections)(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Client;
    const md = new Metadata();
    md.set('api-key', KEY);
    md.set('x-trace-bin', Buffer.from([0, 1, 2, 255]));
    assert.equal((await list(c, md)).code, status.OK);
    const binOnly = new Metadata();
    binOnly.set('api-key-bin', Buffer.from(KEY));
    assert.equal((await list(c, binOnly)).code, status.UNAUTHENTICATED);
    c.close();
  });
});
