/**
 * Generation-stamped visited sets: marking is one Uint16Array store, and clearing is a counter bump
 * (a real clear happens once every 65 535 uses). A pool hands out one set per concurrent
 * traversal, so nested or interleaved traversals never share marks.
 */
export class VisitedSet {
  marks: Uint16Array;
  tag = 0;

  constructor(capacity: number) {
    this.marks = new Uint16Array(Math.max(16, capacity));
  }

  /** Starts a new traversal over ids `< capacity`; returns the tag that means "visited". */
  begin(capacity: number): number {
    if (capacity > this.marks.length) {
      let cap = this.marks.length;
      while (cap < capacity) cap *= 2;
      this.marks = new Uint16Array(cap);
      this.tag = 0;
    }
    this.tag++;
    if (this.tag === 0xffff) {
      this.marks.fill(0);
      this.tag = 1;
    }
    return this.tag;
  }
}

export class VisitedPool {
  private readonly free: VisitedSet[] = [];
  private capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  acquire(): VisitedSet {
    return this.free.pop() ?? new VisitedSet(this.capacity);
  }

  release(set: VisitedSet): void {
    if (set.marks.length > this.capacity) this.capacity = set.marks.length;
    if (this.free.length < 8) this.free.push(set);
  }
}
