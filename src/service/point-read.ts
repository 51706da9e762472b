/**
 * A point read as the engine runs it, whichever transport received it: the typed request (parsed by REST or gRPC)
 * and what strict mode admits it by. The same value runs on this node's segment (`runPointRead`) and, in distributed
 * mode, on the nodes holding the shards this node does not hold (`fanned-reads.ts` sends it as it is), so every part
 * of a fanned-out read runs the same engine read. Each kind's answer is the engine's typed result.
 */
import type { OperationName } from '../auth/access-table.js';
import type { Filter } from '../index/filter/types.js';
import type { PointId } from '../storage/point-id.js';
import { count, facet, retrieve, scroll, type FacetRequest, type ScrollRequest, type ScrollResult } from '../collection/read.js';
import { checkedShardKeys, distanceMatrix, queryAsync, queryBatch, queryGroups, type PointGroup, type QueryEnv } from '../collection/query/run.js';
import { matrixSample, type Matrix, type MatrixSample } from '../collection/query/matrix.js';
import type { GroupsRequest, MatrixRequest, QueryRequest } from '../collection/query/types.js';
import type { PointRecord, ReadOptions, ScoredPoint, ShardKey } from '../collection/types.js';

/** One point read, typed. `query` is a batch (one request for a single search / query). */
export type PointRead =
  | { readonly kind: 'retrieve'; readonly ids: readonly PointId[]; readonly options: ReadOptions; readonly shardKeys: readonly ShardKey[] | undefined }
  | { readonly kind: 'scroll'; readonly request: ScrollRequest; readonly options: ReadOptions }
  | { readonly kind: 'count'; readonly filter: Filter | undefined; readonly shardKeys: readonly ShardKey[] | undefined; readonly exact: boolean }
  | { readonly kind: 'facet'; readonly request: FacetRequest }
  | { readonly kind: 'query'; readonly requests: readonly QueryRequest[]; readonly single: boolean }
  | { readonly kind: 'groups'; readonly request: GroupsRequest }
  | { readonly kind: 'matrix'; readonly request: MatrixRequest }
  /** Distributed mode: a part's random sample of a distance matrix (the receiving node computes the matrix). */
  | { readonly kind: 'matrix_sample'; readonly request: MatrixRequest };

export type PointReadKind = PointRead['kind'];

/** The engine's answer to each kind of read. */
export interface PointReadAnswers {
  retrieve: PointRecord[];
  scroll: ScrollResult;
  count: number;
  facet: { hits: Array<{ value: unknown; count: number }> };
  query: ScoredPoint[][];
  groups: PointGroup[];
  matrix: Matrix;
  matrix_sample: MatrixSample;
}

export type AnswerOf<R extends PointRead> = PointReadAnswers[R['kind']];

/**
 * The access-table operation a part of `kind` runs under on a node answering for another (`peerReadPass`): a point
 * read with the same rule (collection scope, read, row level).
 */
export const PEER_OPERATION: Readonly<Record<PointReadKind, OperationName>> = {
  retrieve: 'get_points',
  scroll: 'scroll_points',
  count: 'count_points',
  facet: 'facet',
  query: 'query_batch_points',
  groups: 'query_points_groups',
  matrix: 'search_matrix_pairs',
  matrix_sample: 'search_matrix_pairs',
};

/** Runs `read` on the collection of `env` (its segment: on a node holding some shards, those shards' points). */
export async function runPointRead<R extends PointRead>(env: QueryEnv, read: R): Promise<AnswerOf<R>> {
  return (await runAny(env, read)) as AnswerOf<R>;
}

async function runAny(env: QueryEnv, read: PointRead): Promise<PointReadAnswers[PointReadKind]> {
  const c = env.c;
  switch (read.kind) {
    case 'retrieve':
      return retrieve(c, read.ids, read.options, checkedShardKeys(c, read.shardKeys));
    case 'scroll':
      return scroll(c, { ...read.request, shardKeys: checkedShardKeys(c, read.request.shardKeys) }, read.options);
    case 'count':
      return count(c, read.filter, checkedShardKeys(c, read.shardKeys), read.exact);
    case 'facet':
      return facet(c, { ...read.request, shardKeys: checkedShardKeys(c, read.request.shardKeys) });
    case 'query':
      return read.single && read.requests.length === 1 ? [await queryAsync(env, read.requests[0]!)] : queryBatch(env, read.requests);
    case 'groups':
      return queryGroups(env, read.request);
    case 'matrix':
      return distanceMatrix(env, read.request);
    case 'matrix_sample':
      return matrixSample({ c, resolve: env.resolve, shardKeys: checkedShardKeys(c, read.request.shardKeys) }, read.request);
  }
}
