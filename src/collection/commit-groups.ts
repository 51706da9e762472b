/**
 * Group commit for a collection's update pipeline. Update requests that arrive while the pipeline is busy (staging,
 * or waiting for the previous group's fsync) wait together and form the next group: one LMDB transaction and one
 * fsync for all of them. Each member is settled on its own — a member that fails while staging is rejected alone
 * and leaves the others untouched; the others are resolved only once the group's transaction is durable.
 *
 * Groups are bounded by weight (points written), so one group never stages or applies an unbounded amount of work
 * in one go; members past the bound wait for the next group, in arrival order.
 */
export interface GroupMember<T, R> {
  readonly item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface CommitGroupsOptions<T, R> {
  /** Runs `step` after every earlier step of the pipeline (the collection's serial queue). */
  schedule(step: () => Promise<void>): unknown;
  /** Stages, persists and applies one group, settling each member. */
  run(members: ReadonlyArray<GroupMember<T, R>>): Promise<void>;
  /** A member's size, in points. */
  weight(item: T): number;
  /** A group takes members while their total weight stays within this (at least one member). */
  maxWeight: number;
}

export class CommitGroups<T, R> {
  private waiting: Array<GroupMember<T, R>> = [];
  private scheduled = false;

  constructor(private readonly options: CommitGroupsOptions<T, R>) {}

  /** Queues `item` for the next group; settles when its group is durable and applied (or it failed). */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    this.options.schedule(async () => {
      this.scheduled = false;
      const group = this.take();
      // Members left over (past the weight bound) or arriving from now on form the next group.
      this.kick();
      try {
        await this.options.run(group);
      } catch (e) {
        // `run` settles every member; this covers a bug in it (a settled promise ignores the second call).
        for (const m of group) m.reject(e);
      }
    });
  }

  private take(): Array<GroupMember<T, R>> {
    let total = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const w = this.options.weight(this.waiting[n]!.item);
      if (n > 0 && total + w > this.options.maxWeight) break;
      total += w;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}
