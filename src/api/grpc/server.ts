/**
 * The gRPC server on `service.grpc_port`: `qdrant.Qdrant`, `qdrant.Collections`, `qdrant.Points`,
 * `qdrant.Snapshots`, `qdrant.ShardSnapshots`, `grpc.health.v1.Health` and server reflection, on the same engine,
 * credentials, audit, allow-list and TLS material as REST. Messages larger than `service.max_request_size_mb` are
 * refused by grpc-js with RESOURCE_EXHAUSTED before they are decoded.
 */
import { Server, ServerCredentials, type ServerDuplexStream, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { Config } from '../../config/schema.js';
import { contract, servedRpcPaths, servedServices } from './proto.js';
import { checkRpcTable, isRpcPath } from './rpc-table.js';
import { openStream, unary, type RpcImpl } from './call.js';
import type { GrpcDeps } from './deps.js';
import { grpcServerCredentials, type ReloadingCertificates } from './tls.js';
import { withReplyEncoders } from './wire/encode-replies.js';
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

/** The handlers of one service; throws when an RPC of the definition has no implementation or no table row. */
function handlers(name: string, definition: ServiceDefinition, deps: GrpcDeps): UntypedServiceImplementation {
  const impls = IMPLEMENTATIONS[name] ?? {};
  const out: UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(definition)) {
    const impl = impls[method];
    if (impl === undefined || !isRpcPath(def.path)) throw new Error(`gRPC: ${def.path} has no implementation`);
    out[method] = unary(def.path, impl as RpcImpl<unknown, unknown>, deps);
  }
  return out;
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

/**
 * Options of the grpc-js server: message size limits from `service.max_request_size_mb`; channelz off (Quiver
 * serves no channelz service, and its per-call bookkeeping — counters, timestamps, a tracker object — is paid on
 * every call otherwise).
 */
function grpcServerOptions(config: Config): Record<string, number> {
  const bytes = Math.floor(config.service.max_request_size_mb * 1024 * 1024);
  return { 'grpc.max_receive_message_length': bytes, 'grpc.max_send_message_length': -1, 'grpc.enable_channelz': 0 };
}

/**
 * Builds and binds the server.
 * @throws Error when the RPC table or the implementations do not cover the served services, or the port is taken
 */
export async function startGrpcServer(host: string, port: number, deps: GrpcDeps, tls: GrpcTls | null): Promise<RunningGrpcServer> {
  checkRpcTable(servedRpcPaths());
  const server = new Server(grpcServerOptions(deps.config));
  // The hottest replies (scored points, write results) are written by hand-made encoders (wire/encode-replies.ts).
  for (const [name, definition] of servedServices()) server.addService(withReplyEncoders(definition), handlers(name, definition, deps));
  // Reflection (v1 and v1alpha) is open: its handlers run as the anonymous caller behind the address allow-list.
  new ReflectionService(contract().packageDefinition).addToServer({
    addService: (definition: ServiceDefinition, impl: UntypedServiceImplementation) => {
      const open: UntypedServiceImplementation = {};
      for (const [method, handler] of Object.entries(impl)) {
        const path = definition[method]?.path ?? method;
        open[method] = openStream(path, handler as (call: ServerDuplexStream<unknown, unknown>) => void, deps);
      }
      server.addService(definition, open);
    },
  });
  const credentials = tls === null ? ServerCredentials.createInsecure() : grpcServerCredentials(tls.certificates, tls.hasCa, tls.verifyClient);
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => (err === null ? resolve(p) : reject(err)));
  });
  let closed = false;
  return {
    port: bound,
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        // In-flight calls finish; a stuck client cannot hold the shutdown longer than the grace period.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
