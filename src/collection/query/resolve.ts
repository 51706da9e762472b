/**
 * Turns a stage's `VectorInput`s into query vectors for its `using` vector.
 *
 * Point ids are looked up in the stage's collection, or in `lookup_from.collection` (vector
 * `lookup_from.vector`, defaulting to `using`), as Qdrant's `CollectionQueryRequest` does
 * (collection_query.rs `get_lookup_vector_name`, `ids_into_vectors`). Every vector is then
 * preprocessed for this collection's metric (`preprocess_vectors`: unit length for Cosine).
 */
import { AppError } from '../../errors.js';
import type { PointId } from '../../storage/point-id.js';
import type { Collection } from '../collection.js';
import { queryFromStored, type QueryVector } from '../vectors.js';
import type { ShardKey } from '../types.js';
import { toVectorValue, type VectorData } from '../vectors.js';
import { prepareForSpace, spaceOf, type VectorSpace } from './similarity.js';
import type { ExecContext, LookupLocation, QuerySpec, StageSpec, VectorInput } from './types.js';

export interface InputResolver {
  /** The stage's `using` vector in the searched collection. */
  readonly space: VectorSpace;
  /** The prepared query vector of `input`. @throws AppError (bad input, point / vector not found). */
  resolve(input: VectorInput): QueryVector;
}

function notFound(message: string): AppError {
  return new AppError('NOT_FOUND', [`Not found: ${message}`]);
}

/** Builds the resolver of a stage searching `ctx.c` on vector `using`, looking ids up per `lookup`. */
export function inputResolver(ctx: ExecContext, using: string, lookup: LookupLocation | undefined): InputResolver {
  const space = spaceOf(ctx.c, using);
  let source: { c: Collection; name: string; shardKeys: readonly ShardKey[] | undefined } | undefined;
  const lookupSource = (): { c: Collection; name: string; shardKeys: readonly ShardKey[] | undefined } => {
    if (source !== undefined) return source;
    if (lookup === undefined) {
      source = { c: ctx.c, name: using, shardKeys: undefined };
    } else {
      const c = ctx.resolve(lookup.collection);
      const name = lookup.vector ?? using;
      spaceOf(c, name);
      source = { c, name, shardKeys: lookup.shardKeys };
    }
    return source;
  };
  const byId = (id: PointId, where: string): QueryVector => {
    const src = lookupSource();
    const offset = src.c.segment.offsetOf(id);
    const view = offset === undefined ? undefined : src.c.segment.view(offset);
    if (view === undefined || !src.c.segment.inScope(view.offset, { shardKeys: src.shardKeys })) {
      const borrowed = lookup === undefined ? ctx.borrowed?.get(id) : undefined;
      if (borrowed === undefined) throw notFound(`No point with id ${String(id)} found`);
      const value = borrowed.get(src.name);
      if (value === undefined) throw notFound(`Vector with name ${JSON.stringify(src.name)} for point ${String(id)}`);
      return prepareForSpace(space, queryFromStored(value), where);
    }
    const stored = view.vectors.get(src.name);
    if (stored === undefined) throw notFound(`Vector with name ${JSON.stringify(src.name)} for point ${String(id)}`);
    return prepareForSpace(space, queryFromStored(stored), where);
  };
  const raw = (value: VectorData, where: string): QueryVector => {
    // A single dense vector for a multivector space is a one-row multivector, as in Qdrant's legacy API.
    const input = space.kind === 'multi' && Array.isArray(value) && value.every((x) => typeof x === 'number') ? [value as readonly number[]] : value;
    return queryFromStored(toVectorValue(space.name, input, ctx.c.schema, where));
  };
  return {
    space,
    resolve: (input) => (input.kind === 'id' ? byId(input.id, input.where) : raw(input.value, input.where)),
  };
}

/** Every `VectorInput` of a query, in order. */
export function queryInputs(q: QuerySpec | undefined): VectorInput[] {
  if (q === undefined) return [];
  switch (q.kind) {
    case 'nearest':
      return [q.input];
    case 'recommend':
      return [...q.positive, ...q.negative];
    case 'discover':
      return [q.target, ...q.pairs.flatMap((p) => [p.positive, p.negative])];
    case 'context':
      return q.pairs.flatMap((p) => [p.positive, p.negative]);
    case 'feedback':
      return [...q.feedback.map((f) => f.example), q.target];
    default:
      return [];
  }
}

/**
 * Ids a request references in the searched collection, at any depth: Qdrant excludes them from the
 * results (`get_referenced_point_ids_on_collection`). Ids looked up in another collection are not.
 */
export function referencedIds(ctx: ExecContext, stage: StageSpec): PointId[] {
  const out: PointId[] = [];
  const stack: StageSpec[] = [stage];
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
    const elsewhere = s.lookupFrom !== undefined && ctx.resolve(s.lookupFrom.collection).uuid !== ctx.c.uuid;
    if (!elsewhere) for (const input of queryInputs(s.query)) if (input.kind === 'id') out.push(input.id);
    stack.push(...s.prefetch);
  }
  return out;
}
