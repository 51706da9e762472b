import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatetime } from '../../../../src/index/payload/datetime-value.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

describe('parseDatetime', () => {
  it('accepts the formats Qdrant documents', () => {
    assert.equal(parseDatetime('2023-02-08T10:49:00Z'), us('2023-02-08T10:49:00Z'));
    assert.equal(parseDatetime('2023-02-08T11:49:00+01:00'), us('2023-02-08T10:49:00Z'));
    assert.equal(parseDatetime('2023-02-08T10:49:00'), us('2023-02-08T10:49:00Z'));
    assert.equal(parseDatetime('2023-02-08T10:49'), us('2023-02-08T10:49:00Z'));
    assert.equal(parseDatetime('2023-02-08'), us('2023-02-08T00:00:00Z'));
  });

  it('accepts a space for T, lowercase t/z and ±HH:MM, ±HHMM, ±HH offsets', () => {
    const t = us('2023-02-08T10:49:00Z');
    for (const s of ['2023-02-08 10:49:00', '2023-02-08t10:49:00z', '2023-02-08T12:49:00+0200', '2023-02-08T08:49:00-02', '2023-02-08T05:19:00-05:30']) {
      assert.equal(parseDatetime(s), t, s);
    }
  });

  it('keeps microseconds and truncates finer fractions', () => {
    assert.equal(parseDatetime('2023-02-08T10:49:00.123456Z'), us('2023-02-08T10:49:00Z') + 123_456);
    assert.equal(parseDatetime('2023-02-08T10:49:00.5Z'), us('2023-02-08T10:49:00Z') + 500_000);
    assert.equal(parseDatetime('2023-02-08T10:49:00.123456789Z'), us('2023-02-08T10:49:00Z') + 123_456);
  });

  it('handles years far from 1970 and leap days', () => {
    const year1 = new Date(0);
    year1.setUTCFullYear(1, 0, 1);
    assert.equal(parseDatetime('0001-01-01'), year1.getTime() * 1000);
    assert.equal(parseDatetime('1969-12-31T23:59:59.999999Z'), -1);
    assert.equal(parseDatetime('2024-02-29'), us('2024-02-29T00:00:00Z'));
    assert.equal(parseDatetime('2023-02-29'), null);
    assert.equal(parseDatetime('1900-02-29'), null);
    assert.equal(parseDatetime('2000-02-29'), us('2000-02-29T00:00:00Z'));
  });

  it('rejects other shapes and out-of-range fields', () => {
    for (const s of ['', '2023', '2023-2-8', '2023-02-08T', '2023-02-08T25:00', '2023-02-08T10:60', '2023-13-01', '2023-02-08Z', 'yesterday', '2023-02-08T10:49:00+25:00', '20230208']) {
      assert.equal(parseDatetime(s), null, s);
    }
  });
});
