/**
 * A minimal gRPC client for load generation, as ghz and similar load generators work: one `node:http2` session,
 * each call a stream carrying a request frame encoded once up front (the gRPC 5-byte prefix — compressed flag 0
 * and a big-endian length — then the protobuf bytes), `content-type: application/grpc`, `te: trailers` and the
 * caller's metadata (e.g. `api-key`). A call succeeds only when `grpc-status` is 0 (in the trailers, or in the
 * headers of a trailers-only reply) and the reply is exactly one uncompressed frame that `check` accepts, so a
 * broken server cannot pass. No retries, deadlines, interceptors or per-call channel bookkeeping: the client costs
 * what the HTTP/2 exchange costs, which is what the REST benchmark's `node:http` client costs for HTTP/1.1.
 */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import protobuf from 'protobufjs';

/** A request message's bytes in gRPC's length-prefixed frame. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** The message of a reply that must be exactly one uncompressed frame. @throws Error otherwise */
export function singleMessage(body: Buffer): Buffer {
  if (body.length < 5 || body[0] !== 0) throw new Error(`gRPC reply: not an uncompressed frame (${body.length} bytes)`);
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new Error(`gRPC reply: frame of ${length} bytes in a body of ${body.length}`);
  return body.subarray(5);
}

/** How many times field `field` occurs at the top level of a message (e.g. the points of a `QueryResponse`). */
export function countField(message: Uint8Array, field: number): number {
  const r = protobuf.Reader.create(message);
  let n = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field) n++;
    r.skipType(tag & 7);
  }
  return n;
}

/** The last value of field `field` at the top level, read by `read` when its wire type is `wireType` (null when absent). */
function lastField<T>(message: Uint8Array, field: number, wireType: number, read: (r: protobuf.Reader) => T): T | null {
  const r = protobuf.Reader.create(message);
  let out: T | null = null;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === wireType) out = read(r);
    else r.skipType(tag & 7);
  }
  return out;
}

/** The bytes of length-delimited field `field` at the top level (the last occurrence; null when absent). */
export const subMessage = (message: Uint8Array, field: number): Uint8Array | null => lastField(message, field, 2, (r) => r.bytes());

/** The value of varint field `field` at the top level (the last occurrence; null when absent). */
export const varintField = (message: Uint8Array, field: number): number | null => lastField(message, field, 0, (r) => r.uint32());

export interface RawGrpcClient {
  /** Sends `frame` to `path`; resolves when the reply passed `check`, rejects with the status otherwise. */
  call(path: string, frame: Buffer, check: (message: Buffer) => void): Promise<void>;
  close(): void;
}

/** A client over one HTTP/2 connection to `authority` (`http://host:port`), sending `metadata` with every call. */
export function rawGrpcClient(authority: string, metadata: Readonly<Record<string, string>>): RawGrpcClient {
  const session: ClientHttp2Session = connect(authority);
  session.on('error', () => {}); // surfaced by the streams that fail
  const call = (path: string, frame: Buffer, check: (message: Buffer) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...metadata });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message: string | undefined;
      const take = (h: IncomingHttpHeaders): void => {
        if (h['grpc-status'] !== undefined) {
          status = String(h['grpc-status']);
          message = h['grpc-message'] === undefined ? undefined : String(h['grpc-message']);
        }
      };
      stream.on('response', take);
      stream.on('trailers', take);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('close', () => {
        if (status !== '0') return reject(new Error(`${path}: grpc-status ${status ?? 'missing'} ${message ?? ''}`));
        try {
          check(singleMessage(Buffer.concat(chunks)));
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      stream.end(frame);
    });
  return { call, close: () => session.close() };
}
