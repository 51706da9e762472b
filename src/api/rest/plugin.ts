/**
 * Registers the route table on a Fastify instance with the request path of ARCHITECTURE.md:
 * onRequest authenticates (before the body is read) → the body is parsed and validated against
 * Qdrant's schema → authorize() mints the pass → the handler runs → the result is enveloped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../errors.js';
import { errorEnvelope, okEnvelope } from './envelope.js';
import { statusOf } from './error-mapper.js';
import { RawReply, type RouteRow } from './route-table.js';
import type { AppDeps } from './deps.js';
import { HttpRejection, settleAudit, type Pass } from './gate.js';
import { hasBody, validateBody, validateQuery, operationSpec } from './schemas/validator.js';

declare module 'fastify' {
  interface FastifyRequest {
    startNs: bigint;
    pass: Pass | undefined;
  }
  interface FastifyContextConfig {
    operation?: string;
    authorizeBeforeBody?: boolean;
  }
}

function toFastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

function operationOf(request: FastifyRequest): string | undefined {
  return request.routeOptions.config.operation;
}

export interface RegisterOptions {
  readonly routes: readonly RouteRow[];
  /** Fails registration of a route whose operation has no access rule. */
  readonly hasAccessRule: (operation: string) => boolean;
  readonly log: (level: 'error' | 'warn', message: string, err?: unknown) => void;
}

export function registerRoutes(app: FastifyInstance, deps: AppDeps, options: RegisterOptions): void {
  app.decorateRequest('startNs', 0n);
  app.decorateRequest('pass', undefined);
  app.decorateRequest('auditPending', undefined);

  app.addHook('onRoute', (opts) => {
    const op = opts.config?.operation;
    if (op === undefined) {
      // Fastify adds HEAD routes for GET routes; they inherit the GET row's config.
      if (opts.method === 'HEAD') return;
      throw new Error(`route ${String(opts.method)} ${opts.url} has no operation name`);
    }
    if (!options.hasAccessRule(op)) throw new Error(`route ${String(opts.method)} ${opts.url} (${op}) has no row in the access table`);
  });

  app.addHook('onRequest', async (request) => {
    request.startNs = process.hrtime.bigint();
    const op = operationOf(request);
    // The client address (service.allowed_client_ips) was checked by the app's first hook (client-ip-guard.ts).
    if (op === undefined) return;
    await deps.gate.authenticate(request, op);
    if (request.routeOptions.config.authorizeBeforeBody === true) {
      const collection = (request.params as Record<string, string | undefined>)['collection_name'];
      request.pass = await deps.gate.authorize(request, op, collection, undefined);
    }
  });

  app.addHook('onResponse', (request, reply, done) => {
    const op = operationOf(request) ?? 'unknown';
    deps.metrics.observe(request.method, request.routeOptions.url ?? op, reply.statusCode, Number(process.hrtime.bigint() - request.startNs) / 1e9);
    done();
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorEnvelope(`Not found: no route for ${request.method} ${request.url.split('?')[0] ?? ''}`, request.startNs || process.hrtime.bigint()));
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    // The decision's audit line must be durable before any answer, an error included.
    let e = error;
    try {
      await settleAudit(request);
    } catch (auditError) {
      e = auditError;
    }
    sendError(e, request, reply, options);
    return reply;
  });

  for (const row of options.routes) {
    const inSpec = operationSpec(row.operation) !== undefined;
    app.route({
      method: row.method,
      url: toFastifyPath(row.path),
      config: { operation: row.operation, authorizeBeforeBody: row.authorizeBeforeBody === true },
      handler: async (request, reply) => {
        const params = request.params as Record<string, string>;
        const rawQuery = request.query as Record<string, unknown>;
        const query = inSpec ? validateQuery(row.operation, rawQuery) : rawQuery;
        let body: unknown = request.body;
        if (body === undefined && (!inSpec || hasBody(row.operation))) body = {};
        if (inSpec && hasBody(row.operation)) validateBody(row.operation, body);
        if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
          throw new AppError('BODY_VALIDATION', ['expected a JSON object']);
        }
        const pass = request.pass ?? (await deps.gate.authorize(request, row.operation, params['collection_name'], body));
        request.pass = pass;
        const result = await row.handler({ params, query, body: (body ?? {}) as Record<string, unknown>, pass, deps, request, reply });
        await settleAudit(request);
        if (result instanceof RawReply) {
          return reply.code(result.status).type(result.contentType).send(result.body);
        }
        return reply.code(200).type('application/json').send(okEnvelope(result, request.startNs));
      },
    });
  }
}

function fastifyErrorStatus(error: { code?: unknown; statusCode?: unknown }): number | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 413;
  if (typeof error.code === 'string' && error.code.startsWith('FST_ERR_CTP')) return 400;
  if (error.code === 'FST_ERR_VALIDATION') return 400;
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) return error.statusCode;
  return undefined;
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, options: RegisterOptions): void {
  const start = request.startNs || process.hrtime.bigint();
  if (error instanceof HttpRejection) {
    void reply.headers(error.headers);
    if (typeof error.body === 'string') void reply.code(error.status).type('text/plain; charset=utf-8').send(error.body);
    else void reply.code(error.status).type('application/json').send({ ...error.body, time: Number(process.hrtime.bigint() - start) / 1e9 });
    return;
  }
  if (isAppError(error)) {
    const status = statusOf(error.kind);
    if (status >= 500) options.log('error', `request failed: ${request.method} ${request.routeOptions.url ?? ''}: ${error.message}`, error.cause ?? error);
    void reply.code(status).type('application/json').send(errorEnvelope(error.message, start));
    return;
  }
  const e = (error ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const status = fastifyErrorStatus(e);
  if (status !== undefined) {
    const message =
      status === 413
        ? `Payload too large: the request body exceeds service.max_request_size_mb`
        : e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? 'Format error in JSON body: EOF while parsing a value'
          : `Format error in JSON body: ${typeof e.message === 'string' ? e.message : 'invalid request'}`;
    void reply.code(status).type('application/json').send(errorEnvelope(message, start));
    return;
  }
  options.log('error', `unhandled error on ${request.method} ${request.routeOptions.url ?? ''}`, error);
  void reply.code(500).type('application/json').send(errorEnvelope('Service internal error: an unexpected error occurred; see the server log', start));
}
