/**
 * **Quiver:** what keeps a web page the developer visits from reading or writing a local Quiver (CSRF, DNS
 * rebinding). Runs in the first `onRequest` hook, before CORS, authentication and the body:
 *
 * 1. **Host** — when the server is bound to a loopback address, the `Host` header must name a loopback host
 *    (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`, any port) or a name listed in `service.allowed_hosts`
 *    (a reverse proxy's name). Otherwise 403: a rebound DNS name reaches the socket but not the API.
 * 2. **Origin** — a write (any method but GET / HEAD / OPTIONS) carrying an `Origin` header is refused with 403
 *    unless CORS allows that origin or it is this server's own origin (the `Host` the request was sent to: the
 *    bundled dashboard). Browsers send `Origin` on every write, including form posts that need no preflight;
 *    non-browser clients send none.
 * 3. **Content type** — a request with a body must say `application/json` (any parameters), or
 *    `multipart/form-data` on the snapshot upload routes. Otherwise 415 in Qdrant's error format: no
 *    `text/plain` or form-encoded "simple request" is ever parsed.
 *
 * CORS itself ({@link corsOrigins}) is off unless `service.cors_allowed_origins` lists origins (and
 * `service.enable_cors`, Qdrant's switch, is true): Qdrant's default echoes any origin, Quiver's answers none.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { isLoopbackHost } from '../../config/loopback.js';
import { AppError } from '../../errors.js';
import { toHttpError } from './to-http-error.js';

/** Routes whose body is a multipart snapshot upload. */
const MULTIPART_OPERATIONS: ReadonlySet<string> = new Set(['recover_from_uploaded_snapshot', 'recover_shard_from_uploaded_snapshot', 'recover_full_from_uploaded_snapshot']);

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origins CORS answers for: none unless `enable_cors` and `cors_allowed_origins` lists some. */
export function corsOrigins(service: Pick<Config['service'], 'enable_cors' | 'cors_allowed_origins'>): readonly string[] {
  return service.enable_cors ? (service.cors_allowed_origins ?? []) : [];
}

/** The host name of a `Host` header (`[::1]:6333` → `::1`, `Example.com.:80` → `example.com`), lower case. */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end === -1 ? text : text.slice(1, end);
  }
  const colon = text.lastIndexOf(':');
  const name = colon === -1 || text.indexOf(':') !== colon ? text : text.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** True when a request with these headers carries a body (Fastify's rule: a length above 0 or chunked). */
function hasBody(headers: FastifyRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** True when `origin` is the origin the request was sent to (scheme aside): a page this server served. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host.trim()}`).host;
  } catch {
    return false;
  }
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface BrowserGuardOptions {
  /** `service.host` is loopback: the Host rule applies. */
  readonly loopbackBind: boolean;
  /** `service.allowed_hosts`: more names the Host header may carry on a loopback bind. */
  readonly allowedHosts: readonly string[];
  /** The origins CORS allows ({@link corsOrigins}). */
  readonly allowedOrigins: readonly string[];
}

/** Options from the configuration. */
export function browserGuardOptions(config: Config): BrowserGuardOptions {
  return {
    loopbackBind: isLoopbackHost(config.service.host),
    allowedHosts: config.service.allowed_hosts.map(hostName),
    allowedOrigins: corsOrigins(config.service),
  };
}

/**
 * Checks a request against the three rules; `operation` is the matched route's (undefined for unknown routes and
 * CORS preflight).
 * @returns the refusal to send, or undefined when the request may go on
 */
export function browserGuard(options: BrowserGuardOptions): (request: FastifyRequest, operation: string | undefined) => AppError | undefined {
  const hosts = new Set(options.allowedHosts);
  const origins = new Set(options.allowedOrigins);
  return (request, operation) => {
    if (options.loopbackBind) {
      const host = request.headers.host;
      const name = host === undefined ? '' : hostName(host);
      if (!isLoopbackHost(name) && !hosts.has(name)) {
        return new AppError('HOST_NOT_ALLOWED');
      }
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(request.method) && !origins.has(origin) && !sameOrigin(origin, request.headers.host)) {
      return new AppError('CROSS_ORIGIN_WRITE');
    }
    if (hasBody(request.headers)) {
      const type = mediaType(request.headers['content-type']);
      const multipart = operation !== undefined && MULTIPART_OPERATIONS.has(operation);
      if (type !== 'application/json' && !(multipart && type === 'multipart/form-data')) {
        const expected = multipart ? 'multipart/form-data' : 'application/json';
        return new AppError('UNSUPPORTED_MEDIA_TYPE', [expected, type === '' ? 'no Content-Type' : JSON.stringify(type.slice(0, 100))]);
      }
    }
    return undefined;
  };
}

/** Sends a refusal decided before routing (Qdrant's format, through the one error mapping) and returns the reply. */
export function sendRefusal(reply: FastifyReply, refusal: unknown): FastifyReply {
  const start = reply.request.startNs;
  const answer = toHttpError(refusal, typeof start === 'bigint' && start > 0n ? start : process.hrtime.bigint());
  return reply.code(answer.status).headers(answer.headers).type(answer.contentType).send(answer.body);
}
