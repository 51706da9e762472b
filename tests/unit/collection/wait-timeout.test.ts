/** `timeout` on a wait=true write: answered `wait_timeout` when the write outlasts it (clock injected with mock timers). */
import { describe, it, mock, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { withWaitTimeout } from '../../../src/collection/wait-timeout.js';
import type { UpdateResult } from '../../../src/collection/types.js';

function deferred(): { promise: Promise<UpdateResult>; resolve: (r: UpdateResult) => void; reject: (e: unknown) => void } {
  let resolve!: (r: UpdateResult) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<UpdateResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('withWaitTimeout', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('answers the write when it completes in time', async () => {
    const d = deferred();
    const answer = withWaitTimeout(d.promise, 1000, () => assert.fail('no late failure'));
    mock.timers.tick(999);
    d.resolve({ operationId: 7, status: 'completed' });
    assert.deepEqual(await answer, { operationId: 7, status: 'completed' });
  });

  it('answers wait_timeout (operation id unknown yet) when the write outlasts the timeout; the write goes on', async () => {
    const d = deferred();
    const answer = withWaitTimeout(d.promise, 1000, () => assert.fail('no late failure'));
    mock.timers.tick(1000);
    assert.deepEqual(await answer, { operationId: null, status: 'wait_timeout' });
    d.resolve({ operationId: 8, status: 'completed' }); // finishing later changes nothing
  });

  it('a failure in time is the answer; a failure after the timeout is reported, never unhandled', async () => {
    const early = deferred();
    const answer = withWaitTimeout(early.promise, 1000, () => assert.fail('not late'));
    early.reject(new Error('bad input'));
    await assert.rejects(answer, /bad input/);

    const late = deferred();
    const reported: unknown[] = [];
    const timedOut = withWaitTimeout(late.promise, 1000, (e) => reported.push(e));
    mock.timers.tick(1000);
    assert.equal((await timedOut).status, 'wait_timeout');
    late.reject(new Error('disk full'));
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(reported.length, 1);
  });
});
