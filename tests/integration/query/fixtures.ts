/**
 * Small hand-made datasets for the query tests: 2-d vectors whose scores can be computed by hand.
 */
import assert from 'node:assert/strict';
import type { TestApp } from '../../support/app.js';

/** The points of the 2-d datasets (`vec`), with payloads for filters, groups and formulas. */
export const POINTS = [
  { id: 1, vector: [1, 0], payload: { g: 'a', n: 1, city: 'Berlin', loc: { lat: 52.52, lon: 13.405 }, ts: '2024-01-01T00:00:10Z' } },
  { id: 2, vector: [0, 1], payload: { g: 'b', n: 2, city: 'London', loc: { lat: 51.5074, lon: -0.1278 }, ts: '2024-01-01T00:01:00Z' } },
  { id: 3, vector: [1, 1], payload: { g: ['a', 'b'], n: 3, city: 'Berlin', loc: { lat: 48.8566, lon: 2.3522 }, ts: '2024-01-01T01:00:00Z' } },
  { id: 4, vector: [2, 0], payload: { g: 7, n: 4, city: 'Paris', loc: { lat: 40.7128, lon: -74.006 }, ts: '2024-01-02T00:00:00Z' } },
  { id: 5, vector: [-1, 0.5], payload: { g: 'a', n: 5, city: 'London', loc: { lat: 35.6762, lon: 139.6503 }, ts: '2024-01-01T00:00:00Z' } },
  { id: 6, vector: [0.5, 0.5], payload: null },
] as const;

export function vectorOf(id: number): readonly number[] {
  return POINTS.find((p) => p.id === id)!.vector;
}

export function dotOf(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}

/** Creates collection `name` with one unnamed 2-d vector of `distance` and the POINTS. */
export async function createDataset(app: TestApp, name: string, distance: 'Dot' | 'Cosine' | 'Euclid' | 'Manhattan'): Promise<void> {
  const c = await app.request('PUT', `/collections/${name}`, { vectors: { size: 2, distance } });
  assert.equal(c.status, 200, c.text);
  const r = await app.request('PUT', `/collections/${name}/points?wait=true`, { points: POINTS.map((p) => ({ ...p, vector: [...p.vector] })) });
  assert.equal(r.status, 200, r.text);
}

/** POSTs `body` to `/collections/{name}/points/{path}` and returns `result` after checking 200. */
export async function post(app: TestApp, name: string, path: string, body: unknown): Promise<any> {
  const r = await app.request('POST', `/collections/${name}/points/${path}`, body);
  assert.equal(r.status, 200, r.text);
  return r.body.result;
}

/** POSTs a query and returns `[id, score]` pairs. */
export async function query(app: TestApp, name: string, body: unknown): Promise<Array<[number | string, number]>> {
  const result = await post(app, name, 'query', body);
  return result.points.map((p: { id: number | string; score: number }) => [p.id, p.score]);
}

/** Asserts ids exactly and scores within `eps`. */
export function assertScored(actual: ReadonlyArray<readonly [number | string, number]>, expected: ReadonlyArray<readonly [number | string, number]>, eps = 1e-5): void {
  assert.deepEqual(
    actual.map(([id]) => id),
    expected.map(([id]) => id),
    `ids: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`,
  );
  actual.forEach(([, s], i) => assert.ok(Math.abs(s - expected[i]![1]) <= eps, `score of ${String(actual[i]![0])}: ${s} vs ${expected[i]![1]}`));
}

/** Asserts a 4xx answer whose error mentions `pattern`. */
export async function assertRejected(app: TestApp, name: string, path: string, body: unknown, status: number, pattern: RegExp): Promise<void> {
  const r = await app.request('POST', `/collections/${name}/points/${path}`, body);
  assert.equal(r.status, status, r.text);
  assert.match(r.body.status.error, pattern);
}
