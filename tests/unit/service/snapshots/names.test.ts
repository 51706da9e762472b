import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSnapshotName, collectionSnapshotName, fullSnapshotName, shardSnapshotName, snapshotNameProblem, creationTime } from '../../../../src/service/snapshots/names.js';

describe('snapshot names', () => {
  const now = new Date(Date.UTC(2024, 6, 22, 8, 31, 55));
  it("generates Qdrant's name shapes", () => {
    assert.match(collectionSnapshotName('my-collection', now), /^my-collection-\d{16}-2024-07-22-08-31-55\.snapshot$/);
    assert.match(shardSnapshotName('c', 0, now), /^c-shard-0-\d{16}-2024-07-22-08-31-55\.snapshot$/);
    assert.equal(fullSnapshotName(now), 'full-snapshot-2024-07-22-08-31-55.snapshot');
    assert.equal(fullSnapshotName(now, 2), 'full-snapshot-2024-07-22-08-31-55-2.snapshot');
    assert.equal(creationTime(now), '2024-07-22T08:31:55');
  });
  it('keeps generated names of long collection names under the file name limit', () => {
    const name = collectionSnapshotName('é'.repeat(255), now);
    assert.ok(Buffer.byteLength(name) <= 255 - '.checksum'.length);
    assert.equal(snapshotNameProblem(name), undefined);
  });
  it('refuses names that could leave their directory', () => {
    for (const bad of ['../x.snapshot', 'a/b.snapshot', 'a\\b.snapshot', '/etc/passwd', '..', '.', '', 'x\0.snapshot', 'x.snapshot.checksum', 'x']) {
      assert.throws(() => checkSnapshotName(bad), /invalid snapshot name/, bad);
    }
    assert.equal(checkSnapshotName('c-1-2024.snapshot'), 'c-1-2024.snapshot');
  });
});
