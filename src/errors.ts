/**
 * The one error registry. Every error a client can see is a code of {@link ERRORS}: its kind (which fixes the
 * HTTP status and the gRPC status, {@link KIND_STATUS}) and its message template. Layers below `api/` throw
 * `AppError(code, args)` and never choose a status: `api/rest/to-http-error.ts` and `api/grpc/to-grpc-status.ts`
 * read this file, and they are the only places that do. Message texts copy Qdrant's wording where clients can see
 * them. `tests/unit/errors.test.ts` pins the registry (codes used, templates not repeated at throw sites).
 */

/** gRPC status codes (grpc/status.h); numbers, so no gRPC library is needed to name them. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/**
 * The statuses of each kind of error on both transports. gRPC follows Qdrant's `StorageError` → `tonic::Status`
 * mapping (BadInput → INVALID_ARGUMENT, NotFound → NOT_FOUND, AlreadyExists → ALREADY_EXISTS, Forbidden →
 * PERMISSION_DENIED, ServiceError → INTERNAL, ShardUnavailable → UNAVAILABLE) and its auth middleware
 * (Unauthorized → UNAUTHENTICATED). Size and disk limits are RESOURCE_EXHAUSTED, as gRPC documents.
 */
export const KIND_STATUS = {
  bad_input: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  /** The body parses but breaks a validator rule: Qdrant's 422 (INVALID_ARGUMENT over gRPC). */
  unprocessable: { http: 422, grpc: GrpcStatus.INVALID_ARGUMENT },
  /** Strict mode's rate limits: 429 with Retry-After. */
  rate_limited: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  unauthorized: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  forbidden: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED },
  not_found: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  already_exists: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS },
  payload_too_large: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  unsupported_media_type: { http: 415, grpc: GrpcStatus.INVALID_ARGUMENT },
  too_many_requests: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  service_error: { http: 500, grpc: GrpcStatus.INTERNAL },
  unavailable: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  insufficient_storage: { http: 507, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
} as const satisfies Record<string, { http: number; grpc: GrpcStatus }>;

export type ErrorKind = keyof typeof KIND_STATUS;

interface ErrorSpec {
  readonly kind: ErrorKind;
  readonly message: string;
  /**
   * Answered over REST as a bare text body instead of the JSON envelope: authentication failures, as Qdrant's
   * auth middleware answers them.
   */
  readonly plain?: true;
}

export const ERRORS = {
  // generic, for messages composed by the thrower
  BAD_INPUT: { kind: 'bad_input', message: '%s' },
  NOT_FOUND: { kind: 'not_found', message: '%s' },
  FORBIDDEN: { kind: 'forbidden', message: 'Forbidden: %s' },
  SERVICE_ERROR: { kind: 'service_error', message: 'Service internal error: %s' },
  UNAVAILABLE: { kind: 'unavailable', message: '%s' },
  INSUFFICIENT_STORAGE: { kind: 'insufficient_storage', message: 'No space left on device: %s' },

  // authentication (docs/security.md, "Status codes and bodies"): fixed texts that never echo a key, a token or a claim
  AUTH_MISSING: { kind: 'unauthorized', message: 'Must provide an API key or an Authorization bearer token', plain: true },
  AUTH_INVALID: { kind: 'unauthorized', message: 'Invalid API key or JWT', plain: true },
  JWT_BAD_SIGNATURE: { kind: 'forbidden', message: 'InvalidSignature', plain: true },
  JWT_EXPIRED: { kind: 'forbidden', message: 'ExpiredSignature', plain: true },
  /** `value_exists`: no point matched the claim's filter. */
  JWT_VALUE_MISSING: { kind: 'unauthorized', message: 'Invalid JWT, stateful validation failed', plain: true },
  /** `value_exists`: the claim's collection does not exist. */
  JWT_VALUE_COLLECTION_MISSING: { kind: 'forbidden', message: 'Invalid JWT, stateful validation failed', plain: true },
  /** **Quiver:** brute-force throttling: too many failed authentications from the client's address. */
  AUTH_THROTTLED: { kind: 'too_many_requests', message: 'Too many failed authentications from this address; retry later', plain: true },

  // wire format
  /** The body is not JSON, or not the JSON the operation takes. */
  BODY_VALIDATION: { kind: 'bad_input', message: 'Format error in JSON body: %s' },
  QUERY_VALIDATION: { kind: 'bad_input', message: 'Query deserialize error: %s' },
  VALIDATION: { kind: 'unprocessable', message: 'Validation error in JSON body: [%s]' },
  QUERY_CONSTRAINT: { kind: 'unprocessable', message: 'Validation error in query parameters: [%s]' },
  PAYLOAD_TOO_LARGE: { kind: 'payload_too_large', message: 'Payload too large: %s' },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'unsupported_media_type', message: 'Unsupported Media Type: the request body must be %s, got %s' },

  // browser rules and client addresses (Quiver): refused before authentication
  HOST_NOT_ALLOWED: { kind: 'forbidden', message: 'Forbidden: the Host header does not name this server; a proxy in front of it must be listed in service.allowed_hosts' },
  CROSS_ORIGIN_WRITE: { kind: 'forbidden', message: 'Forbidden: cross-origin writes are refused unless the origin is listed in service.cors_allowed_origins' },

  // collections
  COLLECTION_NOT_FOUND: { kind: 'not_found', message: "Not found: Collection `%s` doesn't exist!" },
  ALIAS_IS_COLLECTION: { kind: 'already_exists', message: 'Wrong input: Collection with name `%s` already exists' },
  COLLECTION_EXISTS: { kind: 'already_exists', message: 'Wrong input: Collection `%s` already exists!' },
  ALIAS_NOT_FOUND: { kind: 'not_found', message: 'Alias %s does not exists!' },
  SHARD_KEY_NOT_FOUND: { kind: 'not_found', message: 'Shard key %s does not exist' },
  SHARD_KEY_EXISTS: { kind: 'bad_input', message: 'Wrong input: Shard key %s already exists' },

  // points and vectors
  POINT_NOT_FOUND: { kind: 'not_found', message: 'Not found: Point with id %s does not exists!' },
  VECTOR_DIMENSION_MISMATCH: { kind: 'bad_input', message: 'Wrong input: Vector dimension error: expected dim: %d, got %d' },
  VECTOR_NAME_NOT_FOUND: { kind: 'bad_input', message: 'Wrong input: Not existing vector name error: %s' },
  BAD_REQUEST: { kind: 'bad_input', message: 'Bad request: %s' },
  WRONG_INPUT: { kind: 'bad_input', message: 'Wrong input: %s' },
  RATE_LIMITED: { kind: 'rate_limited', message: 'Rate limiting exceeded: %s' },
  UNSUPPORTED: { kind: 'bad_input', message: 'Bad request: %s is not supported by Quiver' },
} as const satisfies Record<string, ErrorSpec>;

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

/**
 * An error another node reported (distributed mode: a fanned-out read), with the code and message it sent; an
 * unknown code (a newer node) is a service error.
 */
export function reviveAppError(code: string, message: string): AppError {
  const known = Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : 'SERVICE_ERROR';
  const e = new AppError(known, known === code ? [] : [message]);
  if (known === code) e.message = message;
  return e;
}

/** Shorthand for the most common case: a bad value from the user, described in words. */
export function badInput(message: string): AppError {
  return new AppError('BAD_INPUT', [message]);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** What a client is told about an error that is not an `AppError` (a bug): nothing but where to look. */
export function unexpectedError(cause: unknown): AppError {
  return new AppError('SERVICE_ERROR', ['an unexpected error occurred; see the server log'], { cause });
}

/** True when the code's REST answer is a bare text body (see {@link ErrorSpec.plain}). */
export function isPlainText(code: ErrorCode): boolean {
  const spec: ErrorSpec = ERRORS[code];
  return spec.plain === true;
}

/**
 * `text` with control characters and line separators escaped as in JSON (`\u000a`): a message that quotes what a
 * client sent (a value, a field name, a location) stays one line, in the answer and in the logs.
 */
export function escapeControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
