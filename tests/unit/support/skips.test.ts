import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skipsAreFailures } from '../../support/skips.js';

describe('the skip switch (tests/support/skips.ts)', () => {
  it('makes skips failures in CI and with QUIVER_REQUIRE_ROOT_TESTS, and only there', () => {
    assert.equal(skipsAreFailures({}), false);
    assert.equal(skipsAreFailures({ CI: 'true' }), true);
    assert.equal(skipsAreFailures({ CI: '1' }), true);
    assert.equal(skipsAreFailures({ CI: 'false' }), false);
    assert.equal(skipsAreFailures({ CI: '' }), false);
    assert.equal(skipsAreFailures({ QUIVER_REQUIRE_ROOT_TESTS: '1' }), true);
    assert.equal(skipsAreFailures({ CI: 'true', QUIVER_REQUIRE_ROOT_TESTS: '0' }), false);
    assert.equal(skipsAreFailures({ CI: 'false', QUIVER_REQUIRE_ROOT_TESTS: 'true' }), true);
  });
});
