import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertSchema, convertSpec, DEFAULT_SPEC_PATH, generate, LEGACY_SPEC_PATH, makeNullable, mergeLegacyOperations, OUTPUT_PATH } from '../../../../scripts/gen-spec.js';
import generated from '../../../../src/api/rest/schemas/openapi.gen.json' with { type: 'json' };
import { createSpecAjv, precompileAll, SPEC_OPERATIONS } from '../../../../src/api/rest/schemas/validator.js';

describe('gen-spec: schema conversion', () => {
  it('nullable + type → type list', () => {
    assert.deepEqual(convertSchema({ type: 'integer', format: 'uint', minimum: 0, nullable: true }), {
      type: ['integer', 'null'], format: 'uint', minimum: 0,
    });
    assert.deepEqual(convertSchema({ type: 'object', nullable: true }), { type: ['object', 'null'] });
  });

  it('nullable enum also admits null', () => {
    assert.deepEqual(convertSchema({ type: 'string', enum: ['a', 'b'], nullable: true }), {
      type: ['string', 'null'], enum: ['a', 'b', null],
    });
    assert.deepEqual(convertSchema({ enum: ['a'], nullable: true }), { enum: ['a', null] });
  });

  it('a bare { nullable: true } means null, keeping its default', () => {
    assert.deepEqual(convertSchema({ nullable: true }), { type: 'null' });
    assert.deepEqual(convertSchema({ nullable: true, description: 'x', default: null }), { type: 'null', default: null });
    assert.deepEqual(convertSchema({ anyOf: [{ $ref: '#/components/schemas/Filter' }, { nullable: true }] }), {
      anyOf: [{ $ref: '#/definitions/Filter' }, { type: 'null' }],
    });
  });

  it('nullable $ref / oneOf / allOf are wrapped in anyOf with null', () => {
    assert.deepEqual(convertSchema({ $ref: '#/components/schemas/X', nullable: true, default: null }), {
      anyOf: [{ $ref: '#/definitions/X' }, { type: 'null' }], default: null,
    });
    assert.deepEqual(convertSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true }), {
      anyOf: [{ oneOf: [{ type: 'string' }, { type: 'integer' }] }, { type: 'null' }],
    });
    assert.deepEqual(convertSchema({ allOf: [{ $ref: '#/components/schemas/X' }], nullable: true }), {
      anyOf: [{ allOf: [{ $ref: '#/definitions/X' }] }, { type: 'null' }],
    });
  });

  it('a nullable anyOf gains one null branch', () => {
    assert.deepEqual(convertSchema({ anyOf: [{ type: 'string' }], nullable: true }), {
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
    assert.deepEqual(convertSchema({ anyOf: [{ type: 'string' }, { nullable: true }], nullable: true }), {
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
    assert.deepEqual(makeNullable({ type: ['string', 'null'] }), { type: ['string', 'null'] });
  });

  it('drops description/example/deprecated, keeps default, recurses into every subschema', () => {
    const out = convertSchema({
      type: 'object',
      description: 'doc',
      example: { a: 1 },
      deprecated: true,
      required: ['a'],
      properties: {
        a: { type: 'array', items: { $ref: '#/components/schemas/A', description: 'x' }, default: [] },
        b: { type: 'object', additionalProperties: { type: 'number', format: 'float', nullable: true } },
      },
    });
    assert.deepEqual(out, {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'array', items: { $ref: '#/definitions/A' }, default: [] },
        b: { type: 'object', additionalProperties: { type: ['number', 'null'], format: 'float' } },
      },
    });
  });

  it('properties named like keywords are kept', () => {
    const out = convertSchema({
      type: 'object',
      properties: { description: { type: 'string' }, example: { type: 'integer' }, nullable: { type: 'boolean' }, type: { type: 'string' } },
    });
    assert.deepEqual(Object.keys((out as { properties: object }).properties), ['description', 'example', 'nullable', 'type']);
  });

  it('OpenAPI 3.0 boolean exclusiveMinimum becomes numeric', () => {
    assert.deepEqual(convertSchema({ type: 'number', minimum: 0, exclusiveMinimum: true }), { type: 'number', exclusiveMinimum: 0 });
    assert.deepEqual(convertSchema({ type: 'number', maximum: 1, exclusiveMaximum: false }), { type: 'number', maximum: 1 });
  });

  it('fails on unknown keywords and foreign refs instead of passing them through', () => {
    assert.throws(() => convertSchema({ type: 'object', discriminator: { propertyName: 'x' } }), /unsupported keyword "discriminator"/);
    assert.throws(() => convertSchema({ $ref: 'other.json#/X' }), /unsupported \$ref/);
    assert.throws(() => convertSchema('string'), /expected a schema object/);
  });
});

describe('gen-spec: operations', () => {
  const doc = {
    openapi: '3.0.1',
    info: { version: 'v9.7.x' },
    components: { schemas: { Body: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } } } },
    paths: {
      '/c/{name}/points': {
        put: {
          operationId: 'upsert',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Body' } } } },
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'wait', in: 'query', required: false, schema: { type: 'boolean' } },
          ],
          responses: { 200: { content: { 'application/json': { schema: { type: 'object', properties: { result: { type: 'boolean' } } } } } } },
        },
      },
      '/c/{name}/upload': {
        post: {
          operationId: 'upload',
          requestBody: { content: { 'multipart/form-data': { schema: { type: 'object' } } } },
          responses: {
            200: { content: { 'text/plain': { schema: { type: 'string' } } } },
            202: { content: { 'application/json': { schema: { type: 'object' } } } },
          },
        },
      },
    },
  };

  it('extracts method, path, body, params and responses', () => {
    const out = convertSpec(doc, '/x/whatever.json');
    assert.equal(out.version, '9.7');
    assert.equal(out.$comment, 'GENERATED by scripts/gen-spec.ts from whatever.json — do not edit');
    assert.deepEqual(out.definitions['Body'], { title: 'Body', type: 'object', required: ['a'], properties: { a: { type: 'integer' } } });
    assert.deepEqual(out.operations['upsert'], {
      method: 'PUT',
      path: '/c/{name}/points',
      body: { $ref: '#/definitions/Body' },
      bodyRequired: true,
      query: { wait: { schema: { type: 'boolean' }, required: false } },
      pathParams: ['name'],
      response: { type: 'object', properties: { result: { type: 'boolean' } } },
      response202: null,
    });
    const upload = out.operations['upload']!;
    assert.equal(upload.body, null, 'only application/json bodies are validated');
    assert.equal(upload.bodyRequired, false);
    assert.equal(upload.response, null);
    assert.deepEqual(upload.response202, { type: 'object' });
  });

  it('rejects duplicate operation ids', () => {
    const dup = structuredClone(doc) as { paths: Record<string, Record<string, { operationId: string }>> };
    dup.paths['/c/{name}/upload']!['post']!.operationId = 'upsert';
    assert.throws(() => convertSpec(dup), /duplicate operationId upsert/);
  });
});

describe('gen-spec: legacy operations', () => {
  const json = (schema: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } });
  const newer = {
    info: { version: 'master' },
    components: { schemas: { Filter: { type: 'object', properties: { must: { type: 'array' } } } } },
    paths: { '/c/{name}/points/query': { post: { operationId: 'query', requestBody: json('Filter') } } },
  };
  const older = {
    info: { version: 'v1.18.x' },
    components: {
      schemas: {
        Filter: { type: 'object' },
        Search: { type: 'object', properties: { filter: { $ref: '#/components/schemas/Filter' }, params: { $ref: '#/components/schemas/Params' } } },
        Params: { type: 'object', properties: { hnsw_ef: { type: 'integer' } } },
        Unused: { type: 'string' },
      },
    },
    paths: {
      '/c/{name}/points/query': { post: { operationId: 'query', requestBody: json('Search') } },
      '/c/{name}/points/search': { post: { operationId: 'search', requestBody: json('Search') } },
    },
  };

  it('adds the operations the newer document dropped, with the schemas they reach that it lacks', () => {
    const merged = mergeLegacyOperations(newer, older);
    const out = convertSpec(merged, '/x/qdrant-openapi-9.19.json', '/x/qdrant-openapi-9.18.json');
    assert.deepEqual(Object.keys(out.operations).sort(), ['query', 'search']);
    assert.deepEqual(out.operations['query']!.body, { $ref: '#/definitions/Filter' }, 'an operation both have stays the newer one');
    assert.deepEqual(out.definitions['Filter'], { title: 'Filter', type: 'object', properties: { must: { type: 'array' } } }, 'shared schemas come from the newer document');
    assert.ok('Search' in out.definitions && 'Params' in out.definitions, 'legacy-only schemas are brought in transitively');
    assert.ok(!('Unused' in out.definitions), 'schemas no legacy operation reaches stay out');
    assert.equal(out.version, '9.19');
    assert.match(out.$comment, /from qdrant-openapi-9\.19\.json \+ the legacy operations of qdrant-openapi-9\.18\.json/);
  });

  it('fails when a legacy operation refers to a schema neither document has', () => {
    const broken = structuredClone(older);
    delete (broken.components.schemas as Record<string, unknown>)['Params'];
    assert.throws(() => mergeLegacyOperations(newer, broken), /unresolvable schema Params/);
  });

  it('does not modify its inputs', () => {
    const before = JSON.stringify(newer);
    mergeLegacyOperations(newer, older);
    assert.equal(JSON.stringify(newer), before);
  });
});

describe('openapi.gen.json', () => {
  const spec = generated as unknown as {
    $comment: string;
    version: string;
    definitions: Record<string, unknown>;
    operations: Record<string, { body: unknown; query: Record<string, unknown> }>;
  };

  it('is marked as generated and covers the whole spec', () => {
    assert.equal(
      spec.$comment,
      'GENERATED by scripts/gen-spec.ts from qdrant-openapi-1.19.json + the legacy operations of qdrant-openapi-1.18.json — do not edit',
    );
    assert.equal(spec.version, '1.19');
    assert.equal(Object.keys(spec.operations).length, 77);
    assert.ok(Object.keys(spec.definitions).length > 390);
    assert.deepEqual([...SPEC_OPERATIONS], Object.keys(spec.operations));
  });

  it('is up to date with the spec it was generated from (vendored in spec/, never skipped)', () => {
    const expected = generate(DEFAULT_SPEC_PATH, LEGACY_SPEC_PATH);
    assert.ok(readFileSync(OUTPUT_PATH, 'utf8') === expected, 'stale: run `node --import tsx scripts/gen-spec.ts`');
  });

  it('holds no OpenAPI-only keywords, and every $ref resolves', () => {
    const refs = new Set<string>();
    const walk = (s: unknown, where: string): void => {
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}/${i}`));
      if (typeof s !== 'object' || s === null) return;
      for (const [k, v] of Object.entries(s)) {
        if (k === 'properties' || k === 'definitions') {
          for (const [name, sub] of Object.entries(v as object)) walk(sub, `${where}/${k}/${name}`);
          continue;
        }
        if (k === 'enum' || k === 'default' || k === 'required') continue;
        assert.ok(!['nullable', 'example', 'description'].includes(k), `${where}: keyword ${k} left over`);
        if (k === '$ref') refs.add(v as string);
        walk(v, `${where}/${k}`);
      }
    };
    walk(spec.definitions, '#/definitions');
    walk(spec.operations, '#/operations');
    for (const ref of refs) {
      const m = /^#\/definitions\/(.+)$/.exec(ref);
      assert.ok(m && m[1]! in spec.definitions, `dangling $ref ${ref}`);
    }
  });

  it('every format it uses is known to the validator', () => {
    const formats = new Set<string>();
    JSON.stringify(spec, (k, v: unknown) => {
      if (k === 'format' && typeof v === 'string') formats.add(v);
      return v;
    });
    const ajv = createSpecAjv();
    for (const f of formats) assert.ok(ajv.formats[f] !== undefined, `format ${f} is not registered`);
  });

  it('every definition and every operation schema compiles', () => {
    const ajv = createSpecAjv();
    for (const name of Object.keys(spec.definitions)) {
      assert.doesNotThrow(() => ajv.getSchema(`quiver:qdrant-openapi.json#/definitions/${name}`), name);
    }
    precompileAll();
  });
});
