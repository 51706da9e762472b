/**
 * A failed authentication, answered the way Qdrant's auth middleware answers it: a status and a plain-text
 * body (not the JSON envelope). Permission denials of an authenticated caller are not this: they are
 * `AppError('FORBIDDEN')`, a JSON 403.
 */

/** The exact bodies clients see (SECURITY.md, "Status codes and bodies"). */
export const AUTH_MESSAGES = {
  missing: 'Must provide an API key or an Authorization bearer token',
  invalid: 'Invalid API key or JWT',
  badSignature: 'InvalidSignature',
  expired: 'ExpiredSignature',
  statefulValidation: 'Invalid JWT, stateful validation failed',
} as const;

/** One of {@link AUTH_MESSAGES}. */
export type AuthFailureMessage = (typeof AUTH_MESSAGES)[keyof typeof AUTH_MESSAGES];

/**
 * Thrown by `authenticate()` (and by `authorize()` for a failed `value_exists` check).
 * The message is always one of the fixed {@link AUTH_MESSAGES}: it never echoes a key, a token or a claim.
 */
export class AuthFailure extends Error {
  /** 401 (no or unusable credential) or 403 (a JWT signed with another key, or expired). */
  readonly status: 401 | 403;
  /**
   * How the edge writes the body. Every current failure is `text`, as in Qdrant, whose middleware answers
   * auth errors with a bare body; the flag exists so a future JSON-bodied failure needs no new type.
   */
  readonly format: 'text' | 'json';
  declare readonly message: AuthFailureMessage;

  constructor(status: 401 | 403, message: AuthFailureMessage, format: 'text' | 'json' = 'text') {
    super(message);
    this.name = 'AuthFailure';
    this.status = status;
    this.format = format;
  }

  /** The audit `error` text: Qdrant's `AuthError` display (`Unauthorized: …` / `Forbidden: …`). */
  auditText(): string {
    return `${this.status === 401 ? 'Unauthorized' : 'Forbidden'}: ${this.message}`;
  }
}

/** True when `e` is an {@link AuthFailure}. */
export function isAuthFailure(e: unknown): e is AuthFailure {
  return e instanceof AuthFailure;
}
