/**
 * buildApp(config, deps) returns a ready Fastify instance and never listens: tests drive it with
 * `inject()`, `main.ts` calls `listen()`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import type { Config } from './config/schema.js';
import type { AppDeps } from './api/rest/deps.js';
import { registerRoutes } from './api/rest/plugin.js';
import { lingerOnEarlyAnswers } from './api/rest/linger.js';
import { ALL_ROUTES } from './api/rest/routes/index.js';
import type { RouteRow } from './api/rest/route-table.js';
import { AppError } from './errors.js';
import type { AllowList } from './auth/ip-allowlist.js';
import { registerDashboardStatic } from './api/dashboard/static.js';
import { clientIpGuard } from './api/rest/client-ip-guard.js';
import { browserGuard, browserGuardOptions, corsOrigins, sendRefusal } from './api/rest/browser-guard.js';
import { registerAccessLog, requestIdOf, type AccessLogOptions } from './api/rest/access-log.js';
import { holdsLargeNumber, noteBigints, parseExactJson, stringifyJson } from './exact-json.js';
import { checkExactIntegers } from './api/rest/exact-body.js';
import { parseJsonInSlices, SLICED_PARSE_MIN_CHARS } from './api/rest/sliced-json.js';
import { readUpsertBody } from './api/rest/parse/read-upsert-body.js';
import { foregroundWork } from './index/foreground-work.js';

/** Request bodies from this size on make their request foreground work (~50 points of 128 dimensions). */
const FOREGROUND_MIN_BYTES = 64 * 1024;

export interface BuildOptions {
  readonly deps: AppDeps;
  readonly logger?: { error(msg: string, err?: unknown): void; warn(msg: string): void };
  readonly routes?: readonly RouteRow[];
  readonly https?: Record<string, unknown> | null;
  /** Client addresses allowed to connect (`service.allowed_client_ips`); checked before authentication. */
  readonly allowList?: AllowList;
  /** Where the access log goes (none when absent). */
  readonly accessLog?: AccessLogOptions;
}

export async function buildApp(config: Config, options: BuildOptions): Promise<FastifyInstance> {
  const ipGuard = clientIpGuard(options.allowList, options.deps.audit);
  const app = Fastify({
    logger: false,
    bodyLimit: Math.floor(config.service.max_request_size_mb * 1024 * 1024),
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: true, maxParamLength: 2048 },
    // URLs the router cannot even parse (bad percent-escapes, over-long parameters) still get Qdrant's format.
    frameworkErrors: (error, request, reply) => {
      const r = reply as unknown as FastifyReply;
      const req = request as unknown as FastifyRequest;
      // The client address first, then the credential (an unparseable URL needs one like any other), then the 400.
      const answer = async (): Promise<AppError> => {
        const refused = await ipGuard(req);
        if (refused !== undefined) return refused;
        await options.deps.gate.authenticate(req, undefined);
        return new AppError('BAD_REQUEST', [error.message]);
      };
      // A failure of the above (an authentication failure, a fail-closed audit write) is answered as it is.
      answer().then(
        (refusal) => sendRefusal(r, refusal),
        (e: unknown) => sendRefusal(r, e),
      );
    },
    return503OnClosing: true,
    genReqId: requestIdOf,
    forceCloseConnections: 'idle',
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  // A request answered before its body arrived (413) keeps its connection while the body drains, so that the
  // client reads the answer instead of a reset.
  lingerOnEarlyAnswers(app);

  // Registered before CORS so that they run first, on every route, preflight and unknown paths included: the
  // client address, then the browser rules.
  // They answer by themselves rather than throw: the CORS preflight route has no Qdrant error handler.
  app.addHook('onRequest', async (request, reply) => {
    request.startNs = process.hrtime.bigint();
    const refusal = await ipGuard(request);
    if (refusal !== undefined) return sendRefusal(reply, refusal);
    return undefined;
  });
  // A large request (an upsert of many points) is foreground work: background graph builds give way to it from the
  // moment its body has arrived and is parsed until its response is sent (`index/foreground-work.ts`). Not while the
  // body is still arriving: a slow upload is no work for this process.
  const foreground = new WeakMap<FastifyRequest['raw'], () => void>();
  app.addHook('onRequest', (request, reply, done) => {
    if (Number(request.headers['content-length'] ?? 0) >= FOREGROUND_MIN_BYTES) {
      foreground.set(request.raw, () => {
        if (!reply.raw.writableEnded && !reply.raw.destroyed) reply.raw.once('close', foregroundWork.enter());
      });
    }
    done();
  });
  const guard = browserGuard(browserGuardOptions(config));
  app.addHook('onRequest', async (request, reply) => {
    const refusal = guard(request, request.routeOptions.config.operation);
    if (refusal !== undefined) return sendRefusal(reply, refusal);
    return undefined;
  });

  const origins = corsOrigins(config.service);
  if (origins.length > 0) {
    await app.register(cors, { origin: [...origins], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] });
  }

  // Bodies are JSON, declared as such (the browser guard answers 415 to any other content type); multipart
  // snapshot uploads are parsed by their handlers.
  app.removeAllContentTypeParsers();
  // `__proto__` and `constructor` are ordinary payload keys in Qdrant; JSON.parse makes them own properties, and
  // every payload path is read and written through own-property accessors (json-path.ts, read.ts).
  const jsonParser = app.getDefaultJsonParser('ignore', 'ignore');
  // Bodies arrive as bytes: a large upsert goes to the scan worker undecoded (`parse/read-upsert-body.ts`); every
  // other body is decoded here, as Fastify would.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    foreground.get(request.raw)?.();
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const general = (): void => parseText(request, bytes.toString('utf8'), done);
    // An upsert of plain dense points is read straight into Float32 rows; any other body, or one the scanner does not
    // read, takes the general path.
    if (request.routeOptions.config.operation === 'upsert_points') readUpsertBody(bytes).then((scanned) => (scanned === undefined ? general() : done(null, scanned)), general);
    else general();
  });
  /** The general path: JSON.parse (in slices when large), exact integers where JSON.parse rounded one. */
  const parseText = (request: FastifyRequest, text: string, done: (err: Error | null, body?: unknown) => void): void => {
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    // Integers beyond ±2^53−1 are parsed again exactly (JSON.parse would round them silently): kept as bigints in
    // payloads and filter values, refused elsewhere.
    const refuse = (e: unknown): void => done(e instanceof AppError ? e : new AppError('BODY_VALIDATION', [e instanceof Error ? e.message : String(e)]), undefined);
    const exact = (value: unknown): void => {
      try {
        checkExactIntegers(value);
      } catch (e) {
        refuse(e);
        return;
      }
      done(null, value);
    };
    const checked = (value: unknown): void => {
      if (!holdsLargeNumber(value)) done(null, value);
      // A large body is parsed again a slice at a time, as the first time.
      else if (text.length >= SLICED_PARSE_MIN_CHARS) parseJsonInSlices(text, parseExactJson).then((v) => exact(noteBigints(v)), refuse);
      else {
        let v: unknown;
        try {
          v = parseExactJson(text);
        } catch (e) {
          refuse(e);
          return;
        }
        exact(v);
      }
    };
    const whole = (): void =>
      void jsonParser(request, text, (err, value) => {
        if (err) done(new AppError('BODY_VALIDATION', [err.message]), undefined);
        else checked(value);
      });
    // A large body (a big upsert) is parsed a slice at a time so other requests are answered meanwhile; if it
    // does not parse, the whole-text parser gives the error.
    if (text.length >= SLICED_PARSE_MIN_CHARS) parseJsonInSlices(text).then(checked, whole);
    else whole();
  };

  // Replies print bigints (exact 64-bit payload integers) as their digits; JSON.stringify otherwise.
  app.setReplySerializer((payload) => stringifyJson(payload));

  // Snapshot uploads (multipart field `snapshot`) are streamed by their handlers, never buffered whole.
  await app.register(multipart, { limits: { files: 1, fields: 4, fileSize: Number.MAX_SAFE_INTEGER } });

  if (options.accessLog !== undefined) registerAccessLog(app, options.accessLog);
  const log = options.logger;
  registerRoutes(app, options.deps, {
    routes: options.routes ?? ALL_ROUTES,
    log: (level, message, err) => {
      if (level === 'error') log?.error(message, err);
      else log?.warn(message);
    },
  });
  await registerDashboardStatic(app, config, (m) => log?.warn(m));
  // Once shutdown starts, responses close their connection: a keep-alive client whose request was in flight at
  // SIGTERM would otherwise hold the drain open until shutdown_timeout_sec (forceCloseConnections only closes the
  // connections idle when close() is called).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  await app.ready();
  return app;
}
