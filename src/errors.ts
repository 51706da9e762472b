/**
 * The one error registry. Layers below `api/` throw `AppError(code, args)`; they never know HTTP.
 * `api/rest/error-mapper.ts` turns an error's kind into a status with one exhaustive switch.
 * Message texts copy Qdrant's wording where clients can see them.
 */

export type ErrorKind =
  | 'bad_input'
  | 'unprocessable'
  | 'not_found'
  | 'already_exists'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'insufficient_storage'
  | 'service_error';

export const ERRORS = {
  // generic, for messages composed by the thrower
  BAD_INPUT: { kind: 'bad_input', message: '%s' },
  NOT_FOUND: { kind: 'not_found', message: '%s' },
  FORBIDDEN: { kind: 'forbidden', message: 'Forbidden: %s' },
  UNAUTHORIZED: { kind: 'unauthorized', message: '%s' },
  SERVICE_ERROR: { kind: 'service_error', message: 'Service internal error: %s' },
  UNAVAILABLE: { kind: 'unavailable', message: '%s' },
  TIMEOUT: { kind: 'timeout', message: 'Timeout error: %s' },
  PRECONDITION_FAILED: { kind: 'precondition_failed', message: '%s' },
  INSUFFICIENT_STORAGE: { kind: 'insufficient_storage', message: 'No space left on device: %s' },

  // wire format
  JSON_PARSE: { kind: 'bad_input', message: 'Format error in JSON body: %s' },
  BODY_VALIDATION: { kind: 'bad_input', message: 'Format error in JSON body: %s' },
  QUERY_VALIDATION: { kind: 'bad_input', message: 'Query deserialize error: %s' },
  VALIDATION: { kind: 'unprocessable', message: 'Validation error in JSON body: [%s]' },
  QUERY_CONSTRAINT: { kind: 'unprocessable', message: 'Validation error in query parameters: [%s]' },
  PAYLOAD_TOO_LARGE: { kind: 'payload_too_large', message: 'Payload too large: %s' },

  // collections
  COLLECTION_NOT_FOUND: { kind: 'not_found', message: "Not found: Collection `%s` doesn't exist!" },
  COLLECTION_EXISTS: { kind: 'already_exists', message: 'Wrong input: Collection `%s` already exists!' },
  ALIAS_NOT_FOUND: { kind: 'not_found', message: 'Alias %s does not exists!' },
  ALIAS_EXISTS: { kind: 'already_exists', message: 'Wrong input: Alias `%s` already exists!' },
  ALIAS_IS_COLLECTION: { kind: 'already_exists', message: 'Wrong input: Collection with name `%s` already exists' },
  SHARD_KEY_NOT_FOUND: { kind: 'not_found', message: 'Shard key %s does not exist' },
  SHARD_KEY_EXISTS: { kind: 'bad_input', message: 'Wrong input: Shard key %s already exists' },
  INDEX_NOT_FOUND: { kind: 'not_found', message: 'Index for field `%s` does not exist' },

  // points and vectors
  POINT_NOT_FOUND: { kind: 'not_found', message: 'Not found: Point with id %s does not exists!' },
  VECTOR_DIMENSION_MISMATCH: { kind: 'bad_input', message: 'Wrong input: Vector dimension error: expected dim: %d, got %d' },
  VECTOR_NAME_NOT_FOUND: { kind: 'bad_input', message: 'Wrong input: Not existing vector name error: %s' },
  VECTOR_NAME_EXISTS: { kind: 'bad_input', message: 'Wrong input: Vector with name `%s` already exists' },
  BAD_POINT_ID: { kind: 'bad_input', message: 'Format error in JSON body: %s' },
  BAD_VECTOR: { kind: 'bad_input', message: 'Wrong input: %s' },
  BAD_FILTER: { kind: 'bad_input', message: 'Bad request: %s' },
  BAD_REQUEST: { kind: 'bad_input', message: 'Bad request: %s' },
  WRONG_INPUT: { kind: 'bad_input', message: 'Wrong input: %s' },
  STRICT_MODE: { kind: 'forbidden', message: 'Forbidden: %s' },
  RATE_LIMITED: { kind: 'rate_limited', message: 'Rate limiting exceeded: %s' },
  UNSUPPORTED: { kind: 'bad_input', message: 'Bad request: %s is not supported by Quiver' },
} as const satisfies Record<string, { kind: ErrorKind; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export type ErrorArg = string | number | bigint;

function format(template: string, args: readonly ErrorArg[]): string {
  let i = 0;
  return template.replace(/%[sd]/g, () => {
    const v = args[i++];
    return v === undefined ? '' : String(v);
  });
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;

  constructor(code: ErrorCode, args: readonly ErrorArg[] = [], options?: { cause?: unknown }) {
    super(format(ERRORS[code].message, args), options);
    this.name = 'AppError';
    this.code = code;
    this.kind = ERRORS[code].kind;
  }
}

/** Shorthand for the most common case: a bad value from the user, described in words. */
export function badInput(message: string): AppError {
  return new AppError('BAD_INPUT', [message]);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
