import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { queryAuditLogs, type AuditLogQuery } from '../../../../src/auth/audit/query.js';
import { AppError } from '../../../../src/errors.js';
import { ev, tempDir, writeAll } from './helpers.js';

/** Days 1–3, hours 01–05: collection `a` on odd hours, `b` on even; `denied` at hours 02 and 05. */
let dir: string;
before(async () => {
  dir = tempDir();
  const events = [1, 2, 3].flatMap((d) =>
    [1, 2, 3, 4, 5].map((h) =>
      ev(`2030-06-0${d}T0${h}:00:00.000Z`, {
        collection: h % 2 === 1 ? 'a' : 'b',
        tracing_id: `${d}-${h}`,
        ...(h === 2 || h === 5 ? { result: 'denied', error: 'Forbidden: Global access is required' } : {}),
      }),
    ),
  );
  await writeAll(dir, events);
});

const ids = (entries: readonly { tracing_id?: string }[]): (string | undefined)[] => entries.map((e) => e.tracing_id);

async function rejectsBadInput(query: AuditLogQuery, message: RegExp): Promise<void> {
  await assert.rejects(queryAuditLogs(dir, query), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'BAD_INPUT');
    assert.equal(e.kind, 'bad_input');
    assert.match(e.message, message);
    return true;
  });
}

void describe('queryAuditLogs', () => {
  void it('returns entries newest first without chain fields', async () => {
    const entries = await queryAuditLogs(dir);
    assert.equal(entries.length, 15);
    assert.deepEqual(ids(entries.slice(0, 3)), ['3-5', '3-4', '3-3']);
    assert.equal(entries.at(-1)?.tracing_id, '1-1');
    for (const e of entries) {
      for (const field of ['seq', 'hash', 'prev_hash']) assert.equal(Object.hasOwn(e, field), false, field);
    }
    assert.deepEqual(entries[0], {
      timestamp: '2030-06-03T05:00:00.000Z',
      method: 'search_points',
      api: '/collections/{collection_name}/points/search',
      auth_type: 'ApiKey',
      result: 'denied',
      collection: 'a',
      tracing_id: '3-5',
      error: 'Forbidden: Global access is required',
    });
  });

  void it('returns at most limit entries (default 100, bounds 1 and 10000)', async () => {
    assert.deepEqual(ids(await queryAuditLogs(dir, { limit: 1 })), ['3-5']);
    assert.equal((await queryAuditLogs(dir, { limit: 10_000 })).length, 15);
    assert.equal((await queryAuditLogs(dir, { limit: null })).length, 15);
  });

  void it('rejects a limit out of 1..10000 or not an integer, naming limit', async () => {
    for (const limit of [0, -1, 10_001, 1.5, '5', true]) {
      await rejectsBadInput({ limit: limit as number }, /^limit must be an integer from 1 to 10000, got /);
    }
  });

  void it('takes time_from inclusive and time_to exclusive', async () => {
    const entries = await queryAuditLogs(dir, { time_from: '2030-06-02T02:00:00Z', time_to: '2030-06-02T04:00:00Z' });
    assert.deepEqual(ids(entries), ['2-3', '2-2']);
    assert.deepEqual(ids(await queryAuditLogs(dir, { time_from: '2030-06-03T05:00:00Z' })), ['3-5']);
    assert.deepEqual(ids(await queryAuditLogs(dir, { time_to: '2030-06-01T02:00:00Z' })), ['1-1']);
  });

  void it('accepts RFC 3339 offsets and fractions', async () => {
    const entries = await queryAuditLogs(dir, { time_from: '2030-06-02T03:59:59.999+00:00', time_to: '2030-06-02T06:00:00.5+02:00' });
    assert.deepEqual(ids(entries), ['2-4']);
  });

  void it('returns nothing for an empty window', async () => {
    assert.deepEqual(await queryAuditLogs(dir, { time_from: '2030-06-02T02:00:00Z', time_to: '2030-06-02T02:00:00Z' }), []);
    assert.deepEqual(await queryAuditLogs(dir, { time_from: '2030-06-03T00:00:00Z', time_to: '2030-06-02T00:00:00Z' }), []);
  });

  void it('rejects a time that is not RFC 3339, naming the parameter', async () => {
    for (const bad of ['2030-06-02', 'yesterday', '2030-06-02T25:00:00Z', 12]) {
      await rejectsBadInput({ time_from: bad as string }, /^time_from must be an RFC 3339 timestamp/);
      await rejectsBadInput({ time_to: bad as string }, /^time_to must be an RFC 3339 timestamp/);
    }
  });

  void it('AND-combines exact, case-sensitive filters', async () => {
    assert.deepEqual(ids(await queryAuditLogs(dir, { filters: { result: 'denied', collection: 'b' } })), ['3-2', '2-2', '1-2']);
    assert.equal((await queryAuditLogs(dir, { filters: { result: 'denied' } })).length, 6);
    assert.deepEqual(await queryAuditLogs(dir, { filters: { result: 'Denied' } }), []);
    assert.deepEqual(await queryAuditLogs(dir, { filters: { collection: 'a', tracing_id: '2-3' } }).then(ids), ['2-3']);
  });

  void it('matches nothing on an unknown field, a wrong-case field or a chain field', async () => {
    assert.deepEqual(await queryAuditLogs(dir, { filters: { nonexistent: 'x' } }), []);
    assert.deepEqual(await queryAuditLogs(dir, { filters: { Collection: 'a' } }), []);
    assert.deepEqual(await queryAuditLogs(dir, { filters: { seq: '1' } }), []);
    assert.deepEqual(await queryAuditLogs(dir, { filters: { constructor: 'x' } }), []);
  });

  void it('rejects a filter on timestamp and malformed filters', async () => {
    await rejectsBadInput({ filters: { timestamp: '2030-06-02T01:00:00.000Z' } }, /^filters cannot match timestamp: use time_from and time_to$/);
    await rejectsBadInput({ filters: { result: 1 } as never }, /^filters\.result must be a string$/);
    await rejectsBadInput({ filters: ['result'] as never }, /^filters must be an object/);
  });

  void it('opens only the files whose period overlaps the window', async () => {
    const opened: string[] = [];
    const entries = await queryAuditLogs(
      dir,
      { time_from: '2030-06-02T01:00:00Z', time_to: '2030-06-02T12:00:00Z' },
      { onOpen: (f) => opened.push(f) },
    );
    assert.equal(entries.length, 5);
    assert.deepEqual(opened, ['audit.2030-06-02.log']);

    opened.length = 0;
    await queryAuditLogs(dir, { time_from: '2030-06-02T12:00:00Z' }, { onOpen: (f) => opened.push(f) });
    assert.deepEqual(opened, ['audit.2030-06-03.log', 'audit.2030-06-02.log']);
  });

  void it('stops opening files once limit entries matched', async () => {
    const opened: string[] = [];
    await queryAuditLogs(dir, { limit: 5 }, { onOpen: (f) => opened.push(f) });
    assert.deepEqual(opened, ['audit.2030-06-03.log']);
    opened.length = 0;
    await queryAuditLogs(dir, { limit: 6 }, { onOpen: (f) => opened.push(f) });
    assert.deepEqual(opened, ['audit.2030-06-03.log', 'audit.2030-06-02.log']);
  });

  void it('finds an event written late into the next file', async () => {
    const late = tempDir();
    await writeAll(late, [ev('2030-06-02T00:00:00.500Z', { tracing_id: 'on-time' }), ev('2030-06-01T23:59:59.900Z', { tracing_id: 'late' })]);
    const entries = await queryAuditLogs(late, { time_from: '2030-06-01T12:00:00Z', time_to: '2030-06-02T00:00:00Z' });
    assert.deepEqual(ids(entries), ['late']);
  });

  void it('returns nothing for a missing directory', async () => {
    assert.deepEqual(await queryAuditLogs(join(tempDir(), 'absent')), []);
  });

  void it('reads files larger than one read chunk, newest line first', async () => {
    const big = tempDir();
    const events = Array.from({ length: 3000 }, (_, i) => ev('2030-06-01T10:00:00.000Z', { tracing_id: `t${i}`, subject: 'x'.repeat(40) }));
    await writeAll(big, events);
    const entries = await queryAuditLogs(big, { limit: 10_000 });
    assert.equal(entries.length, 3000);
    assert.deepEqual(ids(entries.slice(0, 2)), ['t2999', 't2998']);
    assert.equal(entries.at(-1)?.tracing_id, 't0');
  });
});
