/**
 * A received message's bytes after its compressed flag: as sent (flag 0), or decompressed with the stream's
 * `grpc-encoding` (flag 1; `gzip` and `deflate`, as grpc-js accepted them), never growing past the message size
 * limit. A flag set without an encoding, or any other flag value, is a protocol error (INTERNAL, tonic's wording).
 */
import { gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import { GrpcStatus } from '../../../errors.js';
import { WireError } from './reply-status.js';
import type { WireMessage } from './message-decoder.js';

type Inflater = (buf: InputType, options: ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void;

const INFLATERS: Readonly<Record<string, Inflater>> = { gzip: gunzip, deflate: inflate };

/**
 * @param encoding the stream's `grpc-encoding` (`identity` when absent)
 * @throws WireError (or rejects with one) for a bad flag, an unsupported encoding, corrupt data or a message that
 *   decompresses beyond `maxBytes`
 */
export function messageBytes(m: WireMessage, encoding: string, maxBytes: number): Buffer | Promise<Buffer> {
  if (m.flag === 0) return m.bytes;
  if (m.flag !== 1) throw new WireError(GrpcStatus.INTERNAL, `protocol error: received message with invalid compression flag: ${m.flag} (valid flags are 0 and 1)`);
  if (encoding === 'identity') throw new WireError(GrpcStatus.INTERNAL, 'protocol error: received message with compressed-flag but no grpc-encoding was specified');
  const inflater = INFLATERS[encoding];
  if (inflater === undefined) throw new WireError(GrpcStatus.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${encoding}"`);
  return new Promise((resolve, reject) => {
    inflater(m.bytes, { maxOutputLength: Math.max(1, maxBytes) }, (error, result) => {
      if (error === null) resolve(result);
      else if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') reject(new WireError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${maxBytes}`));
      else reject(new WireError(GrpcStatus.INTERNAL, 'Failed to decompress message'));
    });
  });
}
