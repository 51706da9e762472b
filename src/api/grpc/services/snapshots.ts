/** `qdrant.Snapshots` and `qdrant.ShardSnapshots` on the snapshot service (one local shard, 0, per collection). */
import { AppError } from '../../../errors.js';
import type { SnapshotDescription, SnapshotService } from '../../../service/snapshots/service.js';
import { validateCollectionName } from '../../../service/table-of-content.js';
import type { CollectionPass } from '../../../auth/authorize.js';
import type { SnapshotsHandlers } from '../generated/qdrant/Snapshots.js';
import type { ShardSnapshotsHandlers } from '../generated/qdrant/ShardSnapshots.js';
import type * as M from '../generated/messages.js';
import { collectionPass, globalPass, type Impls, type RpcContext } from '../call.js';
import { bad } from '../parse/common.js';

function service(ctx: RpcContext): SnapshotService {
  return ctx.deps.snapshots;
}

function existing(ctx: RpcContext): CollectionPass {
  const pass = collectionPass(ctx);
  ctx.deps.toc.get(pass);
  return pass;
}

function shard(ctx: RpcContext, id: number | undefined): number {
  const shardId = id ?? 0;
  if (shardId !== 0) throw new AppError('NOT_FOUND', [`Not found: Shard ${shardId} of collection ${ctx.collection ?? ''} does not exist on this node (Quiver holds one local shard, 0)`]);
  return shardId;
}

function description(d: SnapshotDescription): M.SnapshotDescription {
  const out: M.SnapshotDescription = { name: d.name, size: d.size };
  if (d.creation_time !== null) {
    const ms = Date.parse(d.creation_time.endsWith('Z') ? d.creation_time : `${d.creation_time}Z`);
    if (Number.isFinite(ms)) out.creation_time = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
  }
  if (d.checksum !== null) out.checksum = d.checksum;
  return out;
}

export const snapshotsService: Impls<SnapshotsHandlers> = {
  Create: { run: async (_m, ctx) => ({ snapshot_description: description(await service(ctx).create(existing(ctx))) }) },
  List: { run: (_m, ctx) => ({ snapshot_descriptions: service(ctx).list({ kind: 'collection', collection: existing(ctx).collection }).map(description) }) },
  Delete: {
    run: (m, ctx) => {
      service(ctx).delete({ kind: 'collection', collection: existing(ctx).collection }, m.snapshot_name ?? '');
      return {};
    },
  },
  CreateFull: { run: async (_m, ctx) => ({ snapshot_description: description(await service(ctx).createFull(globalPass(ctx))) }) },
  ListFull: { run: (_m, ctx) => ({ snapshot_descriptions: service(ctx).list({ kind: 'full' }).map(description) }) },
  DeleteFull: {
    run: (m, ctx) => {
      service(ctx).delete({ kind: 'full' }, m.snapshot_name ?? '');
      return {};
    },
  },
};

export const shardSnapshotsService: Impls<ShardSnapshotsHandlers> = {
  Create: { run: async (m, ctx) => ({ snapshot_description: description(await service(ctx).create(existing(ctx), shard(ctx, m.shard_id))) }) },
  List: {
    run: (m, ctx) => ({ snapshot_descriptions: service(ctx).list({ kind: 'shard', collection: existing(ctx).collection, shardId: shard(ctx, m.shard_id) }).map(description) }),
  },
  Delete: {
    run: (m, ctx) => {
      service(ctx).delete({ kind: 'shard', collection: existing(ctx).collection, shardId: shard(ctx, m.shard_id) }, m.snapshot_name ?? '');
      return {};
    },
  },
  Recover: {
    run: async (m, ctx) => {
      const pass = globalPass(ctx);
      const name = m.collection_name ?? '';
      validateCollectionName(name);
      const real = ctx.deps.toc.resolve(name);
      ctx.deps.toc.get(pass.issue(real));
      const shardId = shard(ctx, m.shard_id);
      const loc = m.snapshot_location;
      const location = loc?.location === 'url' ? loc.url : loc?.location === 'path' ? `file://${loc.path ?? ''}` : undefined;
      if (location === undefined) throw bad('snapshot_location: a url or a path is required');
      const svc = service(ctx);
      const request = { location, checksum: m.checksum ?? undefined, apiKey: m.api_key ?? undefined };
      const source = await svc.openLocation(request, { collection: real, shardId });
      const prepared = await svc.prepare(pass, name, source, request.checksum, 'shard');
      await prepared.apply();
      return {};
    },
  },
};
