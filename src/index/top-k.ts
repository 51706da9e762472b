/**
 * A bounded heap that keeps the `capacity` entries with the lowest keys (internal distances: lower
 * is closer). The root is the worst kept entry, so a candidate is tested against it in O(1).
 * Ties on key are broken by id (lower id wins), which makes exact search deterministic.
 * Backed by typed arrays; `reset` reuses them, so a search allocates nothing here.
 */
export class TopK {
  private keys: Float64Array;
  private ids: Int32Array;
  private cap: number;
  private n = 0;

  constructor(capacity: number) {
    this.cap = Math.max(1, capacity);
    this.keys = new Float64Array(this.cap);
    this.ids = new Int32Array(this.cap);
  }

  /** Empties the heap and sets a new bound (grows the arrays when needed). */
  reset(capacity: number = this.cap): void {
    const cap = Math.max(1, capacity);
    if (cap > this.keys.length) {
      this.keys = new Float64Array(cap);
      this.ids = new Int32Array(cap);
    }
    this.cap = cap;
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  get capacity(): number {
    return this.cap;
  }

  get full(): boolean {
    return this.n >= this.cap;
  }

  /** The worst kept key; +Infinity while empty. */
  get worstKey(): number {
    return this.n > 0 ? this.keys[0]! : Infinity;
  }

  /** The id of the worst kept entry; -1 while empty. */
  get worstId(): number {
    return this.n > 0 ? this.ids[0]! : -1;
  }

  /** Offers an entry; returns true when it was kept. */
  push(id: number, key: number): boolean {
    const keys = this.keys;
    const ids = this.ids;
    if (this.n < this.cap) {
      // sift up
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pk = keys[p]!;
        if (pk > key || (pk === key && ids[p]! > id)) break;
        keys[i] = pk;
        ids[i] = ids[p]!;
        i = p;
      }
      keys[i] = key;
      ids[i] = id;
      return true;
    }
    const rk = keys[0]!;
    if (key > rk || (key === rk && id >= ids[0]!)) return false;
    this.siftDown(id, key);
    return true;
  }

  /** Removes the worst entry. */
  pop(): void {
    if (this.n === 0) return;
    const last = --this.n;
    if (last > 0) this.siftDown(this.ids[last]!, this.keys[last]!);
  }

  private siftDown(id: number, key: number): void {
    const keys = this.keys;
    const ids = this.ids;
    const n = this.n;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ck = keys[c]!;
      const r = c + 1;
      if (r < n) {
        const rk = keys[r]!;
        if (rk > ck || (rk === ck && ids[r]! > ids[c]!)) {
          c = r;
          ck = rk;
        }
      }
      if (ck < key || (ck === key && ids[c]! < id)) break;
      keys[i] = ck;
      ids[i] = ids[c]!;
      i = c;
    }
    keys[i] = key;
    ids[i] = id;
  }

  /**
   * Empties the heap into `outIds`/`outKeys`, best first; returns the count.
   * The arrays must hold at least `size` entries.
   */
  drainSorted(outIds: Int32Array, outKeys: Float64Array): number {
    const count = this.n;
    for (let i = count - 1; i >= 0; i--) {
      outIds[i] = this.ids[0]!;
      outKeys[i] = this.keys[0]!;
      this.pop();
    }
    return count;
  }
}
