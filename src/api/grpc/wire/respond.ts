/**
 * Writing a gRPC reply on an HTTP/2 stream: the response headers, the message frames, then the status in the
 * trailers; or, for a call that ends without a message, one "trailers-only" HEADERS frame. Headers as grpc-js sent
 * them (`content-type: application/grpc+proto`, the request encodings accepted), `grpc-message` percent-encoded as
 * grpc-js encoded it (`encodeURI`). A stream the client has already reset or closed is left alone: nothing here
 * throws because the peer went away.
 */
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { GrpcStatus } from '../../../errors.js';
import type { ReplyStatus } from './reply-status.js';

/** The request encodings the server accepts (`grpc-accept-encoding`). */
const ACCEPT_ENCODING = 'identity,deflate,gzip';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `grpc-message` text: percent-encoded, a lone surrogate (which `encodeURI` refuses) sent as U+FFFD. */
export function statusMessage(details: string): string {
  try {
    return encodeURI(details);
  } catch {
    return encodeURI(details.replace(LONE_SURROGATE, '\uFFFD'));
  }
}

/** True when nothing can be sent on `stream` any more (reset, closed or destroyed). */
export function gone(stream: ServerHttp2Stream): boolean {
  return stream.destroyed || stream.closed;
}

function statusHeaders(status: ReplyStatus): OutgoingHttpHeaders {
  return { ...status.trailers, 'grpc-status': String(status.code), 'grpc-message': statusMessage(status.details) };
}

/** Sends the response headers of a call that will carry messages; its status goes in the trailers ({@link endWithStatus}). */
export function sendHeaders(stream: ServerHttp2Stream): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': ACCEPT_ENCODING, 'grpc-encoding': 'identity' }, { waitForTrailers: true });
}

/** Ends a call whose headers were sent by {@link sendHeaders}: the last bytes (if any), then the status trailers. */
export function endWithStatus(stream: ServerHttp2Stream, status: ReplyStatus, last?: Buffer): void {
  if (gone(stream)) return;
  stream.once('wantTrailers', () => {
    if (!gone(stream)) stream.sendTrailers(statusHeaders(status));
  });
  if (last === undefined) stream.end();
  else stream.end(last);
}

/** Ends a call that sent no message: a trailers-only response (headers and status in one HEADERS frame). */
export function sendStatusOnly(stream: ServerHttp2Stream, status: ReplyStatus): void {
  if (gone(stream)) return;
  try {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', ...statusHeaders(status) }, { endStream: true });
  } catch {
    // The session went away between the check and the write: nobody is left to answer.
  }
}

/** The status of a call that completed. */
export const OK_STATUS: ReplyStatus = { code: GrpcStatus.OK, details: 'OK' };
