/** `?with=` of `GET /collections/{c}/optimizations`: a comma-separated list of queued, completed, idle_segments. */
import { AppError } from '../../../errors.js';

/** The optional parts of the response a request asks for. */
export interface OptimizationsWith {
  readonly queued: boolean;
  readonly completed: boolean;
  readonly idleSegments: boolean;
}

const PARTS = new Map([['queued', 'queued'], ['completed', 'completed'], ['idle_segments', 'idleSegments']] as const);

export function parseOptimizationsWith(raw: unknown): OptimizationsWith {
  const want = { queued: false, completed: false, idleSegments: false };
  if (typeof raw !== 'string' || raw === '') return want; // the query schema makes it a string
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const key = PARTS.get(name as 'queued');
    if (key === undefined) {
      throw new AppError('QUERY_VALIDATION', [`with: unknown variant \`${name.slice(0, 40)}\`, expected one of \`queued\`, \`completed\`, \`idle_segments\``]);
    }
    want[key] = true;
  }
  return want;
}
