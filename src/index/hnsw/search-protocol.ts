/** Messages between the search pool (event loop) and its workers. */
import type { SharedIndexLayout } from './hnsw-index.js';

/** What to search: a graph search, or an exact scan of `subset`. */
export interface SearchArgs {
  readonly query: Float32Array;
  readonly k: number;
  readonly ef?: number | undefined;
  readonly exact?: boolean | undefined;
  readonly indexedOnly?: boolean | undefined;
  /** Exact scan of just these offsets (a selective filter resolved by the event loop). */
  readonly subset?: Uint32Array | undefined;
  /** The read must observe exactly this epoch of the index's gate (the subset was resolved at it). */
  readonly epoch?: number | undefined;
}

export interface PoolRequest extends SearchArgs {
  readonly id: number;
  /** `HnswIndex.id` of the index to search. */
  readonly index: number;
  /** Sent when the worker's copy of the index is missing or stale (layout changed). */
  readonly attach?: { readonly layout: SharedIndexLayout; readonly scratch: number } | undefined;
}

export type PoolReply =
  | { readonly id: number; readonly ok: true; readonly epoch: number; readonly offsets: Int32Array; readonly scores: Float64Array }
  | { readonly id: number; readonly ok: false; readonly reason: 'busy' | 'layout' | 'stale'; readonly error?: string };
