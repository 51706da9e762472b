/**
 * Foreground work that background index builds give way to (issue 14): a large request, from the moment its body
 * has arrived (and is parsed) until its response is sent.
 *
 * Graph builds run in slices on the same event loop as requests (`hnsw-index.ts`, `buildPending`). Left alone, a
 * build takes a slice after every yield of the write path (each slice of a sliced body parse, validation and
 * encoding), so a 1000-point upsert paid for ~1000 graph insertions before it was acknowledged. Between two slices
 * a build therefore waits while foreground work is in progress, but never longer than `maxWaitMs`: under a
 * sustained stream of writes it still gets one slice per `maxWaitMs`, and the whole loop whenever no large write is
 * in flight. Writes never wait for the graph either way: a vector not yet in the graph is found by exact scan.
 *
 * One event loop, one instance ({@link foregroundWork}).
 */
export class ForegroundWork {
  private active = 0;
  private waiters: Array<() => void> = [];

  /** Foreground work starts; the returned function ends it (calling it again does nothing). */
  enter(): () => void {
    this.active++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.active === 0) this.wake();
    };
  }

  /** True while foreground work is in progress. */
  get busy(): boolean {
    return this.active > 0;
  }

  /**
   * Resolves on a later turn of the event loop once no foreground work is in progress, or after `maxWaitMs`
   * (always after other queued callbacks have run, like `setImmediate`).
   */
  async giveWay(maxWaitMs: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.active === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waiters.push(done);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** The process's foreground work (one event loop). */
export const foregroundWork = new ForegroundWork();
