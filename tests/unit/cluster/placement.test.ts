import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdsShard, placeShards, placementLoad } from '../../../src/cluster/placement.js';

void describe('shard placement', () => {
  void it('gives every shard `factor` distinct nodes, capped by the node count', () => {
    const p = placeShards(5, 2, ['c', 'a', 'b']);
    assert.equal(p.length, 5);
    for (const holders of p) {
      assert.equal(holders.length, 2);
      assert.equal(new Set(holders).size, 2);
    }
    assert.deepEqual(placeShards(2, 7, ['a', 'b']), [['a', 'b'], ['a', 'b']]);
  });

  void it('spreads shard replicas evenly (±1), counting what nodes already hold', () => {
    const count = (p: string[][]): Map<string, number> => placementLoad([p]);
    const one = count(placeShards(3, 1, ['a', 'b', 'c']));
    assert.deepEqual([...one.values()], [1, 1, 1]);
    const load = new Map([['a', 3], ['b', 0], ['c', 1]]);
    const added = placementLoad([placeShards(4, 1, ['a', 'b', 'c'], load)]);
    // The least loaded nodes take the new shards (ties in node id order): totals end within one of each other.
    assert.equal(added.get('a'), undefined);
    assert.deepEqual(['a', 'b', 'c'].map((n) => (load.get(n) ?? 0) + (added.get(n) ?? 0)), [3, 3, 2]);
  });

  void it('is deterministic for the same inputs, whatever their order', () => {
    assert.deepEqual(placeShards(6, 2, ['n3', 'n1', 'n2', 'n4']), placeShards(6, 2, ['n4', 'n2', 'n1', 'n3', 'n1']));
  });

  void it('refuses to place on no node', () => {
    assert.throws(() => placeShards(1, 1, []), /no live node/);
  });

  void it('holdsShard: every node holds every shard without a placement', () => {
    assert.equal(holdsShard(undefined, 3, 'x'), true);
    assert.equal(holdsShard([['a'], ['b']], 1, 'b'), true);
    assert.equal(holdsShard([['a'], ['b']], 0, 'b'), false);
    assert.equal(holdsShard([['a'], ['b']], 5, 'b'), false);
  });
});
