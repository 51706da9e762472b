import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { facet } from '../../../../src/index/payload/facet.js';
import { FieldIndexes } from '../../../../src/index/payload/field-indexes.js';
import { isAppError } from '../../../../src/errors.js';

const SIZES = ['L', 'S', 'L', 'M', 'L', 'S', 'XL', 'L'];

function collection(): FieldIndexes {
  const fi = new FieldIndexes();
  fi.create('size', 'keyword');
  fi.create('n', 'integer');
  fi.create('flag', 'bool');
  fi.create('f', 'float');
  SIZES.forEach((size, i) => fi.addPoint(i, { size, n: i % 3, flag: i % 2 === 0, f: i / 2, tags: ['x'] }));
  fi.addPoint(100, { size: ['L', 'L', 'S'] });
  return fi;
}

describe('facet', () => {
  it('counts points per value, by count descending then value ascending', () => {
    assert.deepEqual(facet(collection(), { key: 'size' }).hits, [
      { value: 'L', count: 5 },
      { value: 'S', count: 3 },
      { value: 'M', count: 1 },
      { value: 'XL', count: 1 },
    ]);
  });

  it('honours limit and the allowed offsets (the filter result)', () => {
    const fi = collection();
    assert.deepEqual(facet(fi, { key: 'size', limit: 2 }).hits, [{ value: 'L', count: 5 }, { value: 'S', count: 3 }]);
    assert.deepEqual(facet(fi, { key: 'size' }, [1, 3, 5, 6, 6, 42]).hits, [
      { value: 'S', count: 2 },
      { value: 'M', count: 1 },
      { value: 'XL', count: 1 },
    ]);
    assert.deepEqual(facet(fi, { key: 'size' }, []).hits, []);
  });

  it('facets integers and booleans with typed values', () => {
    const fi = collection();
    assert.deepEqual(facet(fi, { key: 'n' }).hits, [{ value: 0, count: 3 }, { value: 1, count: 3 }, { value: 2, count: 2 }]);
    assert.deepEqual(facet(fi, { key: 'flag' }).hits, [{ value: false, count: 4 }, { value: true, count: 4 }]);
  });

  it('requires an index answering match, with Qdrant message', () => {
    const fi = collection();
    for (const key of ['f', 'tags']) {
      assert.throws(
        () => facet(fi, { key }),
        (e: unknown) => isAppError(e) && e.kind === 'bad_input' && e.message.startsWith(`Wrong input: No appropriate index for faceting: \`${key}\``),
      );
    }
    fi.create('m', { type: 'integer', lookup: false });
    assert.throws(() => facet(fi, { key: 'm' }), (e: unknown) => isAppError(e) && e.message.includes('No appropriate index for faceting'));
  });

  it('rejects a bad limit', () => {
    assert.throws(() => facet(collection(), { key: 'size', limit: 0 }), (e: unknown) => isAppError(e) && e.kind === 'bad_input');
  });
});
