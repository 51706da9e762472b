/** Unbounded binary min-heap of (id, key) on growable typed arrays: the HNSW candidate queue. */
export class MinHeap {
  private keys: Float64Array;
  private ids: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  /** Key of the minimum; undefined behaviour when empty. */
  get minKey(): number {
    return this.keys[0]!;
  }

  push(id: number, key: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(this.n * 2);
      k.set(this.keys);
      const d = new Int32Array(this.n * 2);
      d.set(this.ids);
      this.keys = k;
      this.ids = d;
    }
    const keys = this.keys;
    const ids = this.ids;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p]!;
      if (pk <= key) break;
      keys[i] = pk;
      ids[i] = ids[p]!;
      i = p;
    }
    keys[i] = key;
    ids[i] = id;
  }

  /** Removes the minimum and returns its id. */
  pop(): number {
    const keys = this.keys;
    const ids = this.ids;
    const top = ids[0]!;
    const n = --this.n;
    if (n > 0) {
      const key = keys[n]!;
      const id = ids[n]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        let ck = keys[c]!;
        if (c + 1 < n) {
          const rk = keys[c + 1]!;
          if (rk < ck) {
            c++;
            ck = rk;
          }
        }
        if (ck >= key) break;
        keys[i] = ck;
        ids[i] = ids[c]!;
        i = c;
      }
      keys[i] = key;
      ids[i] = id;
    }
    return top;
  }
}

/**
 * Bounded max-heap of (id, key) for traversal results: the root is the worst kept entry. Unlike
 * `TopK` it does not break ties by id (traversal order already makes results deterministic),
 * which keeps the sift loops to one comparison per level.
 */
export class ResultHeap {
  keys: Float64Array;
  ids: Int32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  /** Empties the heap, making room for `capacity` entries. */
  reset(capacity: number): void {
    if (capacity > this.keys.length) {
      this.keys = new Float64Array(capacity);
      this.ids = new Int32Array(capacity);
    }
    this.size = 0;
  }

  /** Adds an entry (the caller keeps size ≤ capacity); returns the new worst key. */
  push(id: number, key: number): number {
    const keys = this.keys;
    const ids = this.ids;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p]!;
      if (pk >= key) break;
      keys[i] = pk;
      ids[i] = ids[p]!;
      i = p;
    }
    keys[i] = key;
    ids[i] = id;
    return keys[0]!;
  }

  /** Replaces the worst entry (root) by a better one; returns the new worst key. */
  replaceTop(id: number, key: number): number {
    const keys = this.keys;
    const ids = this.ids;
    const n = this.size;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ck = keys[c]!;
      if (c + 1 < n) {
        const rk = keys[c + 1]!;
        if (rk > ck) {
          c++;
          ck = rk;
        }
      }
      if (ck <= key) break;
      keys[i] = ck;
      ids[i] = ids[c]!;
      i = c;
    }
    keys[i] = key;
    ids[i] = id;
    return keys[0]!;
  }

  /** Removes the worst entry. */
  pop(): void {
    const n = --this.size;
    if (n <= 0) {
      this.size = Math.max(0, n);
      return;
    }
    const key = this.keys[n]!;
    const id = this.ids[n]!;
    this.size = n;
    this.replaceTop(id, key);
  }

  /** Empties the heap into `outIds` / `outKeys` sorted ascending by key; returns the count. */
  drainSorted(outIds: Int32Array, outKeys: Float64Array): number {
    const count = this.size;
    for (let i = count - 1; i >= 0; i--) {
      outIds[i] = this.ids[0]!;
      outKeys[i] = this.keys[0]!;
      this.pop();
    }
    return count;
  }
}
