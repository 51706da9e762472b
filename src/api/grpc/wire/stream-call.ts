/**
 * A bidirectional streaming call (server reflection is the only one served) as the object stream grpc-js handed
 * its handlers: the request messages are read from it (`data`, then `end` when the client half-closes), replies are
 * written to it, and `end()` finishes the call with OK. `fail(status)` ends it with an error status. Messages are
 * decoded in order even when some are compressed; an oversized, corrupt or undecodable message ends the call with
 * its status.
 */
import { Duplex } from 'node:stream';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { GrpcStatus } from '../../../errors.js';
import { MessageDecoder, encodeFrame } from './message-decoder.js';
import { messageBytes } from './decompress.js';
import { WireError, type ReplyStatus } from './reply-status.js';
import { OK_STATUS, endWithStatus, gone, sendHeaders, sendStatusOnly } from './respond.js';
import type { CallPeer } from './call-peer.js';

/** How a stream's messages are read and written. */
export interface MessageCodec {
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly serialize: (message: unknown) => Buffer;
}

export class StreamCall extends Duplex {
  readonly headers: IncomingHttpHeaders;
  readonly peer: CallPeer;
  readonly #stream: ServerHttp2Stream;
  readonly #route: MessageCodec;
  #headersSent = false;
  #ended = false;
  /** Decoding in order: each message waits for the one before (a compressed one decompresses asynchronously). */
  #decoded: Promise<void> = Promise.resolve();

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, peer: CallPeer, route: MessageCodec, maxMessageBytes: number, encoding: string) {
    super({ objectMode: true });
    this.headers = headers;
    this.peer = peer;
    this.#stream = stream;
    this.#route = route;
    this.on('error', () => {}); // a write after the call ended; the call's status is already decided
    const decoder = new MessageDecoder(maxMessageBytes);
    stream.on('data', (chunk: Buffer) => {
      if (this.#ended) return;
      try {
        for (const m of decoder.write(chunk)) {
          this.#decoded = this.#decoded.then(async () => {
            const bytes = await messageBytes(m, encoding, maxMessageBytes);
            if (!this.#ended) this.push(route.deserialize(bytes));
          });
        }
      } catch (e) {
        this.fail(e instanceof WireError ? e : { code: GrpcStatus.INTERNAL, details: 'Error reading request' });
      }
      this.#decoded = this.#decoded.catch((e: unknown) => this.fail(e instanceof WireError ? e : { code: GrpcStatus.INTERNAL, details: 'Error deserializing request' }));
    });
    stream.on('end', () => {
      this.#decoded = this.#decoded.then(() => {
        if (this.#ended) return;
        if (decoder.partial) this.fail({ code: GrpcStatus.INTERNAL, details: 'Unexpected EOF decoding stream.' });
        else this.push(null);
      });
    });
    stream.once('close', () => {
      // The client went away (or the call ended): nothing more is read or written.
      this.#ended = true;
      this.destroy();
    });
  }

  override _read(): void {}

  override _write(message: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#ended || gone(this.#stream)) return callback();
    let frame: Buffer;
    try {
      frame = encodeFrame(this.#route.serialize(message));
    } catch {
      this.fail({ code: GrpcStatus.INTERNAL, details: 'Error serializing response' });
      return callback();
    }
    if (!this.#headersSent) {
      this.#headersSent = true;
      sendHeaders(this.#stream);
    }
    this.#stream.write(frame, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.fail(OK_STATUS);
    callback();
  }

  /** Ends the call with `status` (once; later calls do nothing). */
  fail(status: ReplyStatus): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      if (this.#headersSent) endWithStatus(this.#stream, status);
      else sendStatusOnly(this.#stream, status);
    } catch {
      // The stream went away meanwhile.
    }
  }
}
