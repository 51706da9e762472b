/**
 * Registers the route table on a Fastify instance with the request path of docs/architecture.md:
 * onRequest authenticates (before the body is read) → the body is parsed and validated against
 * Qdrant's schema → authorize() mints the pass → the handler runs → the result is enveloped.
 */
import { isStrongConsistency } from '../../service/cluster-view.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { okEnvelope } from './envelope.js';
import { toHttpError } from './to-http-error.js';
import { RawReply, type RouteRow, type TypedRoute } from './route-table.js';
import type { AppDeps } from './deps.js';
import { settleAudit } from './gate.js';
import type { OperationName } from '../../auth/access-table.js';
import type { PassFor } from '../../auth/authorize.js';
import { RateLimitedError } from '../../service/rate-limits.js';
import { hasBody, validateBodyInSlices, validateQuery, operationSpec } from './schemas/validator.js';
import { ScannedUpsert } from './parse/upsert-scan.js';

declare module 'fastify' {
  interface FastifyRequest {
    startNs: bigint;
  }
  interface FastifyContextConfig {
    operation?: OperationName;
    /** The route as written in Qdrant's OpenAPI (`/collections/{collection_name}/points`). */
    path?: string;
  }
}

function toFastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

function operationOf(request: FastifyRequest): OperationName | undefined {
  return request.routeOptions.config.operation;
}

export interface RegisterOptions {
  readonly routes: readonly RouteRow[];
  readonly log: (level: 'error' | 'warn', message: string, err?: unknown) => void;
}

export function registerRoutes(app: FastifyInstance, deps: AppDeps, options: RegisterOptions): void {
  app.decorateRequest('startNs', 0n);
  app.decorateRequest('auditPending', undefined);

  app.addHook('onRoute', (opts) => {
    const op = opts.config?.operation;
    if (op === undefined) {
      // Fastify adds HEAD routes for GET routes; they inherit the GET row's config.
      if (opts.method === 'HEAD') return;
      throw new Error(`route ${String(opts.method)} ${opts.url} has no operation name`);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.startNs = process.hrtime.bigint();
    const op = operationOf(request);
    // The client address (service.allowed_client_ips) was checked by the app's first hook (client-ip-guard.ts).
    if (op === undefined) {
      // An unknown path needs the same credential as a known one: without it, the same 401, not a 404.
      if (request.is404) await deps.gate.authenticate(request, undefined);
      return;
    }
    await deps.gate.authenticate(request, op);
  });

  app.addHook('onResponse', (request, reply, done) => {
    // Qdrant's key: the method and the route as written in its OpenAPI (`{collection_name}`), `unknown` for no route.
    const path = request.routeOptions.config?.path;
    const collection = path === undefined ? undefined : (request.params as Record<string, string> | undefined)?.['collection_name'];
    deps.metrics.rest.record(`${request.method} ${path ?? 'unknown'}`, reply.statusCode, Number(process.hrtime.bigint() - request.startNs) / 1e3, collection);
    done();
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(new AppError('NOT_FOUND', [`Not found: no route for ${request.method} ${request.url.split('?')[0] ?? ''}`]), request, reply, options);
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

  for (const row of options.routes) row.use((typed) => registerRoute(app, deps, typed));
}

/** Registers one route: validate the query and body, authorize (the pass of `O`), run the handler, envelope. */
function registerRoute<O extends OperationName>(app: FastifyInstance, deps: AppDeps, row: TypedRoute<O>): void {
  const inSpec = operationSpec(row.operation) !== undefined;
  const collectionOf = (request: FastifyRequest): string | undefined => (request.params as Record<string, string | undefined>)['collection_name'];
  // Passes decided in `onRequest`, before the body is read (`authorizeBeforeBody`).
  const early = new WeakMap<FastifyRequest, PassFor<O>>();
  app.route({
    method: row.method,
    url: toFastifyPath(row.path),
    config: { operation: row.operation, path: row.path },
    ...(row.authorizeBeforeBody
      ? {
          onRequest: async (request: FastifyRequest) => {
            early.set(request, await deps.gate.authorize(request, row.operation, collectionOf(request), undefined));
          },
        }
      : {}),
    handler: async (request, reply) => {
      const params = request.params as Record<string, string>;
      const rawQuery = request.query as Record<string, unknown>;
      const query = inSpec ? validateQuery(row.operation, rawQuery) : rawQuery;
      let body: unknown = request.body;
      if (body === undefined && (!inSpec || hasBody(row.operation))) body = {};
      // An upsert body read by the scanner was checked as it was read (`parse/upsert-scan.ts`).
      if (inSpec && hasBody(row.operation) && !(body instanceof ScannedUpsert)) {
        // A large upsert is validated in slices, yielding to other requests; anything else at once.
        const sliced = validateBodyInSlices(row.operation, body);
        if (sliced !== undefined) await sliced;
      }
      if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        throw new AppError('BODY_VALIDATION', ['expected a JSON object']);
      }
      const pass = early.get(request) ?? (await deps.gate.authorize(request, row.operation, collectionOf(request), body));
      // Distributed mode: a stronger read consistency waits until this node's replica caught up with the log.
      if (deps.cluster !== undefined && pass.kind === 'collection' && isStrongConsistency(query['consistency'])) await deps.cluster.readBarrier(pass.collection);
      const ctx = { params, query, body: (body ?? {}) as Record<string, unknown>, pass, deps, request, reply };
      const result = await row.handler(ctx);
      await settleAudit(request);
      if (result instanceof RawReply) {
        return reply.code(result.status).type(result.contentType).send(result.body);
      }
      return reply.code(200).type('application/json').send(okEnvelope(result, request.startNs));
    },
  });
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, options: RegisterOptions): void {
  const answer = toHttpError(error, request.startNs || process.hrtime.bigint());
  const where = `${request.method} ${request.routeOptions.url ?? ''}`;
  if (answer.unexpected) options.log('error', `unhandled error on ${where}`, error);
  else if (answer.status >= 500) options.log('error', `request failed: ${where}: ${answer.error.message}`, answer.error.cause ?? answer.error);
  if (error instanceof RateLimitedError && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
  void reply.code(answer.status).headers(answer.headers).type(answer.contentType).send(answer.body);
}
