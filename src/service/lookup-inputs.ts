/**
 * Distributed mode: the `lookup_from` of a fanned-out query, resolved on the node the client talks to. A stage whose
 * examples are point ids of a lookup collection gets, in their place, the vectors those points hold (read under the
 * client's pass, fanned out when that collection is placed too), so the nodes answering for the other shards of the
 * searched collection never read a collection through a pass minted elsewhere. Ids looked up in the searched
 * collection itself are still excluded from the results, as on one node (Qdrant
 * `get_referenced_point_ids_on_collection`): the request's filter gains `must_not has_id`.
 */
import { AppError } from '../errors.js';
import type { PointId } from '../storage/point-id.js';
import { excludeIds } from '../collection/query/filters.js';
import { queryInputs } from '../collection/query/resolve.js';
import type { LookupLocation, QueryRequest, QuerySpec, StageSpec, VectorInput } from '../collection/query/types.js';
import type { VectorData, VectorValue } from '../collection/vectors.js';
import { keyOf } from './read-merge.js';

/** The vectors named `vector` of the points `ids` of the lookup collection, by id key (absent: no such point). */
export type LookupFetch = (location: LookupLocation, vector: string, ids: readonly PointId[]) => Promise<Map<string, VectorValue | undefined>>;

function mapInputs(q: QuerySpec | undefined, f: (input: VectorInput) => VectorInput): QuerySpec | undefined {
  if (q === undefined) return undefined;
  switch (q.kind) {
    case 'nearest':
      return { ...q, input: f(q.input) };
    case 'recommend':
      return { ...q, positive: q.positive.map(f), negative: q.negative.map(f) };
    case 'discover':
      return { ...q, target: f(q.target), pairs: q.pairs.map((p) => ({ positive: f(p.positive), negative: f(p.negative) })) };
    case 'context':
      return { ...q, pairs: q.pairs.map((p) => ({ positive: f(p.positive), negative: f(p.negative) })) };
    case 'feedback':
      return { ...q, target: f(q.target), feedback: q.feedback.map((x) => ({ ...x, example: f(x.example) })) };
    default:
      return q;
  }
}

/** A stored vector as a request gives one (plain arrays). */
function asData(v: VectorValue): VectorData {
  if (v.kind === 'dense') return Array.from(v.data);
  if (v.kind === 'sparse') return { indices: Array.from(v.indices), values: Array.from(v.values) };
  return v.rows.map((r) => Array.from(r));
}

function notFound(message: string): AppError {
  return new AppError('NOT_FOUND', [`Not found: ${message}`]);
}

/**
 * `stage` and its prefetches with every `lookup_from` replaced by the vectors it names; the ids looked up in the
 * searched collection itself (`isSelf`) added to `self`. @throws AppError(NOT_FOUND) for a missing point or vector,
 * as the engine does
 */
async function resolveStage<S extends StageSpec>(stage: S, isSelf: (location: LookupLocation) => boolean, fetch: LookupFetch, self: PointId[]): Promise<S> {
  const prefetch = await Promise.all(stage.prefetch.map((p) => resolveStage(p, isSelf, fetch, self)));
  const location = stage.lookupFrom;
  if (location === undefined) return { ...stage, prefetch };
  const vector = location.vector ?? stage.using;
  const ids = queryInputs(stage.query).flatMap((input) => (input.kind === 'id' ? [input.id] : []));
  if (isSelf(location)) self.push(...ids);
  const found = ids.length === 0 ? new Map<string, VectorValue | undefined>() : await fetch(location, vector, ids);
  const query = mapInputs(stage.query, (input) => {
    if (input.kind !== 'id') return input;
    if (!found.has(keyOf(input.id))) throw notFound(`No point with id ${String(input.id)} found`);
    const value = found.get(keyOf(input.id));
    if (value === undefined) throw notFound(`Vector with name ${JSON.stringify(vector)} for point ${String(input.id)}`);
    return { kind: 'raw', value: asData(value), where: input.where };
  });
  return { ...stage, prefetch, query, lookupFrom: undefined };
}

/** True when some stage of `requests` looks points up (`lookup_from`). */
export function hasLookups(requests: readonly StageSpec[]): boolean {
  return requests.some((r) => r.lookupFrom !== undefined || hasLookups(r.prefetch));
}

/** `requests` with their lookups resolved to vectors (see the module comment). */
export function resolveLookups(requests: readonly QueryRequest[], isSelf: (location: LookupLocation) => boolean, fetch: LookupFetch): Promise<QueryRequest[]> {
  return Promise.all(
    requests.map(async (r) => {
      const self: PointId[] = [];
      const resolved = await resolveStage(r, isSelf, fetch, self);
      return self.length === 0 ? resolved : { ...resolved, filter: excludeIds(resolved.filter, self) };
    }),
  );
}
