/** Response statistics as Qdrant's OperationDurationsAggregator keeps them (clock injected). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestStats, BUCKET_BOUNDS_MICROS } from '../../../src/service/request-stats.js';

describe('RequestStats', () => {
  it('counts per key and status, min / max / total from level 1, last time rounded to 10 ms', () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 0, 123);
    const stats = new RequestStats(() => now);
    stats.record('POST /collections/{collection_name}/points/search', 200, 1500, 'a');
    now += 7;
    stats.record('POST /collections/{collection_name}/points/search', 200, 500.9, 'b');
    stats.record('POST /collections/{collection_name}/points/search', 400, 10);
    const l0 = stats.telemetry(0, false);
    assert.deepEqual(Object.keys(l0), ['responses']);
    const ok0 = l0.responses['POST /collections/{collection_name}/points/search']!['200']!;
    assert.equal(ok0.count, 2);
    assert.equal(ok0.min_duration_micros, undefined);
    const l1 = stats.telemetry(1, true);
    const ok1 = l1.responses['POST /collections/{collection_name}/points/search']!['200']!;
    assert.deepEqual([ok1.min_duration_micros, ok1.max_duration_micros, ok1.total_duration_micros], [500, 1500, 2000]);
    assert.equal(ok1.last_responded, '2026-01-01T00:00:00.130Z');
    assert.equal(l1.per_collection_responses!['a']!['POST /collections/{collection_name}/points/search']!['200']!.count, 1);
    assert.equal(l1.per_collection_responses!['b']!['POST /collections/{collection_name}/points/search']!['200']!.count, 1);
  });

  it('averages the last 128 durations through an 8-wide moving window, as Qdrant', () => {
    const stats = new RequestStats(() => 0);
    for (const d of [100, 200, 300]) stats.record('k', 200, d);
    // windows: [100], [100,200], [100,200,300] → 100, 150, 200 → mean 150
    assert.equal(stats.telemetry(0, false).responses['k']!['200']!.avg_duration_micros, 150);
    const many = new RequestStats(() => 0);
    for (let i = 0; i < 200; i++) many.record('k', 200, i < 72 ? 1_000_000 : 10);
    // Only the last 128 (all 10 µs) count.
    assert.equal(many.telemetry(0, false).responses['k']!['200']!.avg_duration_micros, 10);
  });

  it('keeps a cumulative histogram over Qdrant\'s bounds', () => {
    const stats = new RequestStats(() => 0);
    for (const d of [900, 1000, 1001, 60_000_000]) stats.record('k', 200, d);
    const [series] = stats.series(false);
    assert.deepEqual(series!.snapshot.histogram.map(([b]) => b), BUCKET_BOUNDS_MICROS);
    assert.deepEqual(series!.snapshot.histogram.slice(0, 2), [[1000, 2], [5000, 3]]);
    assert.equal(series!.snapshot.histogram.at(-1)![1], 3, 'the 60 s response is only in +Inf (count)');
    assert.equal(series!.snapshot.stats.count, 4);
  });

  it('forgets a dropped collection', () => {
    const stats = new RequestStats(() => 0);
    stats.record('k', 200, 1, 'gone');
    stats.dropCollection('gone');
    assert.deepEqual(stats.series(true), []);
    assert.equal(stats.series(false).length, 1);
  });
});
