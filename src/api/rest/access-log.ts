/**
 * The access log: one `info` line per request with method, route (the pattern, never the raw URL, so no query
 * string or path value is logged), status, duration and request id; a `warn` line instead when the request took
 * longer than `logger.slow_request_secs`. Headers are never logged, so neither is a key.
 *
 * The request id is the client's `x-request-id` when it is a sane token, else a fresh UUID; it is echoed in the
 * `x-request-id` response header so a client can quote it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface AccessLogOptions {
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** `logger.slow_request_secs`; null = never warn. */
  readonly slowRequestSecs: number | null;
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify `genReqId`: the client's `x-request-id` if it is a plain token (no log injection), else a UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_ID.test(given) ? given : randomUUID();
}

export function registerAccessLog(app: FastifyInstance, options: AccessLogOptions): void {
  const slowMs = options.slowRequestSecs === null ? Number.POSITIVE_INFINITY : options.slowRequestSecs * 1000;
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const ms = reply.elapsedTime;
    const line = { method: request.method, route: request.routeOptions.url ?? '(no route)', status: reply.statusCode, duration_ms: Math.round(ms * 10) / 10, request_id: request.id };
    if (ms > slowMs) options.logger.warn(line, `slow request: ${line.method} ${line.route} → ${line.status} in ${line.duration_ms} ms (over logger.slow_request_secs)`);
    else options.logger.info(line, `${line.method} ${line.route} → ${line.status} in ${line.duration_ms} ms`);
    done();
  });
}
