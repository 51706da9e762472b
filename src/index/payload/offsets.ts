/**
 * Sorted, duplicate-free lists of internal point offsets: the currency between payload indexes,
 * the planner and the search code. A list may be shared (an index keeps the sorted list of a value):
 * nobody modifies one they were given.
 */
export type OffsetList = Uint32Array;

export const EMPTY_OFFSETS: OffsetList = new Uint32Array(0);

/** Sorted copy of one set. */
export function fromSet(set: ReadonlySet<number>): OffsetList {
  const out = new Uint32Array(set.size);
  let i = 0;
  for (const v of set) out[i++] = v;
  return out.sort();
}

/** Sorted union of several sets (each offset once). */
export function unionOfSets(sets: readonly ReadonlySet<number>[]): OffsetList {
  if (sets.length === 0) return EMPTY_OFFSETS;
  if (sets.length === 1) return fromSet(sets[0] as ReadonlySet<number>);
  let total = 0;
  for (const s of sets) total += s.size;
  const all = new Uint32Array(total);
  let i = 0;
  for (const s of sets) for (const v of s) all[i++] = v;
  all.sort();
  return dedupeSorted(all);
}

function dedupeSorted(a: Uint32Array): OffsetList {
  if (a.length < 2) return a;
  let w = 1;
  for (let r = 1; r < a.length; r++) {
    if (a[r] !== a[w - 1]) a[w++] = a[r] as number;
  }
  return w === a.length ? a : a.slice(0, w);
}

/** Intersection of two sorted lists. */
export function intersectSorted(a: OffsetList, b: OffsetList): OffsetList {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out[k++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.slice(0, k);
}

/** Union of two sorted lists. */
export function unionSorted(a: OffsetList, b: OffsetList): OffsetList {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out[k++] = x;
      i++;
      j++;
    } else if (x < y) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as number;
  while (j < b.length) out[k++] = b[j++] as number;
  return out.slice(0, k);
}

/** Offsets present in at least `min` of the sorted lists. */
export function atLeastSorted(lists: readonly OffsetList[], min: number): OffsetList {
  if (min <= 1) return lists.reduce<OffsetList>((acc, l) => unionSorted(acc, l), EMPTY_OFFSETS);
  const counts = new Map<number, number>();
  for (const l of lists) for (const v of l) counts.set(v, (counts.get(v) ?? 0) + 1);
  const hits: number[] = [];
  for (const [v, c] of counts) if (c >= min) hits.push(v);
  return Uint32Array.from(hits).sort();
}
