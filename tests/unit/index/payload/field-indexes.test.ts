import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldIndexes } from '../../../../src/index/payload/field-indexes.js';
import { parseFieldSchema } from '../../../../src/index/payload/field-schema.js';
import { isAppError } from '../../../../src/errors.js';

function rejectsWith(fn: () => unknown, code: string, fragment: string): void {
  assert.throws(fn, (e: unknown) => isAppError(e) && e.code === code && e.message.includes(fragment));
}

describe('parseFieldSchema', () => {
  it('accepts bare type names (no params are reported)', () => {
    for (const t of ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid']) {
      assert.deepEqual(parseFieldSchema(t), { type: t, params: null });
    }
  });

  it('echoes params like Qdrant: given keys, tokenizer default, null for integer/float/datetime options', () => {
    assert.deepEqual(parseFieldSchema({ type: 'keyword', is_tenant: true }).params, { type: 'keyword', is_tenant: true });
    assert.deepEqual(parseFieldSchema({ type: 'integer', lookup: false }).params, { type: 'integer', lookup: false, range: null, is_principal: null });
    assert.deepEqual(parseFieldSchema({ type: 'float', on_disk: true }).params, { type: 'float', is_principal: null, on_disk: true });
    assert.deepEqual(parseFieldSchema({ type: 'datetime' }).params, { type: 'datetime', is_principal: null });
    assert.deepEqual(parseFieldSchema({ type: 'text', lowercase: true, min_token_len: 2, phrase_matching: true }).params, {
      type: 'text',
      tokenizer: 'word',
      min_token_len: 2,
      lowercase: true,
      phrase_matching: true,
    });
    assert.deepEqual(parseFieldSchema({ type: 'text', tokenizer: 'prefix', stopwords: { custom: ['b', 'a', 'a'] } }).params, {
      type: 'text',
      tokenizer: 'prefix',
      stopwords: { custom: ['a', 'b'] },
    });
  });

  it('rejects invalid schemas with bad_input', () => {
    rejectsWith(() => parseFieldSchema('strings'), 'BAD_INPUT', 'unknown type "strings"');
    rejectsWith(() => parseFieldSchema({ type: 'integer', lookup: false, range: false }), 'VALIDATION', "can't be both disabled");
    rejectsWith(() => parseFieldSchema({ type: 'text', tokenizer: 'ngram' }), 'BAD_INPUT', 'unknown tokenizer');
    rejectsWith(() => parseFieldSchema({ type: 'text', min_token_len: -1 }), 'BAD_INPUT', 'min_token_len');
    rejectsWith(() => parseFieldSchema({ type: 'keyword', is_tenant: 'yes' }), 'BAD_INPUT', 'is_tenant');
    rejectsWith(() => parseFieldSchema({ type: 'text', stopwords: 'klingon' }), 'BAD_INPUT', 'unknown stopwords language');
    rejectsWith(() => parseFieldSchema(7), 'BAD_INPUT', 'expected a type name');
  });

  it('refuses text options Quiver does not implement instead of ignoring them', () => {
    rejectsWith(() => parseFieldSchema({ type: 'text', stopwords: 'french' }), 'UNSUPPORTED', 'french');
  });

  it('accepts Snowball stemmers of every SnowballLanguage and refuses other languages', () => {
    for (const language of ['arabic', 'armenian', 'danish', 'dutch', 'english', 'finnish', 'french', 'german', 'greek', 'hungarian', 'italian', 'norwegian', 'portuguese', 'romanian', 'russian', 'spanish', 'swedish', 'tamil', 'turkish']) {
      assert.deepEqual(parseFieldSchema({ type: 'text', stemmer: { type: 'snowball', language } }).params?.['stemmer'], { type: 'snowball', language });
    }
    rejectsWith(() => parseFieldSchema({ type: 'text', stemmer: { type: 'snowball', language: 'klingon' } }), 'BAD_INPUT', 'unknown variant "klingon" for stemmer language');
    rejectsWith(() => parseFieldSchema({ type: 'text', stemmer: { type: 'snowball', language: 'English' } }), 'BAD_INPUT', 'stemmer language');
    rejectsWith(() => parseFieldSchema({ type: 'text', stemmer: { type: 'snowball' } }), 'BAD_INPUT', 'missing field `language`');
    rejectsWith(() => parseFieldSchema({ type: 'text', stemmer: { type: 'lancaster' } }), 'BAD_INPUT', 'unknown stemmer type');
  });
});

describe('FieldIndexes', () => {
  it('reports payload_schema with data_type, params and indexed point counts', () => {
    const fi = new FieldIndexes();
    const payloads = [
      { city: 'Berlin', n: 1, t: 'hello world', loc: { lat: 1, lon: 2 } },
      { city: ['London', 'Paris'], n: 2.5 },
      { city: 5, n: 'x' },
      { other: true },
    ];
    fi.create('city', 'keyword', payloads.map((p, i) => [i, p] as const));
    fi.create('n', { type: 'integer', range: false }, payloads.map((p, i) => [i, p] as const));
    fi.create('t', { type: 'text' });
    fi.create('loc', 'geo');
    payloads.forEach((p, i) => fi.addPoint(i, p));
    assert.deepEqual(fi.schemaInfo(), {
      city: { data_type: 'keyword', points: 2 },
      n: { data_type: 'integer', params: { type: 'integer', lookup: null, range: false, is_principal: null }, points: 1 },
      t: { data_type: 'text', params: { type: 'text', tokenizer: 'word' }, points: 1 },
      loc: { data_type: 'geo', points: 1 },
    });
    fi.removePoint(0);
    assert.equal(fi.schemaInfo()['city']?.points, 1);
    assert.deepEqual(fi.fields(), ['city', 'n', 't', 'loc']);
  });

  it('treats spellings of one path as the same field and re-creating an identical index as a no-op', () => {
    const fi = new FieldIndexes();
    assert.equal(fi.create('a."b"', 'keyword'), true);
    assert.equal(fi.create('a.b', { type: 'keyword' }), false);
    assert.equal(fi.has('a.b'), true);
    assert.equal(fi.create('a.b', 'integer'), true, 'another schema replaces the index');
    assert.equal(fi.get('a.b')?.schema.type, 'integer');
    assert.equal(fi.drop('a."b"'), true);
    assert.equal(fi.drop('a.b'), false);
  });

  it('validates without creating, and rejects invalid field paths', () => {
    const fi = new FieldIndexes();
    assert.equal(fi.validateSchema('a.b', 'keyword').type, 'keyword');
    assert.equal(fi.size, 0);
    rejectsWith(() => fi.create('a..b', 'keyword'), 'BAD_INPUT', 'Invalid json path');
  });

  it('knows which fields support order_by (range-capable indexes)', () => {
    const fi = new FieldIndexes();
    fi.create('i', 'integer');
    fi.create('j', { type: 'integer', range: false });
    fi.create('f', 'float');
    fi.create('d', 'datetime');
    fi.create('k', 'keyword');
    assert.deepEqual(['i', 'j', 'f', 'd', 'k', 'missing'].map((f) => fi.supportsOrderBy(f)), [true, false, true, true, false, false]);
  });

  it('fills a new index from existing points, and addPointField updates one index only', () => {
    const fi = new FieldIndexes();
    fi.create('a', 'keyword', [[0, { a: 'x' }], [1, { a: 'y' }]]);
    fi.create('b', 'keyword');
    fi.addPointField('b', 0, { a: 'z', b: 'q' });
    assert.equal(fi.get('a')?.pointsCount, 2);
    assert.equal(fi.get('b')?.pointsCount, 1);
  });
});
