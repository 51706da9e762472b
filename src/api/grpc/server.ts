/**
 * The gRPC server on `service.grpc_port`: `qdrant.Qdrant`, `qdrant.Collections`, `qdrant.Points`,
 * `qdrant.Snapshots`, `qdrant.ShardSnapshots`, `grpc.health.v1.Health` and server reflection, on the same engine,
 * credentials, audit, allow-list and TLS material as REST, served by the lean HTTP/2 gRPC server of
 * `wire/http2-server.ts`. Messages larger than `service.max_request_size_mb` are refused with RESOURCE_EXHAUSTED
 * before they are buffered or decoded.
 */
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { contract, servedRpcPaths, servedServices } from './proto.js';
import { checkRpcTable, isRpcPath } from './rpc-table.js';
import { openStream, unary, type RpcImpl } from './call.js';
import type { GrpcDeps } from './deps.js';
import type { ReloadingCertificates } from './tls.js';
import { withReplyEncoders } from './wire/encode-replies.js';
import { GrpcHttp2Server, type Route } from './wire/http2-server.js';
import type { StreamCall } from './wire/stream-call.js';
import { collectionsService } from './services/collections.js';
import { pointsService } from './services/points.js';
import { snapshotsService, shardSnapshotsService } from './services/snapshots.js';
import { healthService, qdrantService } from './services/health.js';

const IMPLEMENTATIONS: Readonly<Record<string, Readonly<Record<string, RpcImpl<never, unknown>>>>> = {
  'qdrant.Qdrant': qdrantService,
  'qdrant.Collections': collectionsService,
  'qdrant.Points': pointsService,
  'qdrant.Snapshots': snapshotsService,
  'qdrant.ShardSnapshots': shardSnapshotsService,
  'grpc.health.v1.Health': healthService,
};

/** The routes of one service; throws when an RPC of the definition has no implementation or no table row. */
function unaryRoutes(name: string, definition: ServiceDefinition, deps: GrpcDeps): Route[] {
  const impls = IMPLEMENTATIONS[name] ?? {};
  return Object.entries(withReplyEncoders(definition)).map(([method, def]) => {
    const impl = impls[method];
    if (impl === undefined || !isRpcPath(def.path)) throw new Error(`gRPC: ${def.path} has no implementation`);
    return { path: def.path, deserialize: def.requestDeserialize, serialize: def.responseSerialize, handler: { unary: unary(def.path, impl as RpcImpl<unknown, unknown>, deps) } };
  });
}

/** Server reflection (v1 and v1alpha), open: its handlers run as the anonymous caller behind the address allow-list. */
function reflectionRoutes(deps: GrpcDeps): Route[] {
  const routes: Route[] = [];
  new ReflectionService(contract().packageDefinition).addToServer({
    addService: (definition: ServiceDefinition, impl: UntypedServiceImplementation) => {
      for (const [method, handler] of Object.entries(impl)) {
        const def = definition[method];
        if (def === undefined || !def.requestStream || !def.responseStream) throw new Error(`gRPC reflection: ${method} is not a bidirectional stream`);
        routes.push({ path: def.path, deserialize: def.requestDeserialize, serialize: def.responseSerialize, handler: { stream: openStream(def.path, handler as unknown as (call: StreamCall) => void, deps) } });
      }
    },
  });
  return routes;
}

export interface GrpcTls {
  readonly certificates: ReloadingCertificates;
  readonly hasCa: boolean;
  readonly verifyClient: boolean;
}

export interface RunningGrpcServer {
  /** The bound port (the configured one, or the one the OS chose for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Request messages from this size on make their call foreground work, as REST bodies from 64 KiB. */
const FOREGROUND_MIN_BYTES = 64 * 1024;

/** How long in-flight calls may take to finish when the server closes, before their connections are cut. */
const CLOSE_GRACE_MS = 5000;

/**
 * Builds and binds the server.
 * @throws Error when the RPC table or the implementations do not cover the served services, or the port is taken
 */
export async function startGrpcServer(host: string, port: number, deps: GrpcDeps, tls: GrpcTls | null): Promise<RunningGrpcServer> {
  checkRpcTable(servedRpcPaths());
  const routes = [...servedServices()].flatMap(([name, definition]) => unaryRoutes(name, definition, deps));
  routes.push(...reflectionRoutes(deps));
  const server = new GrpcHttp2Server(routes, {
    maxMessageBytes: Math.floor(deps.config.service.max_request_size_mb * 1024 * 1024),
    tls: tls === null ? null : tls.certificates.serverOptions(tls.hasCa, tls.verifyClient),
    onError: (m, e) => deps.log.error(m, e),
    ...(deps.foreground === undefined ? {} : { foreground: { minBytes: FOREGROUND_MIN_BYTES, enter: deps.foreground } }),
  });
  const detach = tls?.certificates.attach(server);
  let bound: number;
  try {
    bound = await server.listen(host, port);
  } catch (e) {
    detach?.();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    port: bound,
    close: () => {
      closed ??= server.close(CLOSE_GRACE_MS).finally(() => detach?.());
      return closed;
    },
  };
}
