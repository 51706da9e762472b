/**
 * Serves the web dashboard's files at `/dashboard` (as Qdrant does), when `service.enable_static_content` is
 * on: from `service.static_content_dir`, or by default the bundled build in `dist/dashboard`.
 *
 * Path traversal (Qdrant's `/dashboard/%2f..` advisory): the router decodes the wildcard, so an encoded `/`,
 * `\` or `.` arrives decoded here; any path with an empty, `.` or `..` segment, a backslash, a NUL or a dotfile
 * is refused with 404 before the file system is asked, and `@fastify/send` confines what is left to the root.
 */
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { errorEnvelope } from '../rest/envelope.js';
import { pathInfo } from '../../storage/fs.js';
import { setDashboardHeaders } from './security-headers.js';
import type { OperationName } from '../../auth/access-table.js';

/** The operation name of the dashboard's static routes (an `open` row of the access table). */
export const DASHBOARD_OPERATION: OperationName = 'dashboard';

/** The bundled dashboard: `<package>/dist/dashboard`, from `src/api/dashboard` or `dist/src/api/dashboard`. */
export function bundledDashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = here.includes(`${sep}dist${sep}src${sep}`);
  return resolve(here, fromDist ? '../../../..' : '../../..', 'dist', 'dashboard');
}

/** The directory served at `/dashboard`, or null when static content is disabled. */
export function staticContentDir(config: Config): string | null {
  if (!config.service.enable_static_content) return null;
  return config.service.static_content_dir ?? bundledDashboardDir();
}

/**
 * The file to serve for the decoded wildcard `rest` (`''` is the index), or undefined when the path is refused.
 * Only plain relative names of visible files: `assets/index-1a2b.js`, never `../x`, `a//b`, `.env` or `a\b`.
 */
export function safeRelativePath(rest: string): string | undefined {
  if (rest === '') return 'index.html';
  if (rest.includes('\\') || rest.includes('\0')) return undefined;
  const segments = rest.split('/');
  // A trailing slash (a directory) serves nothing: the dashboard has no listings.
  for (const s of segments) if (s === '' || s.startsWith('.')) return undefined;
  return segments.join('/');
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).type('application/json').send(errorEnvelope(`Not found: no route for GET ${request.url.split('?')[0] ?? ''}`, request.startNs || process.hrtime.bigint()));
}

/** Registers `GET /dashboard` and `GET /dashboard/*` when static content is enabled. */
export async function registerDashboardStatic(app: FastifyInstance, config: Config, warn: (message: string) => void): Promise<void> {
  const root = staticContentDir(config);
  if (root === null) return;
  if (pathInfo(join(root, 'index.html'))?.isFile !== true) {
    warn(`/dashboard: ${root} has no index.html (run \`npm run build\`, or set service.static_content_dir)`);
  }
  await app.register(fastifyStatic, { root, serve: false, decorateReply: true });
  const serve = (request: FastifyRequest, reply: FastifyReply, rest: string): FastifyReply => {
    setDashboardHeaders(reply);
    const file = safeRelativePath(rest);
    if (file === undefined) return notFound(request, reply);
    // Hashed build assets never change; the index must be revalidated so a new build is picked up.
    const immutable = file.startsWith('assets/');
    return reply.sendFile(file, root, {
      dotfiles: 'deny',
      index: false,
      cacheControl: false,
      etag: true,
      lastModified: true,
    }).header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
  const config_ = { operation: DASHBOARD_OPERATION };
  app.get('/dashboard', { config: config_ }, (request, reply) => serve(request, reply, ''));
  app.get('/dashboard/*', { config: config_ }, (request, reply) => serve(request, reply, (request.params as Record<string, string>)['*'] ?? ''));
}
