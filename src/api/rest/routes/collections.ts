/** Collection routes: create, get, list, exists, update, delete, vector names, cluster info, shard keys. */
import { remotePointsCount } from '../../../service/fanned-reads.js';
import { route, type RouteRow, type CollectionContext } from '../route-table.js';
import { badInput } from '../../../errors.js';
import type { Collection } from '../../../collection/collection.js';
import type { JsonObject } from '../../../json.js';
import { clusterInfoToWire, collectionInfoToWire, optimizationsToWire } from '../present/collection.js';
import { parseOptimizationsWith } from '../parse/optimizations.js';
import { localShards } from '../../../collection/shards.js';
import { buildCollectionConfig, configPatch, vectorNameAddition } from '../../collection-config.js';
import type { ShardKey } from '../../../collection/types.js';
import { updateResult } from './points.js';

function collectionOf(ctx: CollectionContext): Collection {
  return ctx.deps.toc.get(ctx.pass);
}

function shardKeyOf(body: Record<string, unknown>): ShardKey {
  const k = body['shard_key'];
  if (typeof k === 'string' || typeof k === 'number') return k;
  throw badInput('shard_key: expected a string or an integer');
}

export const collectionRoutes: RouteRow[] = [
  route('GET', '/collections', 'get_collections', (ctx) => ({
    collections: ctx.pass.visible(ctx.deps.toc.collectionNames()).map((name) => ({ name })),
  })),
  route('GET', '/collections/{collection_name}', 'get_collection', async (ctx) => collectionInfoToWire(collectionOf(ctx), await remotePointsCount(ctx.deps, ctx.pass))),
  route('PUT', '/collections/{collection_name}', 'create_collection', (ctx) => ctx.deps.toc.create(ctx.pass, ctx.params['collection_name']!, buildCollectionConfig(ctx.body as JsonObject, ctx.deps.toc.collectionDefaults))),
  route('PATCH', '/collections/{collection_name}', 'update_collection', async (ctx) => {
    await ctx.deps.toc.changeConfig(ctx.pass.target(), configPatch(ctx.body as JsonObject));
    return true;
  }),
  route('DELETE', '/collections/{collection_name}', 'delete_collection', (ctx) => ctx.deps.toc.delete(ctx.pass, ctx.params['collection_name']!)),
  route('GET', '/collections/{collection_name}/exists', 'collection_exists', (ctx) => ({ exists: ctx.deps.toc.exists(ctx.pass.collection) })),
  route('PUT', '/collections/{collection_name}/vectors/{vector_name}', 'create_vector_name', async (ctx) => {
    const c = collectionOf(ctx);
    await ctx.deps.toc.changeConfig(ctx.pass, vectorNameAddition(ctx.params['vector_name']!, ctx.body as JsonObject));
    return updateResult(c, ctx);
  }),
  route('DELETE', '/collections/{collection_name}/vectors/{vector_name}', 'delete_vector_name', async (ctx) => {
    const c = collectionOf(ctx);
    await ctx.deps.toc.deleteVectorName(ctx.pass, ctx.params['vector_name']!);
    return updateResult(c, ctx);
  }),
  route('GET', '/collections/{collection_name}/cluster', 'collection_cluster_info', (ctx) => {
    const c = collectionOf(ctx);
    if (ctx.deps.cluster !== undefined) return ctx.deps.cluster.collectionInfo(ctx.pass.collection);
    return clusterInfoToWire(localShards(c));
  }),
  route('POST', '/collections/{collection_name}/cluster', 'update_collection_cluster', () => {
    throw badInput('Distributed mode is disabled: shards cannot be moved or replicated on a single node');
  }),
  route('GET', '/collections/{collection_name}/optimizations', 'get_optimizations', (ctx) =>
    optimizationsToWire(collectionOf(ctx), parseOptimizationsWith(ctx.query['with']), new Date()),
  ),
  route('GET', '/collections/{collection_name}/shards', 'list_shard_keys', (ctx) => ({
    shard_keys: collectionOf(ctx).info.shardKeys.map((key) => ({ key })),
  })),
  route('PUT', '/collections/{collection_name}/shards', 'create_shard_key', async (ctx) => {
    const n = ctx.body['shards_number'];
    await ctx.deps.toc.createShardKey(ctx.pass.target(), shardKeyOf(ctx.body), typeof n === 'number' ? n : undefined);
    return true;
  }),
  route('POST', '/collections/{collection_name}/shards/delete', 'delete_shard_key', async (ctx) => {
    await ctx.deps.toc.deleteShardKey(ctx.pass.target(), shardKeyOf(ctx.body));
    return true;
  }),
  route('PUT', '/collections/{collection_name}/index', 'create_field_index', async (ctx) => {
    const c = collectionOf(ctx);
    const field = ctx.body['field_name'];
    if (typeof field !== 'string' || field.length === 0) throw badInput('field_name: expected a non-empty string');
    const schema = ctx.body['field_schema'];
    if (schema === undefined || schema === null) throw badInput('field_schema: is required (Quiver does not infer the index type from data)');
    await ctx.deps.toc.createPayloadIndex(ctx.pass, field, schema);
    return updateResult(c, ctx);
  }),
  route('DELETE', '/collections/{collection_name}/index/{field_name}', 'delete_field_index', async (ctx) => {
    const c = collectionOf(ctx);
    await ctx.deps.toc.deletePayloadIndex(ctx.pass, ctx.params['field_name']!);
    return updateResult(c, ctx);
  }),
];

export const aliasRoutes: RouteRow[] = [
  route('POST', '/collections/aliases', 'update_aliases', async (ctx) => {
    const actions = ctx.body['actions'];
    if (!Array.isArray(actions)) throw badInput('actions: missing field `actions`');
    await ctx.deps.toc.updateAliases(ctx.pass, actions as Parameters<typeof ctx.deps.toc.updateAliases>[1]);
    return true;
  }),
  route('GET', '/collections/{collection_name}/aliases', 'get_collection_aliases', (ctx) => ({
    aliases: ctx.deps.toc.aliasesOf(ctx.pass.collection),
  })),
  route('GET', '/aliases', 'get_collections_aliases', (ctx) => {
    const all = ctx.deps.toc.allAliases();
    const visible = new Set(ctx.pass.visible([...new Set(all.map((a) => a.collection_name))]));
    return { aliases: all.filter((a) => visible.has(a.collection_name)) };
  }),
];
