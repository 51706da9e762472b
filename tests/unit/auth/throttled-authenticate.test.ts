/** Authentication behind the throttle: the client address is asked for only when the throttle needs it, and once. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authenticateThrottled } from '../../../src/auth/throttled-authenticate.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import { NoopAuditSink } from '../../../src/auth/audit-event.js';
import { AuthThrottle } from '../../../src/auth/throttle.js';

const KEY = 'throttled-key-0123456789abcdef0123456789abcdef';
const CONFIG = { enabled: true, max_failures: 3, window_sec: 60, block_sec: 10, max_block_sec: 40, max_tracked_addresses: 100 };

void describe('authenticateThrottled', () => {
  void it('asks for the address only while the throttle tracks one or on a failure, and at most once per request', async () => {
    const credentials = await CredentialStore.create({ api_key: KEY });
    const throttle = new AuthThrottle(CONFIG);
    let asked = 0;
    const remote = (): string => {
      asked++;
      return '192.0.2.7';
    };
    const deps = { credentials, throttle, audit: new NoopAuditSink(), requestInfo: () => ({ api: 'POST /collections/c/points/query' }) };
    await authenticateThrottled({ apiKey: KEY }, remote, deps);
    assert.equal(asked, 0, 'a success while nobody is tracked needs no address');
    await assert.rejects(authenticateThrottled({ apiKey: 'wrong' }, remote, deps));
    assert.equal(asked, 1, 'a failure is counted by address');
    assert.equal(throttle.tracking, true);
    asked = 0;
    await authenticateThrottled({ apiKey: KEY }, remote, deps);
    assert.equal(asked, 1, 'checked for a block and cleared with one lookup');
    assert.equal(throttle.tracking, false, 'the success forgot the address');
  });
});
