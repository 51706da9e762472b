/**
 * Grouping of query results by a payload field (`…/query/groups`, `…/search/groups`,
 * `…/recommend/groups`), as Qdrant's lib/collection/src/grouping:
 *
 * - a point joins one group per distinct value of `group_by` (arrays count each element); values
 *   must be strings or integers, and a point with any other value is skipped (`GroupId::try_from`);
 * - groups are ranked by their best hit, the best `limit` are returned, each with its `group_size`
 *   best hits (aggregator.rs `distill`);
 * - only points that have the field are candidates (the request filter gains `must_not is_empty`).
 *
 * Qdrant fetches candidates in rounds; here the query is re-run with a doubling limit until the best
 * `limit` groups are full or the candidates run out, which gives the same groups.
 */
import type { Condition, Filter } from '../../index/filter/types.js';
import { parseJsonPath, valuesAt } from '../../index/json-path.js';
import { executeQuery, type ExecResult } from './execute.js';
import { andFilters } from './filters.js';
import type { ExecContext, RootSpec, ScoredEntry, ScoreOrder } from './types.js';

export type GroupId = string | number | bigint;

export interface GroupsSpec {
  readonly groupBy: string;
  readonly groupSize: number;
  readonly limit: number;
}

export interface Group {
  readonly id: GroupId;
  readonly hits: readonly ScoredEntry[];
}

/** The group ids of a payload, or undefined when a value is not a string or an integer. */
function groupIds(values: readonly unknown[]): GroupId[] | undefined {
  const out: GroupId[] = [];
  for (const v of values) {
    if (typeof v === 'string' || typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) {
      if (!out.includes(v)) out.push(v);
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * Collects scored hits into groups (Qdrant `GroupsAggregator`): `E` is a hit, `identity` tells two hits of the
 * same point apart from others (an offset in one segment, a point id across the parts of a collection).
 */
export class GroupAggregator<E extends { readonly score: number }> {
  private readonly groups = new Map<GroupId, E[]>();
  private readonly best = new Map<GroupId, number>();

  constructor(
    private readonly spec: GroupsSpec,
    private readonly order: ScoreOrder,
    private readonly identity: (e: E) => unknown,
  ) {}

  private better(a: number, b: number): boolean {
    return this.order === 'larger' ? a > b : a < b;
  }

  add(e: E, values: readonly unknown[]): void {
    const ids = groupIds(values);
    if (ids === undefined) return;
    const key = this.identity(e);
    for (const id of ids) {
      let hits = this.groups.get(id);
      if (hits === undefined) {
        hits = [];
        this.groups.set(id, hits);
      }
      if (!hits.some((h) => this.identity(h) === key)) hits.push(e);
      const best = this.best.get(id);
      if (best === undefined || this.better(e.score, best)) this.best.set(id, e.score);
    }
  }

  /** Group ids ranked by best hit, the best `limit`. */
  bestIds(): GroupId[] {
    const ids = [...this.best.keys()];
    const sign = this.order === 'larger' ? -1 : 1;
    return ids
      .map((id, i) => ({ id, i, s: this.best.get(id)! }))
      .sort((a, b) => sign * (a.s - b.s) || a.i - b.i)
      .slice(0, this.spec.limit)
      .map((x) => x.id);
  }

  bestAreFull(): boolean {
    const ids = this.bestIds();
    return ids.length === this.spec.limit && ids.every((id) => (this.groups.get(id)?.length ?? 0) >= this.spec.groupSize);
  }

  distill(): Array<{ id: GroupId; hits: E[] }> {
    const sign = this.order === 'larger' ? -1 : 1;
    return this.bestIds().map((id) => ({
      id,
      hits: [...this.groups.get(id)!].sort((a, b) => sign * (a.score - b.score)).slice(0, this.spec.groupSize),
    }));
  }
}

/** `must_not is_empty(group_by)`: only points that have the field. */
export function hasField(groupBy: string): Filter {
  const isEmpty: Condition = { kind: 'is_empty', key: parseJsonPath(groupBy) };
  return Object.freeze({ must: null, should: null, mustNot: [isEmpty], minShould: null });
}

/** Runs `root` and groups its results per `spec`. */
export function executeGroups(ctx: ExecContext, root: RootSpec, spec: GroupsSpec): { groups: Group[]; order: ScoreOrder } {
  const base: RootSpec = { ...root, filter: andFilters(root.filter, hasField(spec.groupBy)), offset: 0 };
  const total = ctx.c.pointsCount;
  let limit = Math.max(1, spec.limit * spec.groupSize);
  for (;;) {
    const result: ExecResult = executeQuery(ctx, { ...base, limit });
    const agg = new GroupAggregator<ScoredEntry>(spec, result.order, (e) => e.offset);
    for (const e of result.entries) agg.add(e, valuesAt(ctx.c.segment.payloadAt(e.offset), spec.groupBy));
    if (result.entries.length < limit || agg.bestAreFull() || limit >= total) return { groups: agg.distill(), order: result.order };
    limit = Math.min(limit * 2, Math.max(total, limit + 1));
  }
}
