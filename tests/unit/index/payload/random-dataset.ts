/**
 * Seeded random payloads and filters for property tests. Every generator takes the same `Rng`, so a
 * failing case is reproduced from the seed printed in the assertion message.
 */
export type Rng = () => number;

export { mulberry32 as rng } from '../../../../src/index/random.js';

export function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

const WORDS = ['red', 'green', 'blue', 'black', 'white', 'good', 'cheap', 'fast', 'the', 'quick', 'fox'];
const UUIDS = [
  '550e8400-e29b-41d4-a716-446655440000',
  '550e8400-e29b-41d4-a716-446655440001',
  '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
];
const DATES = [
  '2023-02-08T10:49:00Z',
  '2023-02-08T11:49:00+01:00',
  '2023-02-09',
  '2023-02-10 08:00',
  '2023-03-01T00:00:00.5Z',
  '2022-12-31T23:59:59Z',
];

function maybeArray<T>(r: Rng, gen: () => T): T | T[] {
  const x = r();
  if (x < 0.65) return gen();
  const n = int(r, 0, 3);
  return Array.from({ length: n }, gen);
}

function oddValue(r: Rng): unknown {
  return pick(r, [null, 3, 'str', true, { x: 1 }, [['nested']], 2.5, []]);
}

/** One payload; fields are missing, null, mistyped or arrays some of the time. */
export function randomPayload(r: Rng): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  const field = (name: string, gen: () => unknown): void => {
    const x = r();
    if (x < 0.12) return;
    p[name] = x < 0.2 ? oddValue(r) : maybeArray(r, gen);
  };
  field('kw', () => pick(r, WORDS.slice(0, 5)));
  field('int', () => (r() < 0.1 ? int(r, 0, 10) + 0.5 : int(r, -5, 5)));
  field('f', () => Math.round(r() * 1000) / 10);
  field('b', () => r() < 0.5);
  field('loc', () => ({ lat: Math.round((r() * 20 - 10) * 100) / 100, lon: Math.round((r() * 20 - 10) * 100) / 100 }));
  field('dt', () => pick(r, DATES));
  field('txt', () => Array.from({ length: int(r, 0, 5) }, () => pick(r, WORDS)).join(pick(r, [' ', ', ', '-'])));
  field('u', () => (r() < 0.85 ? pick(r, UUIDS) : 'not-a-uuid'));
  if (r() < 0.7) {
    p['items'] = Array.from({ length: int(r, 0, 3) }, () => ({ kind: pick(r, WORDS.slice(0, 3)), v: int(r, 0, 5) }));
  }
  return p;
}

/** A random field condition (wire JSON) on one of the generated fields. */
export function randomFieldCondition(r: Rng): Record<string, unknown> {
  const choice = int(r, 0, 17);
  const words = (n: number): string[] => [...new Set(Array.from({ length: n }, () => pick(r, WORDS.slice(0, 6))))];
  switch (choice) {
    case 0:
      return { key: 'kw', match: { value: pick(r, WORDS.slice(0, 6)) } };
    case 1:
      return { key: 'kw', match: { any: words(int(r, 0, 3)) } };
    case 2:
      return { key: 'kw', match: { except: words(int(r, 0, 3)) } };
    case 3:
      return { key: 'int', match: { value: int(r, -5, 5) } };
    case 4:
      return { key: 'int', match: { any: [int(r, -5, 5), int(r, -5, 5)].filter((v, i, a) => a.indexOf(v) === i) } };
    case 5:
      return { key: 'int', match: { except: [int(r, -5, 5)] } };
    case 6: {
      const lo = int(r, -6, 6);
      return { key: 'int', range: pick(r, [{ gte: lo }, { gt: lo + 0.5, lte: lo + 3 }, { lt: lo }, {}]) };
    }
    case 7: {
      const lo = Math.round(r() * 100);
      return { key: 'f', range: { gte: lo, lt: lo + int(r, 1, 40) } };
    }
    case 8:
      return { key: 'b', match: { value: r() < 0.5 } };
    case 9:
      return { key: 'loc', geo_radius: { center: { lat: int(r, -10, 10), lon: int(r, -10, 10) }, radius: int(r, 50_000, 800_000) } };
    case 10: {
      const lat = int(r, -9, 9);
      const lon = int(r, -9, 9);
      return { key: 'loc', geo_bounding_box: { top_left: { lat: lat + 4, lon }, bottom_right: { lat, lon: lon + 4 } } };
    }
    case 11: {
      const lat = int(r, -9, 5);
      const lon = int(r, -9, 5);
      const ring = [{ lat, lon }, { lat, lon: lon + 5 }, { lat: lat + 5, lon: lon + 2 }, { lat, lon }];
      return { key: 'loc', geo_polygon: { exterior: { points: ring } } };
    }
    case 12:
      return { key: 'dt', range: pick(r, [{ gte: '2023-02-08T10:49:00Z' }, { lt: '2023-02-09' }, { gt: '2023-02-08', lte: '2023-03-01' }]) };
    case 13:
      return { key: 'txt', match: { text: words(int(r, 1, 2)).join(' ') } };
    case 14:
      return { key: 'txt', match: { text_any: words(int(r, 1, 3)).join(' ') } };
    case 15:
      return { key: 'txt', match: { phrase: words(2).join(' ') } };
    case 16:
      return { key: 'u', match: pick(r, [{ value: pick(r, UUIDS) }, { any: [pick(r, UUIDS)] }, { except: [pick(r, UUIDS)] }]) };
    default:
      return { key: pick(r, ['kw', 'int', 'txt']), match: { value: 'red' }, range: { gte: 0 } };
  }
}

/** A random condition, sometimes a nested filter or a non-field condition. */
export function randomCondition(r: Rng, depth: number): unknown {
  const x = r();
  if (depth < 2 && x < 0.12) return randomFilter(r, depth + 1);
  if (x < 0.16) return { is_empty: { key: pick(r, ['kw', 'int', 'missing']) } };
  if (x < 0.19) return { is_null: { key: pick(r, ['kw', 'int']) } };
  if (x < 0.23) return { has_id: [int(r, 0, 60), int(r, 0, 60), int(r, 0, 60)] };
  if (x < 0.27) return { nested: { key: 'items', filter: { must: [{ key: 'kind', match: { value: pick(r, WORDS.slice(0, 3)) } }, { key: 'v', range: { gte: int(r, 0, 5) } }] } } };
  if (x < 0.3) return { key: pick(r, ['kw', 'int']), values_count: { gte: int(r, 0, 2) } };
  return randomFieldCondition(r);
}

export function randomFilter(r: Rng, depth = 0): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const list = (n: number): unknown[] => Array.from({ length: n }, () => randomCondition(r, depth));
  if (r() < 0.7) f['must'] = list(int(r, 1, 3));
  if (r() < 0.35) f['should'] = list(int(r, 1, 3));
  if (r() < 0.3) f['must_not'] = list(int(r, 1, 2));
  if (r() < 0.2) {
    const conditions = list(int(r, 1, 4));
    f['min_should'] = { conditions, min_count: int(r, 0, conditions.length) };
  }
  return f;
}
