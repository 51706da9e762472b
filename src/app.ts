/**
 * buildApp(config, deps) returns a ready Fastify instance and never listens: tests drive it with
 * `inject()`, `main.ts` calls `listen()`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import type { Config } from './config/schema.js';
import type { AppDeps } from './api/rest/deps.js';
import { registerRoutes } from './api/rest/plugin.js';
import { ALL_ROUTES } from './api/rest/routes/index.js';
import type { RouteRow } from './api/rest/route-table.js';
import { AppError } from './errors.js';
import { toHttpError } from './api/rest/to-http-error.js';
import type { AllowList } from './auth/ip-allowlist.js';
import { registerDashboardStatic } from './api/dashboard/static.js';

export interface BuildOptions {
  readonly deps: AppDeps;
  readonly logger?: { error(msg: string, err?: unknown): void; warn(msg: string): void };
  readonly routes?: readonly RouteRow[];
  readonly https?: Record<string, unknown> | null;
  /** Client addresses allowed to connect (`service.allowed_client_ips`); checked before authentication. */
  readonly allowList?: AllowList;
}

export async function buildApp(config: Config, options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: Math.floor(config.service.max_request_size_mb * 1024 * 1024),
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: true, maxParamLength: 2048 },
    // URLs the router cannot even parse (bad percent-escapes, over-long parameters) still get Qdrant's format.
    frameworkErrors: (error, _request, reply) => {
      const answer = toHttpError(new AppError('BAD_REQUEST', [error.message]), process.hrtime.bigint());
      const r = reply as unknown as { code(c: number): { type(t: string): { send(b: unknown): unknown } } };
      void r.code(answer.status).type(answer.contentType).send(answer.body);
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  if (config.service.enable_cors) {
    const allowed = config.service.cors_allowed_origins;
    await app.register(cors, { origin: allowed === null ? true : [...allowed], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] });
  }

  // Every body is JSON (Qdrant ignores the content type of JSON bodies; curl -d sends form encoding).
  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    void jsonParser(request, text, (err, value) => {
      if (err) done(new AppError('BODY_VALIDATION', [err.message]), undefined);
      else done(null, value);
    });
  });

  // Snapshot uploads (multipart field `snapshot`) are streamed by their handlers, never buffered whole.
  await app.register(multipart, { limits: { files: 1, fields: 4, fileSize: Number.MAX_SAFE_INTEGER } });

  const log = options.logger;
  registerRoutes(app, options.deps, {
    allowList: options.allowList,
    routes: options.routes ?? ALL_ROUTES,
    log: (level, message, err) => {
      if (level === 'error') log?.error(message, err);
      else log?.warn(message);
    },
  });
  await registerDashboardStatic(app, config, (m) => log?.warn(m));
  await app.ready();
  return app;
}
