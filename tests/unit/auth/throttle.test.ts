/** Issue 17 §4: brute-force throttling — counting, blocking, exponential backoff, bounded memory (clock injected). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuthThrottle, throttleKey, type ThrottleConfig } from '../../../src/auth/throttle.js';

const CONFIG: ThrottleConfig = { enabled: true, max_failures: 3, window_sec: 60, block_sec: 10, max_block_sec: 40, max_tracked_addresses: 100 };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

void describe('AuthThrottle', () => {
  void it('blocks an address after max_failures failures in the window, with Retry-After rounded up', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    assert.equal(t.recordFailure('192.0.2.1'), undefined);
    assert.equal(t.recordFailure('192.0.2.1'), undefined);
    assert.equal(t.retryAfter('192.0.2.1'), undefined);
    assert.equal(t.recordFailure('192.0.2.1'), 10);
    assert.equal(t.retryAfter('192.0.2.1'), 10);
    c.advance(9_001);
    assert.equal(t.retryAfter('192.0.2.1'), 1);
    c.advance(999);
    assert.equal(t.retryAfter('192.0.2.1'), undefined);
  });

  void it('tracks an address only while it has failures or a block history', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    assert.equal(t.tracking, false, 'a fresh throttle tracks nobody');
    t.recordFailure('192.0.2.1');
    assert.equal(t.tracking, true);
    t.recordSuccess('192.0.2.1');
    assert.equal(t.tracking, false, 'a success forgets an address that was never blocked');
    for (let i = 0; i < 3; i++) t.recordFailure('192.0.2.1');
    c.advance(10_000);
    t.recordSuccess('192.0.2.1');
    assert.equal(t.tracking, true, 'a block is remembered after a success');
    for (let i = 0; i < 3; i++) t.recordFailure('192.0.2.1');
    assert.equal(t.retryAfter('192.0.2.1'), 20, 'the next block is doubled: the success kept the strike');
    assert.equal(new AuthThrottle({ ...CONFIG, enabled: false }, c.now).tracking, false);
  });

  void it('leaves other addresses alone', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    for (let i = 0; i < 3; i++) t.recordFailure('192.0.2.1');
    assert.equal(t.retryAfter('192.0.2.1'), 10);
    assert.equal(t.retryAfter('192.0.2.2'), undefined);
    assert.equal(t.retryAfter('2001:db8::1'), undefined);
  });

  void it('doubles each further block up to max_block_sec', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    const blocks: Array<number | undefined> = [];
    for (let round = 0; round < 4; round++) {
      let b: number | undefined;
      for (let i = 0; i < 3; i++) b = t.recordFailure('192.0.2.1');
      blocks.push(b);
      c.advance((b ?? 0) * 1000);
    }
    assert.deepEqual(blocks, [10, 20, 40, 40]);
  });

  void it('forgets failures older than the window and strikes after max_block_sec of quiet', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    t.recordFailure('192.0.2.1');
    t.recordFailure('192.0.2.1');
    c.advance(60_001);
    assert.equal(t.recordFailure('192.0.2.1'), undefined, 'the first two fell out of the window');
    t.recordFailure('192.0.2.1');
    assert.equal(t.recordFailure('192.0.2.1'), 10);
    c.advance(10_000 + 40_001);
    for (let i = 0; i < 2; i++) t.recordFailure('192.0.2.1');
    assert.equal(t.recordFailure('192.0.2.1'), 10, 'after a quiet max_block_sec the backoff starts again');
  });

  void it('a success clears the failure count but a block stays', () => {
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    t.recordFailure('192.0.2.1');
    t.recordFailure('192.0.2.1');
    t.recordSuccess('192.0.2.1');
    assert.equal(t.recordFailure('192.0.2.1'), undefined);
    t.recordFailure('192.0.2.1');
    assert.equal(t.recordFailure('192.0.2.1'), 10);
    t.recordSuccess('192.0.2.1');
    assert.equal(t.retryAfter('192.0.2.1'), 10);
  });

  void it('counts an IPv6 /64 as one address and an IPv4-mapped address as its IPv4 address', () => {
    assert.equal(throttleKey('2001:db8:1:2:aaaa::1'), throttleKey('2001:db8:1:2:bbbb::9'));
    assert.notEqual(throttleKey('2001:db8:1:2::1'), throttleKey('2001:db8:1:3::1'));
    assert.equal(throttleKey('::ffff:192.0.2.1'), throttleKey('192.0.2.1'));
    const c = clock();
    const t = new AuthThrottle(CONFIG, c.now);
    t.recordFailure('2001:db8::1');
    t.recordFailure('2001:db8::2');
    t.recordFailure('2001:db8::3');
    assert.equal(t.retryAfter('2001:db8::ffff'), 10);
  });

  void it('keeps at most max_tracked_addresses entries under a spray of addresses', () => {
    const c = clock();
    const t = new AuthThrottle({ ...CONFIG, max_tracked_addresses: 50 }, c.now);
    for (let i = 0; i < 5000; i++) t.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.equal(t.size, 50);
  });

  void it('does nothing when disabled', () => {
    const t = new AuthThrottle({ ...CONFIG, enabled: false });
    for (let i = 0; i < 10; i++) assert.equal(t.recordFailure('192.0.2.1'), undefined);
    assert.equal(t.retryAfter('192.0.2.1'), undefined);
    assert.equal(t.size, 0);
  });

  void it('property: never blocks below max_failures in a window, never beyond max_block_sec, never grows past the bound', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('fail' as const), who: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('ok' as const), who: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 70_000 }) }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 200 }), (events) => {
      const c = clock();
      const t = new AuthThrottle({ ...CONFIG, max_tracked_addresses: 5 }, c.now);
      // Model: failures since the last block/success/window reset, per address.
      const recent = new Map<number, number[]>();
      for (const e of events) {
        if (e.kind === 'wait') {
          c.advance(e.ms);
          continue;
        }
        const address = `198.51.100.${e.who}`;
        const wait = t.retryAfter(address);
        if (wait !== undefined) assert.ok(wait >= 1 && wait <= CONFIG.max_block_sec);
        if (e.kind === 'ok') {
          t.recordSuccess(address);
          recent.set(e.who, []);
          continue;
        }
        const times = (recent.get(e.who) ?? []).filter((x) => c.now() - x <= CONFIG.window_sec * 1000);
        times.push(c.now());
        const blocked = t.recordFailure(address);
        if (blocked !== undefined) {
          assert.ok(times.length >= CONFIG.max_failures, `blocked after ${times.length} failures in the window`);
          assert.ok(blocked <= CONFIG.max_block_sec && blocked >= CONFIG.block_sec);
          recent.set(e.who, []);
        } else {
          recent.set(e.who, times);
        }
        assert.ok(t.size <= 5);
      }
    }), { numRuns: 300 });
  });
});
