/**
 * The gRPC contract, loaded at run time from the vendored `proto/*.proto` (Qdrant 1.19) by @grpc/proto-loader.
 * The load options here and in scripts/gen-grpc.ts must agree: they decide the JavaScript shape of every
 * message (snake_case field names, 64-bit integers as decimal strings so no precision is lost, enums as
 * their names, absent fields left absent, a virtual field naming the member set in each `oneof`).
 */
import { fileURLToPath } from 'node:url';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import type { ProtoGrpcType } from './generated/qdrant.js';
import type { ProtoGrpcType as HealthGrpcType } from './generated/health_check.js';

const LOAD_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true };

/** `proto/` of the package: three levels up from src/api/grpc, four from dist/src/api/grpc. */
export const PROTO_DIR = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../proto/' : '../../../../proto/', import.meta.url));

export interface LoadedContract {
  readonly packageDefinition: PackageDefinition;
  readonly qdrant: ProtoGrpcType['qdrant'];
  readonly health: HealthGrpcType['grpc']['health']['v1'];
}

let loaded: LoadedContract | undefined;

/** The parsed contract (loaded once per process). */
export function contract(): LoadedContract {
  if (loaded !== undefined) return loaded;
  const packageDefinition = loadSync(['qdrant.proto', 'health_check.proto'], { ...LOAD_OPTIONS, includeDirs: [PROTO_DIR] });
  const root = loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType & HealthGrpcType;
  loaded = { packageDefinition, qdrant: root.qdrant, health: root.grpc.health.v1 };
  return loaded;
}

/** The services Quiver serves, by full name (`qdrant.Points`), with their definitions. */
export function servedServices(): ReadonlyMap<string, ServiceDefinition> {
  const c = contract();
  return new Map<string, ServiceDefinition>([
    ['qdrant.Qdrant', c.qdrant.Qdrant.service],
    ['qdrant.Collections', c.qdrant.Collections.service],
    ['qdrant.Points', c.qdrant.Points.service],
    ['qdrant.Snapshots', c.qdrant.Snapshots.service],
    ['qdrant.ShardSnapshots', c.qdrant.ShardSnapshots.service],
    ['grpc.health.v1.Health', c.health.Health.service],
  ]);
}

/** Every RPC path of the served services: `/qdrant.Points/Upsert`, … */
export function servedRpcPaths(): string[] {
  return [...servedServices().values()].flatMap((s) => Object.values(s).map((m) => m.path));
}
