/**
 * `service.metrics_port` (**Quiver**): a second, plain-HTTP listener with only `/metrics` and the health probes,
 * without authentication, so Prometheus and Kubernetes probes need no API key. It serves no data and accepts
 * no writes; bind it where only the monitoring network can reach it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../../service/metrics.js';

export async function buildMetricsApp(metrics: Metrics): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, return503OnClosing: true, forceCloseConnections: true });
  app.get('/metrics', async (request, reply) => {
    const perCollection = (request.query as Record<string, unknown> | undefined)?.['per_collection'] === 'true';
    return reply.type(metrics.contentType).send(await metrics.render(perCollection));
  });
  app.get('/healthz', (_request, reply) => reply.type('text/plain; charset=utf-8').send('healthz check passed'));
  app.get('/livez', (_request, reply) => reply.type('text/plain; charset=utf-8').send('healthz check passed'));
  app.get('/readyz', (_request, reply) => reply.type('text/plain; charset=utf-8').send('all shards are ready'));
  await app.ready();
  return app;
}
