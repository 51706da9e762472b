/** `qdrant.Collections` on the table of contents. Cluster changes answer as Qdrant's single node does. */
import { AppError } from '../../../errors.js';
import type { AliasAction } from '../../../service/table-of-content.js';
import type { CollectionsHandlers } from '../generated/qdrant/Collections.js';
import type * as M from '../generated/messages.js';
import { collectionPass, globalPass, visibleNames, type Impls } from '../call.js';
import { bad, shardKey } from '../parse/common.js';
import { buildCollectionConfig, configPatch } from '../../collection-config.js';
import { createCollectionConfig, updateCollectionPatch } from '../parse/collection.js';
import { collectionInfo } from '../present/collection.js';
import { protoShardKey } from '../present/points.js';
import { localShards } from '../../../collection/shards.js';
import { remotePointsCount } from '../../../service/fanned-reads.js';

function aliasAction(a: M.AliasOperations__Output, i: number): AliasAction {
  switch (a.action) {
    case 'create_alias':
      return { create_alias: { collection_name: a.create_alias?.collection_name ?? '', alias_name: a.create_alias?.alias_name ?? '' } };
    case 'delete_alias':
      return { delete_alias: { alias_name: a.delete_alias?.alias_name ?? '' } };
    case 'rename_alias':
      return { rename_alias: { old_alias_name: a.rename_alias?.old_alias_name ?? '', new_alias_name: a.rename_alias?.new_alias_name ?? '' } };
    default:
      throw bad(`actions[${i}]: an alias operation is required`);
  }
}

export const collectionsService: Impls<CollectionsHandlers> = {
  List: { run: (_m, ctx) => ({ collections: visibleNames(ctx, ctx.deps.toc.collectionNames()).map((name) => ({ name })) }) },
  Get: { run: async (_m, ctx) => ({ result: collectionInfo(ctx.deps.toc.get(collectionPass(ctx)), await remotePointsCount(ctx.deps, collectionPass(ctx))) }) },
  Create: { run: async (m, ctx) => ({ result: await ctx.deps.toc.create(globalPass(ctx), m.collection_name ?? '', buildCollectionConfig(createCollectionConfig(m), ctx.deps.toc.collectionDefaults)) }) },
  Update: {
    run: async (m, ctx) => {
      await ctx.deps.toc.changeConfig(collectionPass(ctx), configPatch(updateCollectionPatch(m)));
      return { result: true };
    },
  },
  Delete: { run: async (m, ctx) => ({ result: await ctx.deps.toc.delete(globalPass(ctx), m.collection_name ?? '') }) },
  UpdateAliases: {
    run: async (m, ctx) => {
      await ctx.deps.toc.updateAliases(globalPass(ctx), (m.actions ?? []).map(aliasAction));
      return { result: true };
    },
  },
  ListCollectionAliases: { run: (_m, ctx) => ({ aliases: ctx.deps.toc.aliasesOf(collectionPass(ctx).collection) }) },
  ListAliases: {
    run: (_m, ctx) => {
      const all = ctx.deps.toc.allAliases();
      const visible = new Set(visibleNames(ctx, [...new Set(all.map((a) => a.collection_name))]));
      return { aliases: all.filter((a) => visible.has(a.collection_name)) };
    },
  },
  CollectionExists: { run: (_m, ctx) => ({ result: { exists: ctx.deps.toc.exists(collectionPass(ctx).collection) } }) },
  CollectionClusterInfo: {
    run: (_m, ctx) => {
      const local_shards: M.LocalShardInfo[] = localShards(ctx.deps.toc.get(collectionPass(ctx))).map((s) => ({
        shard_id: s.shardId,
        ...(s.shardKey === undefined ? {} : { shard_key: protoShardKey(s.shardKey) }),
        points_count: s.pointsCount,
        state: 'Active',
      }));
      return { peer_id: 0, shard_count: local_shards.length, local_shards, remote_shards: [], shard_transfers: [], resharding_operations: [] };
    },
  },
  UpdateCollectionClusterSetup: {
    run: () => {
      throw new AppError('BAD_INPUT', ['Distributed mode is disabled: shards cannot be moved or replicated on a single node']);
    },
  },
  CreateShardKey: {
    run: async (m, ctx) => {
      const n = m.request?.shards_number;
      if (n === 0) throw bad('request.shards_number: must be 1 or more');
      await ctx.deps.toc.createShardKey(collectionPass(ctx), shardKey(m.request?.shard_key, 'request.shard_key'), n ?? undefined);
      return { result: true };
    },
  },
  DeleteShardKey: {
    run: async (m, ctx) => {
      await ctx.deps.toc.deleteShardKey(collectionPass(ctx), shardKey(m.request?.shard_key, 'request.shard_key'));
      return { result: true };
    },
  },
  ListShardKeys: { run: (_m, ctx) => ({ shard_keys: ctx.deps.toc.get(collectionPass(ctx)).info.shardKeys.map((k) => ({ key: protoShardKey(k) })) }) },
};
