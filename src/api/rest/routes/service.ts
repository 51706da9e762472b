/** Service routes: version, health, telemetry, metrics, cluster status, issues, quotas. */
import { route, RawReply, type RouteRow } from '../route-table.js';
import { badInput } from '../../../errors.js';
import { QDRANT_COMPAT_VERSION } from '../../../version.js';
import { parseQuotaConfig } from '../parse/quotas.js';


/** Qdrant's log levels (tracing's) → pino's. */
const PINO_LEVELS: Readonly<Record<string, string>> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', off: 'silent' };

function qdrantLevel(pino: string): string {
  return pino === 'silent' ? 'OFF' : pino === 'fatal' ? 'ERROR' : pino.toUpperCase();
}

export const serviceRoutes: RouteRow[] = [
  // Qdrant's VersionInfo exactly; Quiver's own version is the `x-quiver-version` header (and in /telemetry).
  route('GET', '/', 'root', ({ deps, reply }) => {
    void reply.header('x-quiver-version', deps.quiverVersion);
    return new RawReply({ title: 'qdrant - vector search engine', version: QDRANT_COMPAT_VERSION, commit: null }, 'application/json');
  }),
  route('GET', '/healthz', 'healthz', () => new RawReply('healthz check passed', 'text/plain; charset=utf-8')),
  route('GET', '/livez', 'livez', () => new RawReply('healthz check passed', 'text/plain; charset=utf-8')),
  route('GET', '/readyz', 'readyz', () => new RawReply('all shards are ready', 'text/plain; charset=utf-8')),
  route('GET', '/telemetry', 'telemetry', ({ deps, query }) => {
    const names = deps.toc.collectionNames();
    const details = typeof query['details_level'] === 'number' ? query['details_level'] : 0;
    const result: Record<string, unknown> = {
      id: deps.startedAt.getTime().toString(16),
      app: {
        name: 'qdrant',
        version: QDRANT_COMPAT_VERSION,
        startup: deps.startedAt.toISOString(),
        quiver_version: deps.quiverVersion,
      },
      collections: {
        number_of_collections: names.length,
        ...(details >= 1 ? { collections: names.map((n) => ({ id: n, points_count: deps.toc.uncheckedCollection(n, 'telemetry (global access)')?.pointsCount ?? 0 })) } : {}),
      },
    };
    if (deps.config.telemetry_disabled) result['app'] = { name: 'qdrant', version: QDRANT_COMPAT_VERSION, startup: deps.startedAt.toISOString() };
    return result;
  }),
  route('GET', '/metrics', 'metrics', async ({ deps }) => new RawReply(await deps.metrics.render(), deps.metrics.contentType)),
  route('GET', '/cluster', 'cluster_status', (ctx) => ctx.deps.cluster?.status() ?? { status: 'disabled' }),
  route('GET', '/cluster/telemetry', 'cluster_telemetry', () => {
    throw badInput('Distributed mode is disabled: this is a single node');
  }),
  route('POST', '/cluster/recover', 'recover_current_peer', () => {
    throw badInput('Distributed mode is disabled: there is no raft state to recover');
  }),
  route('DELETE', '/cluster/peer/{peer_id}', 'remove_peer', () => {
    throw badInput('Distributed mode is disabled: there are no peers to remove');
  }),
  route('GET', '/logger', 'get_logger_config', ({ deps }) => ({ log_level: qdrantLevel(deps.logLevel.get()) })),
  route('POST', '/logger', 'update_logger_config', ({ deps, body }) => {
    const wanted = body['log_level'];
    if (wanted !== undefined && wanted !== null) {
      const level = typeof wanted === 'string' ? PINO_LEVELS[wanted.trim().toLowerCase()] : undefined;
      if (level === undefined) throw badInput(`Format error in JSON body: log_level: expected one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, got ${JSON.stringify(wanted)}`);
      deps.logLevel.set(level);
    }
    return true;
  }),
  route('GET', '/issues', 'get_issues', (ctx) => ({ issues: ctx.deps.issues.list((names) => ctx.pass.visible(names), ctx.pass.auth.access.kind === 'global') })),
  route('DELETE', '/issues', 'clear_issues', ({ deps }) => {
    deps.issues.clear();
    return true;
  }),
  route('GET', '/quotas', 'get_quotas', ({ deps }) => deps.quotas.get()),
  route('PUT', '/quotas', 'update_quotas', async ({ deps, body }) => {
    await deps.quotas.set(parseQuotaConfig(body));
    return true;
  }),
];
