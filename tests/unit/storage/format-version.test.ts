import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFormatVersion, FormatVersionError, newerFormatMessage } from '../../../src/storage/format-version.js';
import { pointIdFromKey, pointKey } from '../../../src/storage/point-id.js';

describe('stored format versions', () => {
  it('reads an unrecorded version as 1 and accepts 1..max', () => {
    assert.equal(checkFormatVersion('storage', undefined, 2), 1);
    assert.equal(checkFormatVersion('storage', 1, 2), 1);
    assert.equal(checkFormatVersion('storage', 2, 2), 2);
  });

  it('refuses a newer version with an upgrade hint, and a value that is not a version', () => {
    assert.throws(() => checkFormatVersion('snapshot', 3, 2), (e) => e instanceof FormatVersionError && e.message === newerFormatMessage('snapshot', 3, 2));
    assert.match(newerFormatMessage('snapshot', 3, 2), /snapshot format version 3 is newer than this Quiver supports \(max 2\); upgrade Quiver/);
    for (const bad of [0, -1, 1.5, '1', null, Number.MAX_VALUE]) {
      assert.throws(() => checkFormatVersion('storage', bad, 2), FormatVersionError, String(bad));
    }
  });
});

describe('point keys', () => {
  it('round-trips integer and UUID ids through their storage keys, one key per id', () => {
    const ids = [0, 1, 2 ** 53 - 1, 'c0ffee00-0000-4000-8000-000000000001'];
    for (const id of ids) assert.equal(pointIdFromKey(pointKey(id)), id);
    assert.equal(new Set(ids.map(pointKey)).size, ids.length);
  });
});
