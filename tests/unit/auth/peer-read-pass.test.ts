import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPass, peerReadPass } from '../../../src/auth/authorize.js';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { isAppError } from '../../../src/errors.js';

void describe('peerReadPass (a read fanned out by another cluster node)', () => {
  const tenant = parseFilter({ must: [{ key: 'tenant', match: { value: 'acme' } }] });

  void it('is a real pass for a point read, confined to the filter it is given', () => {
    for (const op of ['scroll_points', 'count_points', 'facet', 'query_points', 'get_points', 'search_point_groups'] as const) {
      const pass = peerReadPass(op, 'docs', tenant);
      assert.ok(isPass(pass));
      assert.equal(pass.kind, 'collection');
      assert.equal(pass.collection, 'docs');
      assert.equal(pass.tenant, tenant);
      assert.equal(pass.operation, op);
    }
    assert.equal(peerReadPass('count_points', 'docs', undefined).tenant, undefined);
  });

  void it('is never minted for a write, a collection-level operation or a global one', () => {
    for (const op of ['upsert_points', 'delete_points', 'set_payload', 'batch_update', 'delete_collection', 'create_snapshot', 'get_collection', 'create_collection'] as const) {
      assert.throws(() => peerReadPass(op, 'docs', undefined), /not a point read/, op);
    }
  });

  void it('refuses lookups of other collections', () => {
    const pass = peerReadPass('query_points', 'docs', undefined);
    assert.throws(() => pass.lookup('other'), (e: unknown) => isAppError(e) && e.kind === 'unavailable');
  });
});
