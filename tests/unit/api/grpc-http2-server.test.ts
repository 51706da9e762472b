/**
 * The lean gRPC server (`wire/http2-server.ts`) on its own, with routes whose messages are raw bytes: a handler that
 * throws, answers twice or never answers, an encoder that throws, the foreground-work hook for large messages, and
 * close() with a call in flight.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { GrpcHttp2Server, type Route, type UnaryHandler } from '../../../src/api/grpc/wire/http2-server.js';
import { GrpcStatus } from '../../../src/errors.js';
import { grpcFrame } from '../../support/grpc-frame.js';

const bytes = (b: Buffer): unknown => b;
const raw = (m: unknown): Buffer => m as Buffer;
const route = (path: string, unary: UnaryHandler, serialize = raw): Route => ({ path, deserialize: bytes, serialize, handler: { unary } });


describe('GrpcHttp2Server', () => {
  let server: GrpcHttp2Server;
  let session: ClientHttp2Session;
  const errors: string[] = [];
  const foreground = { entered: 0, left: 0 };
  let pending: Array<() => void> = [];

  function call(path: string, message: Buffer, timeout?: string): Promise<{ status: number; message: string; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const s = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', ...(timeout === undefined ? {} : { 'grpc-timeout': timeout }) });
      let h: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      s.on('response', (x) => (h = x));
      s.on('trailers', (t) => (h = { ...h, ...t }));
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('end', () => resolve({ status: Number(h['grpc-status']), message: decodeURI(String(h['grpc-message'] ?? '')), body: Buffer.concat(chunks) }));
      s.end(grpcFrame(message));
    });
  }

  before(async () => {
    server = new GrpcHttp2Server(
      [
        route('/t.T/Echo', (c, done) => done(null, c.request)),
        route('/t.T/Throw', () => {
          throw new Error('handler bug');
        }),
        route('/t.T/Twice', (_c, done) => {
          done({ code: GrpcStatus.NOT_FOUND, details: 'first' });
          done(null, Buffer.from('second'));
        }),
        route('/t.T/Later', (c, done) => pending.push(() => done(null, c.request))),
        route('/t.T/BadReply', (_c, done) => done(null, 'x'), () => {
          throw new Error('cannot encode');
        }),
        route('/t.T/Meta', (_c, done) => done({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'slow down ✓', trailers: { 'retry-after': '7' } })),
      ],
      {
        maxMessageBytes: 1 << 20,
        tls: null,
        onError: (m) => errors.push(m),
        foreground: {
          minBytes: 1000,
          enter: () => {
            foreground.entered++;
            return () => foreground.left++;
          },
        },
      },
    );
    const port = await server.listen('127.0.0.1', 0);
    session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
  });
  after(async () => {
    session.close();
    await server.close(1000);
  });

  it('echoes a message and answers a handler that throws with INTERNAL, logged', async () => {
    const r = await call('/t.T/Echo', Buffer.from('hello'));
    assert.equal(r.status, GrpcStatus.OK);
    assert.equal(r.body.subarray(5).toString(), 'hello');
    const t = await call('/t.T/Throw', Buffer.from('x'));
    assert.equal(t.status, GrpcStatus.INTERNAL);
    assert.ok(errors.some((e) => e.includes('/t.T/Throw')));
  });

  it('keeps the first answer of a handler that answers twice, and answers INTERNAL when the reply cannot be encoded', async () => {
    const r = await call('/t.T/Twice', Buffer.from('x'));
    assert.equal(r.status, GrpcStatus.NOT_FOUND);
    assert.equal(r.message, 'first');
    assert.equal(r.body.length, 0);
    const b = await call('/t.T/BadReply', Buffer.from('x'));
    assert.equal(b.status, GrpcStatus.INTERNAL);
    assert.equal(b.message, 'Error serializing response');
  });

  it('sends trailing metadata and a percent-encoded message with an error status', async () => {
    const s = session.request({ ':method': 'POST', ':path': '/t.T/Meta', 'content-type': 'application/grpc' });
    const headers = await new Promise<IncomingHttpHeaders>((resolve) => {
      s.on('response', resolve);
      s.end(grpcFrame(Buffer.from('x')));
    });
    s.resume();
    assert.equal(headers['grpc-status'], String(GrpcStatus.RESOURCE_EXHAUSTED));
    assert.equal(headers['retry-after'], '7');
    assert.equal(headers['grpc-message'], 'slow%20down%20%E2%9C%93');
  });

  it('drops the late reply of a call whose deadline passed', async () => {
    pending = [];
    const r = await call('/t.T/Later', Buffer.from('late'), '50m');
    assert.equal(r.status, GrpcStatus.DEADLINE_EXCEEDED);
    assert.equal(pending.length, 1);
    pending[0]!(); // the handler answers after the deadline: nothing is sent, nothing throws
    assert.equal((await call('/t.T/Echo', Buffer.from('still here'))).status, GrpcStatus.OK);
    // The longest timeout a client can send (beyond a timer's range) is no deadline at all, not an immediate one.
    pending = [];
    const far = call('/t.T/Later', Buffer.from('far'), '99999999H');
    while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
    pending[0]!();
    assert.equal((await far).status, GrpcStatus.OK);
  });

  it('makes a call with a large message foreground work until it ends, and a small one not', async () => {
    const before = { ...foreground };
    await call('/t.T/Echo', Buffer.alloc(10));
    assert.deepEqual(foreground, before);
    pending = [];
    const big = call('/t.T/Later', Buffer.alloc(5000));
    while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(foreground.entered, before.entered + 1);
    assert.equal(foreground.left, before.left);
    pending[0]!();
    assert.equal((await big).status, GrpcStatus.OK);
    while (foreground.left === before.left) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(foreground.left, before.left + 1);
  });
});

describe('GrpcHttp2Server.close', () => {
  it('lets a call in flight finish, then resolves', async () => {
    let answer: (() => void) | undefined;
    const server = new GrpcHttp2Server([route('/t.T/Later', (c, done) => (answer = () => done(null, c.request)))], { maxMessageBytes: 1000, tls: null, onError: () => {} });
    const port = await server.listen('127.0.0.1', 0);
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const s = session.request({ ':method': 'POST', ':path': '/t.T/Later', 'content-type': 'application/grpc' });
    const status = new Promise<string | undefined>((resolve) => {
      s.on('trailers', (t) => resolve(t['grpc-status'] as string | undefined));
      s.resume();
    });
    s.end(grpcFrame(Buffer.from('in flight')));
    while (answer === undefined) await new Promise((resolve) => setImmediate(resolve));
    const closed = server.close(10_000);
    answer();
    assert.equal(await status, '0');
    session.close();
    await closed;
  });
});
