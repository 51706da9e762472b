import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT, parseDurationSeconds, parseExpiry, reportError, UsageError } from '../../../src/cli/args.js';

describe('cli args', () => {
  it('parses durations', () => {
    assert.equal(parseDurationSeconds('45s'), 45);
    assert.equal(parseDurationSeconds('30m'), 1800);
    assert.equal(parseDurationSeconds('24h'), 86_400);
    assert.equal(parseDurationSeconds('90d'), 7_776_000);
    assert.equal(parseDurationSeconds('2w'), 1_209_600);
    for (const bad of ['0h', '1y', 'h', '-1h', '1.5h', '1 h', '']) assert.equal(parseDurationSeconds(bad), undefined, bad);
  });

  it('parses expiries relative to now or absolute', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    assert.equal(parseExpiry('1d', now, '--x').toISOString(), '2030-01-02T00:00:00.000Z');
    assert.equal(parseExpiry('2030-01-01T00:00:01Z', now, '--x').toISOString(), '2030-01-01T00:00:01.000Z');
    assert.throws(() => parseExpiry('2030-01-01T00:00:00Z', now, '--x'), /--x must be in the future/);
  });

  it('maps errors to exit statuses', () => {
    const lines: string[] = [];
    assert.equal(reportError(new UsageError('bad'), (s) => lines.push(s)), EXIT.usage);
    assert.equal(reportError(new Error('io'), (s) => lines.push(s)), EXIT.failure);
    assert.deepEqual(lines, ['error: bad', 'error: io']);
  });
});
