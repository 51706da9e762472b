/**
 * Which points a read may see: a filter and a shard-key restriction. Every read (retrieve, scroll,
 * count, facet, search, query stages, matrix samples, write selectors) states its scope as this value
 * and the segment resolves it in one place (`Segment.inScope` / `Segment.scan`).
 */
import type { Filter } from '../../index/filter/types.js';
import type { ShardKey } from '../types.js';

export interface Scope {
  /** Only points matching this filter (undefined: all). */
  readonly filter?: Filter | undefined;
  /** Only points stored under one of these shard keys (undefined: all). */
  readonly shardKeys?: readonly ShardKey[] | undefined;
}

/** True when the scope restricts nothing. */
export function isUnrestricted(scope: Scope): boolean {
  return scope.filter === undefined && scope.shardKeys === undefined;
}
