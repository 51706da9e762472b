/**
 * gRPC's length-prefixed messages (the body of an HTTP/2 gRPC stream): each message is a 1-byte compressed flag, a
 * 4-byte big-endian length, then that many bytes. The decoder takes the stream's DATA chunks as they arrive and
 * hands back whole messages; a chunk holding whole messages (the usual unary request) is cut without copying. A
 * length above the limit is refused as soon as its prefix is read, before any of its bytes are buffered, so a client
 * cannot make the server hold more than the limit per stream.
 */
import { GrpcStatus } from '../../../errors.js';
import { WireError } from './reply-status.js';

export interface WireMessage {
  /** The compressed flag: 0 = as sent, 1 = compressed with the stream's `grpc-encoding`. */
  readonly flag: number;
  readonly bytes: Buffer;
}

const PREFIX = 5;

export class MessageDecoder {
  readonly #maxBytes: number;
  /** A prefix split across chunks, gathered here (allocated only when that happens). */
  #prefix: Buffer | undefined;
  #prefixFill = 0;
  /** The message being gathered: its flag, length and the chunks received so far (null between messages). */
  #body: { flag: number; length: number; chunks: Buffer[]; have: number } | null = null;

  /** @param maxBytes the largest message accepted (its length, not counting the prefix) */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** True when the bytes received so far end inside a message (a half-close now would cut it). */
  get partial(): boolean {
    return this.#prefixFill > 0 || this.#body !== null;
  }

  /**
   * The messages completed by `chunk`.
   * @throws WireError RESOURCE_EXHAUSTED when a message's length is above the limit
   */
  write(chunk: Buffer): WireMessage[] {
    const out: WireMessage[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const body = this.#body;
      if (body !== null) {
        const n = Math.min(body.length - body.have, chunk.length - pos);
        body.chunks.push(chunk.subarray(pos, pos + n));
        body.have += n;
        pos += n;
        if (body.have === body.length) {
          out.push({ flag: body.flag, bytes: body.chunks.length === 1 ? body.chunks[0]! : Buffer.concat(body.chunks, body.length) });
          this.#body = null;
        }
      } else if (this.#prefixFill === 0 && chunk.length - pos >= PREFIX) {
        const flag = chunk[pos]!;
        const length = this.#checked(chunk.readUInt32BE(pos + 1));
        pos += PREFIX;
        if (chunk.length - pos >= length) {
          out.push({ flag, bytes: chunk.subarray(pos, pos + length) });
          pos += length;
        } else {
          this.#body = { flag, length, chunks: [], have: 0 };
        }
      } else {
        const prefix = (this.#prefix ??= Buffer.alloc(PREFIX));
        const n = Math.min(PREFIX - this.#prefixFill, chunk.length - pos);
        chunk.copy(prefix, this.#prefixFill, pos, pos + n);
        this.#prefixFill += n;
        pos += n;
        if (this.#prefixFill === PREFIX) {
          this.#prefixFill = 0;
          const flag = prefix[0]!;
          const length = this.#checked(prefix.readUInt32BE(1));
          if (length === 0) out.push({ flag, bytes: Buffer.alloc(0) });
          else this.#body = { flag, length, chunks: [], have: 0 };
        }
      }
    }
    return out;
  }

  #checked(length: number): number {
    if (length > this.#maxBytes) throw new WireError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.#maxBytes})`);
    return length;
  }
}

/** `message` as one frame: flag 0 (not compressed), its length, its bytes. */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, PREFIX);
  return frame;
}
