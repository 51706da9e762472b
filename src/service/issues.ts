/**
 * Qdrant's issues (`GET /issues`, `DELETE /issues`): problems the node found on its own, for operators. Quiver
 * records the failures of work that runs after the client got its answer (`wait=false` snapshot recovery), so a
 * background failure is never silent. Kept in memory, newest last, at most {@link MAX_ISSUES}; an issue with the
 * same id replaces the older one.
 */

/** One issue, in Qdrant's `IssueRecord` shape. */
export interface IssueRecord {
  /** `<CODE>/<collection>/<detail>`, e.g. `SNAPSHOT_RECOVERY_FAILED/docs/2026-12-01T21:00:00.000Z`. */
  readonly id: string;
  readonly description: string;
  readonly solution: { readonly refactor: string } | 'none';
  /** RFC 3339. */
  readonly timestamp: string;
  readonly related_collection?: string;
}

export const MAX_ISSUES = 1000;

export class Issues {
  readonly #issues = new Map<string, IssueRecord>();

  /** @param onAdd - told of every new issue (the server logs it at `error`) */
  constructor(private readonly onAdd: (issue: IssueRecord) => void = () => undefined) {}

  add(issue: IssueRecord): void {
    this.#issues.delete(issue.id);
    this.#issues.set(issue.id, issue);
    while (this.#issues.size > MAX_ISSUES) this.#issues.delete(this.#issues.keys().next().value!);
    this.onAdd(issue);
  }

  /** The issues whose collection `visible` keeps (issues without a collection need `global`). */
  list(visible: (collections: readonly string[]) => readonly string[], global: boolean): IssueRecord[] {
    const all = [...this.#issues.values()];
    const names = new Set(visible(all.flatMap((i) => (i.related_collection === undefined ? [] : [i.related_collection]))));
    return all.filter((i) => (i.related_collection === undefined ? global : names.has(i.related_collection)));
  }

  clear(): void {
    this.#issues.clear();
  }
}

/** The issue of a background snapshot recovery of `collection` that failed with `error`. */
export function recoveryFailedIssue(collection: string, error: unknown, now = new Date()): IssueRecord {
  const why = error instanceof Error ? error.message : String(error);
  return {
    id: `SNAPSHOT_RECOVERY_FAILED/${collection}/${now.toISOString()}`,
    description: `Snapshot recovery of collection ${collection} (wait=false) failed; the collection was left as it was: ${why}`,
    solution: { refactor: 'Check the snapshot and recover it again; with wait=true the error is returned to the client' },
    timestamp: now.toISOString(),
    related_collection: collection,
  };
}
