/**
 * The other collections a read names, in the shape the access table's `alsoReads` extractors read
 * (`{lookup_from: {collection}, prefetch: […], with_lookup: {collection}}`, batches as `{searches: […]}`),
 * taken from the proto request so that `authorize()` checks them exactly as it does for REST.
 */
import type * as M from '../generated/messages.js';

interface QueryLike {
  readonly lookup_from?: M.LookupLocation__Output | null;
  readonly prefetch?: readonly M.PrefetchQuery__Output[];
  readonly with_lookup?: M.WithLookup__Output | null;
}

export function accessOfQuery(m: QueryLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.lookup_from !== undefined && m.lookup_from !== null) out['lookup_from'] = { collection: m.lookup_from.collection_name ?? '' };
  if (m.prefetch !== undefined && m.prefetch.length > 0) out['prefetch'] = m.prefetch.map(accessOfQuery);
  if (m.with_lookup !== undefined && m.with_lookup !== null) out['with_lookup'] = { collection: m.with_lookup.collection ?? '' };
  return out;
}

export function accessOfBatch(list: readonly QueryLike[] | undefined): Record<string, unknown> {
  return { searches: (list ?? []).map(accessOfQuery) };
}
