/**
 * gRPC over HTTP/2 served on `node:http2` directly, without a gRPC server library (see BENCHMARKS.md, "A lean
 * gRPC server": grpc-js's per-call machinery — interceptor chain, metadata objects, read queue, trackers — cost more
 * server time per call than the rest of the gRPC path). The protocol, as grpc-js served it:
 *
 * - a request is an HTTP/2 stream with `content-type: application/grpc…` (else HTTP 415) to `/<service>/<method>`
 *   (an unknown path: UNIMPLEMENTED); its body is length-prefixed messages ({@link MessageDecoder}), each at most
 *   `maxMessageBytes` (else RESOURCE_EXHAUSTED, before the message is buffered), compressed per `grpc-encoding`
 *   (identity, gzip, deflate; {@link messageBytes});
 * - `grpc-timeout` sets a deadline: when it passes the call ends with DEADLINE_EXCEEDED (the handler's late result
 *   is dropped); an unreadable value is INTERNAL;
 * - a unary call runs once the client half-closes with exactly one message (none, two, or a cut-off message: an
 *   error status); its reply is headers, one message frame and `grpc-status` trailers; an error is trailers-only;
 * - bidirectional streams (server reflection) get a {@link StreamCall};
 * - metadata is the request's HTTP/2 headers; the client address and (with mTLS) its verified certificate come
 *   from the connection.
 *
 * A malformed request ends its own stream with a status; nothing a client sends can throw out of this module.
 */
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type IncomingHttpHeaders, type SecureServerOptions, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { GrpcStatus } from '../../../errors.js';
import { SessionPeer, type CallPeer } from './call-peer.js';
import { MessageDecoder, encodeFrame, type WireMessage } from './message-decoder.js';
import { messageBytes } from './decompress.js';
import { timeoutMs } from './grpc-timeout.js';
import { WireError, type ReplyStatus } from './reply-status.js';
import { OK_STATUS, endWithStatus, gone, sendHeaders, sendStatusOnly } from './respond.js';
import { StreamCall } from './stream-call.js';

/** What a unary handler receives. */
export interface UnaryCall<Req = unknown> {
  readonly request: Req;
  /** The request metadata: the HTTP/2 headers, names in lower case. */
  readonly headers: IncomingHttpHeaders;
  readonly peer: CallPeer;
}

/** Ends a unary call: with a status (an error), or with `null` and the reply. */
export type UnaryDone<Res = unknown> = (status: ReplyStatus | null, reply?: Res) => void;

export type UnaryHandler = (call: UnaryCall, done: UnaryDone) => void;

/** One method of a served service. */
export interface Route {
  /** `/<package>.<Service>/<Method>` */
  readonly path: string;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly serialize: (message: unknown) => Buffer;
  /** The handler: unary, or a bidirectional stream (server reflection). */
  readonly handler: { readonly unary: UnaryHandler } | { readonly stream: (call: StreamCall) => void };
}

export interface GrpcHttp2Options {
  /** The largest request message accepted, in bytes (after decompression too). */
  readonly maxMessageBytes: number;
  /** TLS: Node's secure server options (certificate, key, CA, client certificate policy); null for plaintext. */
  readonly tls: SecureServerOptions | null;
  /** Hears about handler bugs that escaped the handler's own error handling. */
  readonly onError: (message: string, err: unknown) => void;
  /**
   * Large requests are foreground work, as on REST: from the moment a request message of `minBytes` or more has
   * arrived until its call ends, `enter()`'s work is in progress (background index builds give way to it).
   */
  readonly foreground?: { readonly minBytes: number; enter(): () => void };
}

function ignore(): void {}

/** The longest delay `setTimeout` takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const noMessage = (path: string): ReplyStatus => ({ code: GrpcStatus.UNIMPLEMENTED, details: `Received no request message for unary method ${path}` });
const secondMessage = (path: string): ReplyStatus => ({ code: GrpcStatus.UNIMPLEMENTED, details: `Received a second request message for unary method ${path}` });
const CUT_OFF: ReplyStatus = { code: GrpcStatus.INTERNAL, details: 'Unexpected EOF decoding stream.' };
const UNDECODABLE: ReplyStatus = { code: GrpcStatus.INTERNAL, details: 'Error deserializing request' };
const UNENCODABLE: ReplyStatus = { code: GrpcStatus.INTERNAL, details: 'Error serializing response' };
const DEADLINE: ReplyStatus = { code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' };
const HANDLER_FAILED: ReplyStatus = { code: GrpcStatus.INTERNAL, details: 'Internal server error' };

function asStatus(e: unknown): ReplyStatus {
  return e instanceof WireError ? e : HANDLER_FAILED;
}

/** The request's `grpc-encoding` (`identity` when absent). */
function encodingOf(headers: IncomingHttpHeaders): string {
  const e = headers['grpc-encoding'];
  return typeof e === 'string' ? e : 'identity';
}

/** Serves one unary call on `stream`. */
function serveUnary(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, route: Route, handler: UnaryHandler, peer: CallPeer, options: GrpcHttp2Options): void {
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  const done: UnaryDone = (status, reply) => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    if (gone(stream)) return;
    if (status !== null) return sendStatusOnly(stream, status);
    let frame: Buffer;
    try {
      frame = encodeFrame(route.serialize(reply));
    } catch (e) {
      options.onError(`gRPC: the reply of ${route.path} could not be encoded`, e);
      return sendStatusOnly(stream, UNENCODABLE);
    }
    try {
      sendHeaders(stream);
      endWithStatus(stream, OK_STATUS, frame);
    } catch {
      // The stream went away while replying: nobody is left to answer.
    }
  };
  const timeout = headers['grpc-timeout'];
  if (typeof timeout === 'string') {
    try {
      const ms = timeoutMs(timeout);
      // Beyond a timer's range (~24.8 days; up to 99999999 hours can be sent) the deadline never comes in practice.
      if (ms <= MAX_TIMER_MS) timer = setTimeout(() => done(DEADLINE), ms);
      stream.once('close', () => {
        finished = true;
        clearTimeout(timer);
      });
    } catch (e) {
      return done(asStatus(e));
    }
  }
  const run = (bytes: Buffer): void => {
    if (finished) return;
    let request: unknown;
    try {
      request = route.deserialize(bytes);
    } catch {
      return done(UNDECODABLE);
    }
    try {
      handler({ request, headers, peer }, done);
    } catch (e) {
      options.onError(`gRPC: ${route.path} failed`, e);
      done(HANDLER_FAILED);
    }
  };
  const decoder = new MessageDecoder(options.maxMessageBytes);
  let message: WireMessage | undefined;
  stream.on('data', (chunk: Buffer) => {
    if (finished) return; // after an error status the rest of the body is read and dropped
    let messages: WireMessage[];
    try {
      messages = decoder.write(chunk);
    } catch (e) {
      return done(asStatus(e));
    }
    if (messages.length === 0) return;
    if (message !== undefined || messages.length > 1) return done(secondMessage(route.path));
    message = messages[0];
  });
  stream.on('end', () => {
    if (finished) return;
    if (decoder.partial) return done(CUT_OFF);
    if (message === undefined) return done(noMessage(route.path));
    const foreground = options.foreground;
    if (foreground !== undefined && message.bytes.length >= foreground.minBytes) stream.once('close', foreground.enter());
    let bytes: Buffer | Promise<Buffer>;
    try {
      bytes = messageBytes(message, encodingOf(headers), options.maxMessageBytes);
    } catch (e) {
      return done(asStatus(e));
    }
    if (bytes instanceof Promise) bytes.then(run, (e: unknown) => done(asStatus(e)));
    else run(bytes);
  });
}

/** A gRPC server on one port: the routes' methods, over plaintext HTTP/2 or TLS. */
export class GrpcHttp2Server {
  readonly #routes: ReadonlyMap<string, Route>;
  readonly #options: GrpcHttp2Options;
  readonly #server: Http2Server | Http2SecureServer;
  readonly #sessions = new Map<ServerHttp2Session, SessionPeer>();

  constructor(routes: readonly Route[], options: GrpcHttp2Options) {
    this.#routes = new Map(routes.map((r) => [r.path, r]));
    this.#options = options;
    // As grpc-js: no limit on the session's buffered memory (Node's limit degrades badly when reached) or on the
    // size of the header block sent.
    const common = { maxSessionMemory: Number.MAX_SAFE_INTEGER, maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER };
    this.#server = options.tls === null ? createServer(common) : createSecureServer({ ...common, ...options.tls });
    this.#server.setTimeout(0);
    this.#server.on('session', (session: ServerHttp2Session) => {
      session.on('error', ignore); // a broken connection ends its own session, nothing else
      this.#sessions.set(session, new SessionPeer(session));
      session.once('close', () => this.#sessions.delete(session));
    });
    this.#server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.#serve(stream, headers));
    if (options.tls !== null) {
      const secure = this.#server as Http2SecureServer;
      secure.on('tlsClientError', ignore); // a failed handshake (no or a wrong client certificate) closes its socket
      // Errors of an established TLS socket are the server's to handle (nodejs/node#35824); its session ends with it.
      secure.on('secureConnection', (socket: TLSSocket) => socket.on('error', ignore));
    }
  }

  #serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', ignore); // a reset stream is ended by its 'close'; there is nobody to tell
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      try {
        stream.respond({ ':status': 415 }, { endStream: true });
      } catch {
        // already gone
      }
      return;
    }
    const path = headers[':path'] ?? '';
    const route = this.#routes.get(path);
    if (route === undefined) return sendStatusOnly(stream, { code: GrpcStatus.UNIMPLEMENTED, details: `The server does not implement the method ${path}` });
    const peer = this.#sessions.get(stream.session as ServerHttp2Session) ?? new SessionPeer(stream.session as ServerHttp2Session);
    const h = route.handler;
    if ('unary' in h) return serveUnary(stream, headers, route, h.unary, peer, this.#options);
    const call = new StreamCall(stream, headers, peer, route, this.#options.maxMessageBytes, encodingOf(headers));
    try {
      h.stream(call);
    } catch (e) {
      this.#options.onError(`gRPC: ${route.path} failed`, e);
      call.fail(HANDLER_FAILED);
    }
  }

  /** Binds `host:port` (0: a port the OS chooses); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.removeListener('error', onError);
        this.#server.on('error', (e) => this.#options.onError('gRPC server error', e));
        const address = this.#server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /** Swaps the TLS context for new connections (certificate, key, CA reloads). */
  setSecureContext(options: Parameters<Http2SecureServer['setSecureContext']>[0]): void {
    if (this.#options.tls !== null) (this.#server as Http2SecureServer).setSecureContext(options);
  }

  /**
   * Stops accepting connections; calls in flight finish (each session gets a GOAWAY and closes when its streams
   * have); after `graceMs` the remaining sessions are destroyed.
   */
  close(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const session of this.#sessions.keys()) session.destroy();
      }, graceMs);
      timer.unref();
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const session of this.#sessions.keys()) session.close();
    });
  }
}
