/** The snapshot block of the table of contents: consistent reads, atomic replacement, leftovers after a crash. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../../support/app.js';
import { authorize, type GlobalPass } from '../../../../src/auth/authorize.js';
import { fullAccess } from '../../../../src/auth/access.js';
import { NoopAuditSink } from '../../../../src/auth/audit-event.js';
import { Collection } from '../../../../src/collection/collection.js';
import { encodePoint } from '../../../../src/collection/point-codec.js';

describe('TableOfContent snapshot methods', () => {
  let app: TestApp;
  let pass: GlobalPass;
  before(async () => {
    app = await startTestApp();
    pass = await authorize({ type: 'None', access: fullAccess('test') }, 'recover_from_snapshot', {}, { resolveAlias: (n) => n, valueExists: () => Promise.resolve('ok'), audit: new NoopAuditSink(), request: { api: 'test' } });
    await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { v: 1 } }, { id: 2, vector: [3, 4] }] });
  });
  after(async () => {
    await app.destroy();
  });

  it('reads a collection as of the moment the source is opened, while writes go on', async () => {
    const source = app.toc.snapshotSource(pass.issue('c'));
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 3, vector: [5, 6] }] });
    const ids = [];
    for (let n = source.points.next(); n.done !== true; n = source.points.next()) ids.push(n.value.key);
    assert.deepEqual(ids, [1, 2]);
    assert.equal(source.opSeq, 1);
    await app.request('POST', '/collections/c/points/delete?wait=true', { points: [3] });
  });

  it('leaves the old collection intact and no table behind when filling fails', async () => {
    const c = app.toc.uncheckedCollection('c', 'test')!;
    const before = (await app.request('POST', '/collections/c/points/scroll', { with_vector: true })).body.result;
    await assert.rejects(
      app.toc.replaceCollection(pass, 'c', { config: c.config, payloadIndexes: [], shardKeys: [], createdAt: 'x', opSeq: 9 }, async (write) => {
        await write([[7, encodePoint(0, new Map([['', { kind: 'dense', data: new Float32Array([9, 9]) }]]), null, 1, undefined)]]);
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    assert.equal(app.toc.uncheckedCollection('c', 'test'), c);
    assert.deepEqual((await app.request('POST', '/collections/c/points/scroll', { with_vector: true })).body.result, before);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
  });

  it('swaps in the new collection and drops the old table', async () => {
    const old = app.toc.uncheckedCollection('c', 'test')!;
    await app.toc.replaceCollection(pass, 'c', { config: old.config, payloadIndexes: [{ field: 'k', schema: 'keyword' }], shardKeys: [], createdAt: 'then', opSeq: 42 }, async (write) => {
      await write([[5, encodePoint(0, new Map([['', { kind: 'dense', data: new Float32Array([1, 1]) }]]), { k: 'x' }, 40, undefined)]]);
    });
    const now = app.toc.uncheckedCollection('c', 'test')!;
    assert.notEqual(now.uuid, old.uuid);
    assert.equal(now.lastOperationId, 42);
    assert.deepEqual(now.info.payloadIndexes, [{ field: 'k', schema: 'keyword' }]);
    const scroll = (await app.request('POST', '/collections/c/points/scroll', {})).body.result.points;
    assert.deepEqual(scroll.map((p: { id: number }) => p.id), [5]);
    assert.equal(app.store.table(Collection.pointsTable(old.uuid)).count(), 0);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
  });

  it('drops, at startup, the tables of recoveries a crash interrupted', async () => {
    const uuid = randomUUID();
    const table = app.store.table(Collection.pointsTable(uuid));
    await app.store.commit(() => {
      app.store.meta.put(`snapshot-pending:${uuid}`, { collection: 'c' });
      table.put(1, encodePoint(0, new Map(), null, 1, undefined));
    });
    assert.deepEqual(app.toc.snapshotLeftovers(), [uuid]);
    assert.equal(await app.toc.dropSnapshotLeftovers(), 1);
    assert.deepEqual(app.toc.snapshotLeftovers(), []);
    assert.equal(app.store.table(Collection.pointsTable(uuid)).count(), 0);
    assert.equal((await app.request('POST', '/collections/c/points/count', {})).body.result.count, 1);
  });
});
