import { matches } from '../../../../src/index/filter/evaluate.js';
import type { EvaluationContext, PointView } from '../../../../src/index/filter/evaluate.js';
import { parseFilter } from '../../../../src/index/filter/parse.js';
import type { PointId } from '../../../../src/storage/point-id.js';

export interface TestPoint {
  readonly id: PointId;
  readonly payload?: Record<string, unknown>;
  readonly vectors?: readonly string[];
}

export function view(p: TestPoint): PointView {
  return { id: p.id, payload: p.payload, hasVector: (name) => (p.vectors ?? ['']).includes(name) };
}

/** Ids of the points matching the wire filter `json`. */
export function ids(points: readonly TestPoint[], json: unknown, ctx?: EvaluationContext): PointId[] {
  const f = parseFilter(json);
  return points.filter((p) => matches(f, view(p), ctx)).map((p) => p.id);
}

/** Whether one payload matches a single field condition. */
export function one(payload: Record<string, unknown> | undefined, condition: unknown, ctx?: EvaluationContext): boolean {
  return matches(parseFilter({ must: [condition] }), view({ id: 1, payload }), ctx);
}
