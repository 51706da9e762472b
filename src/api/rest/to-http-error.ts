/**
 * The one place an error becomes an HTTP answer. The status comes from the error's kind in the registry
 * (`src/errors.ts`); errors that are not `AppError`s (Fastify's body and framework errors, bugs) are first
 * turned into registry codes, so every answer has Qdrant's format: the JSON envelope `{status: {error}, time}`,
 * or a bare text body for authentication failures, as Qdrant's auth middleware sends them.
 */
import { AppError, isAppError, isPlainText, KIND_STATUS, unexpectedError } from '../../errors.js';
import { errorEnvelope } from './envelope.js';
import { ThrottledFailure } from '../../auth/throttle.js';

export interface HttpError {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | { status: { error: string }; time: number };
  /** The registry error answered (the original, or what a foreign error was turned into). */
  readonly error: AppError;
  /** True when the error was not an `AppError` nor a known framework error: a bug, to be logged. */
  readonly unexpected: boolean;
  /** Extra response headers (`Retry-After` of a throttled authentication). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Fastify's own errors (body parsing, schema validation, a plugin's 4xx) as registry errors; `undefined` for
 * anything else. A 4xx other than 413 is answered 400, the status Qdrant gives a request it cannot read.
 */
function fromFramework(error: unknown): AppError | undefined {
  const e = (error ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', ['the request body exceeds service.max_request_size_mb']);
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError('BODY_VALIDATION', ['EOF while parsing a value']);
  const clientError = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
  if (code.startsWith('FST_ERR_CTP') || code === 'FST_ERR_VALIDATION' || clientError) {
    return new AppError('BODY_VALIDATION', [typeof e.message === 'string' ? e.message : 'invalid request']);
  }
  return undefined;
}

/** The HTTP answer for `error`, timed from `startNs` (the request's start). */
export function toHttpError(error: unknown, startNs: bigint): HttpError {
  const known = isAppError(error) ? error : fromFramework(error);
  const e = known ?? unexpectedError(error);
  const status = KIND_STATUS[e.kind].http;
  const headers = e instanceof ThrottledFailure ? e.headers() : {};
  if (isPlainText(e.code)) return { status, contentType: 'text/plain; charset=utf-8', body: e.message, error: e, unexpected: false, headers };
  return { status, contentType: 'application/json', body: errorEnvelope(e.message, startNs), error: e, unexpected: known === undefined, headers };
}
