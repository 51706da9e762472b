/**
 * A failed authentication: one of the authentication codes of the error registry. Over REST it is answered the
 * way Qdrant's auth middleware answers it, with a bare text body (the codes are `plain`), not the JSON envelope.
 * Permission denials of an authenticated caller are not this: they are `AppError('FORBIDDEN')`, a JSON 403.
 */
import { AppError } from '../errors.js';

/** The registry codes an authentication failure may carry. */
export type AuthFailureCode =
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'JWT_BAD_SIGNATURE'
  | 'JWT_EXPIRED'
  | 'JWT_VALUE_MISSING'
  | 'JWT_VALUE_COLLECTION_MISSING';

/**
 * Thrown by `authenticate()` (and by `authorize()` for a failed `value_exists` check).
 * The message is always the code's fixed text: it never echoes a key, a token or a claim.
 */
export class AuthFailure extends AppError {
  declare readonly code: AuthFailureCode;

  constructor(code: AuthFailureCode) {
    super(code);
    this.name = 'AuthFailure';
  }

  /** The audit `error` text: Qdrant's `AuthError` display (`Unauthorized: …` / `Forbidden: …`). */
  auditText(): string {
    return `${this.kind === 'unauthorized' ? 'Unauthorized' : 'Forbidden'}: ${this.message}`;
  }
}

/** True when `e` is an {@link AuthFailure}. */
export function isAuthFailure(e: unknown): e is AuthFailure {
  return e instanceof AuthFailure;
}
