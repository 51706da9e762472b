/** `qdrant.Qdrant/HealthCheck` and `grpc.health.v1.Health/Check`: open, as `/healthz` on REST. */
import type { QdrantHandlers } from '../generated/qdrant/Qdrant.js';
import type { HealthHandlers } from '../generated/grpc/health/v1/Health.js';
import type { Impls } from '../call.js';
import { AppError } from '../../../errors.js';
import { servedServices } from '../proto.js';

export const qdrantService: Impls<QdrantHandlers> = {
  HealthCheck: { run: (_m, ctx) => ({ title: 'qdrant - vector search engine', version: ctx.deps.compatVersion }) },
};

export const healthService: Impls<HealthHandlers> = {
  // Every served service, and the server as a whole (""), is serving while the process answers; an unknown
  // service is NOT_FOUND, as the gRPC health protocol says.
  Check: {
    run: (m) => {
      const service = m.service ?? '';
      if (service !== '' && !servedServices().has(service)) throw new AppError('NOT_FOUND', [`unknown service ${service}`]);
      return { status: 'SERVING' };
    },
  },
};
