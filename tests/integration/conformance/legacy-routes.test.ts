/**
 * The legacy search / recommend / discover endpoints that Qdrant 1.19 dropped from its OpenAPI document but
 * still serves: each is validated against the 1.18 request schema (brought into the generated schema by
 * `npm run gen:spec`), answers a good body with a response that matches the spec, and refuses a bad one as
 * Qdrant does (400 when it does not deserialize, 422 when a constraint fails).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';
import { operationSpec } from '../../../src/api/rest/schemas/validator.js';

const SEARCH = { vector: [1, 0], limit: 2, with_payload: true };
const RECOMMEND = { positive: [1], limit: 2 };
const DISCOVER = { target: 1, context: [{ positive: 2, negative: 3 }], limit: 2 };
const GROUPS = { group_by: 'g', limit: 2, group_size: 1 };

/** [operation, path under the collection, good body, format error body, validation error body] */
const LEGACY: ReadonlyArray<readonly [string, string, unknown, unknown, unknown]> = [
  ['search_points', 'search', SEARCH, { vector: 'x', limit: 2 }, { vector: [1, 0], limit: 0 }],
  ['search_batch_points', 'search/batch', { searches: [SEARCH, SEARCH] }, { searches: {} }, { searches: [{ vector: [1, 0], limit: 0 }] }],
  ['search_point_groups', 'search/groups', { ...SEARCH, ...GROUPS }, { ...GROUPS, vector: [1, 0], group_by: 7 }, { ...GROUPS, vector: [1, 0], group_size: 0 }],
  ['recommend_points', 'recommend', RECOMMEND, { positive: 'x', limit: 2 }, { positive: [1], limit: 0 }],
  ['recommend_batch_points', 'recommend/batch', { searches: [RECOMMEND] }, { searches: [{ positive: [1] }] }, { searches: [{ positive: [1], limit: 0 }] }],
  ['recommend_point_groups', 'recommend/groups', { ...RECOMMEND, ...GROUPS }, { ...RECOMMEND, ...GROUPS, group_by: [] }, { ...RECOMMEND, ...GROUPS, limit: 0 }],
  ['discover_points', 'discover', DISCOVER, { ...DISCOVER, context: 'x' }, { ...DISCOVER, limit: 0 }],
  ['discover_batch_points', 'discover/batch', { searches: [DISCOVER] }, { searches: 1 }, { searches: [{ ...DISCOVER, limit: 0 }] }],
];

describe('conformance: legacy endpoints of the 1.18 document, served and validated', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    const put = async (url: string, body: unknown): Promise<void> => {
      const r = await app.request('PUT', url, body);
      assert.equal(r.status, 200, r.text);
    };
    await put('/collections/legacy', { vectors: { size: 2, distance: 'Dot' } });
    await put('/collections/legacy/points?wait=true', {
      points: [
        { id: 1, vector: [1, 0], payload: { g: 'a' } },
        { id: 2, vector: [0, 1], payload: { g: 'b' } },
        { id: 3, vector: [1, 1], payload: { g: 'a' } },
      ],
    });
  });
  after(async () => {
    await app.destroy();
  });

  it('every legacy operation is in the generated schema with its 1.18 path', () => {
    for (const [op, suffix] of LEGACY) {
      assert.deepEqual(operationSpec(op), { method: 'POST', path: `/collections/{collection_name}/points/${suffix}`, bodyRequired: true }, op);
    }
  });

  for (const [op, suffix, good, unparsable, invalid] of LEGACY) {
    it(`${op}: a good body answers 200 as the spec says; bad ones 400 / 422`, async () => {
      const url = `/collections/legacy/points/${suffix}`;
      const ok = await app.request('POST', url, good);
      assert.equal(ok.status, 200, ok.text);
      assertResponseMatchesSpec(op, 200, ok.body);

      const format = await app.request('POST', url, unparsable);
      assert.equal(format.status, 400, format.text);
      assert.match(String(format.body.status.error), /^Format error in JSON body: /);

      const validation = await app.request('POST', url, invalid);
      assert.equal(validation.status, 422, validation.text);
      assert.match(String(validation.body.status.error), /^Validation error in JSON body: /);
    });
  }
});
