/**
 * The one place error kinds become HTTP statuses. Exhaustive: a new kind fails to compile here.
 */
import type { ErrorKind } from '../../errors.js';

export function statusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'bad_input':
      return 400;
    case 'unprocessable':
      return 422;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'already_exists':
      return 409;
    case 'timeout':
      return 408;
    case 'precondition_failed':
      return 412;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'service_error':
      return 500;
    case 'unavailable':
      return 503;
    case 'insufficient_storage':
      return 507;
    default: {
      const never: never = kind;
      return never;
    }
  }
}
