import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Access } from '../../../src/auth/access.js';
import type { AuditEvent, AuditSink } from '../../../src/auth/audit-event.js';
import { AuthFailure, type Auth } from '../../../src/auth/authenticate.js';
import { authorize, filterVisibleCollections, isPass } from '../../../src/auth/authorize.js';
import { AppError } from '../../../src/errors.js';
import { deps, NOW } from './fixtures.js';

const jwt = (access: Access, extra: Partial<Auth> = {}): Auth => ({ type: 'Jwt', access, ...extra });
const onC = (mode: 'r' | 'rw' | 'prw'): Access => ({ kind: 'collections', grants: [{ collection: 'c', access: mode }] });
const MANAGE: Auth = { type: 'ApiKey', access: { kind: 'global', level: 'm' } };
const READ_ONLY: Auth = { type: 'ApiKey', access: { kind: 'global', level: 'r' } };

function forbidden(reason: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.code, 'FORBIDDEN');
    assert.equal(e.kind, 'forbidden');
    assert.equal(e.message, `Forbidden: ${reason}`);
    return true;
  };
}

describe('authorize: aliases', () => {
  it('checks the real collection behind an alias and records it', async () => {
    const d = deps();
    const pass = await authorize(jwt(onC('r')), 'get_collection', { collection: 'alias_c' }, d);
    assert.equal(pass.kind, 'collection');
    assert.equal(pass.collection, 'c');
    assert.equal(pass.requested, 'alias_c');
    assert.equal(d.audit.events[0]?.collection, 'c');
  });

  it('denies an alias to a collection outside the grant, naming the alias not its target', async () => {
    const d = deps();
    await assert.rejects(authorize(jwt(onC('rw')), 'get_collection', { collection: 'alias_x' }, d), forbidden('Access to collection alias_x is required'));
    assert.equal(d.audit.events[0]?.error, 'Forbidden: Access to collection alias_x is required');
  });

  it('answers 403, never 404, for a collection that does not exist', async () => {
    await assert.rejects(authorize(jwt(onC('rw')), 'get_collection', { collection: 'no_such' }, deps()), forbidden('Access to collection no_such is required'));
  });
});

describe('authorize: collections read through the body', () => {
  const body = { prefetch: [{ lookup_from: { collection: 'alias_c' } }, { prefetch: { lookup_from: { collection: 'b' } } }] };

  it('needs read access to every lookup collection', async () => {
    await assert.rejects(authorize(jwt(onC('r')), 'query_points', { collection: 'c', body }, deps()), forbidden('Access to collection b is required'));
    const both: Access = { kind: 'collections', grants: [{ collection: 'c', access: 'prw' }, { collection: 'b', access: 'r' }] };
    const pass = await authorize(jwt(both), 'query_points', { collection: 'c', body }, deps());
    assert.equal(pass.lookup('alias_c').collection, 'c');
    assert.equal(pass.lookup('b').collection, 'b');
    assert.equal(pass.lookup('b').requested, 'b');
    assert.throws(() => pass.lookup('zzz'), /no read access was checked for collection zzz/);
  });

  it('lets global read credentials look up anything', async () => {
    const pass = await authorize(jwt({ kind: 'global', level: 'r' }), 'query_points', { collection: 'c', body }, deps());
    assert.equal(pass.lookup('b').collection, 'b');
  });

  it('checks a repeated lookup once', async () => {
    const seen: string[] = [];
    const d = deps({ resolveAlias: (n) => (seen.push(n), n) });
    await authorize(MANAGE, 'query_batch_points', { collection: 'c', body: { searches: [{ lookup_from: { collection: 'b' } }, { lookup_from: { collection: 'b' } }] } }, d);
    assert.deepEqual(seen, ['c', 'b']);
  });
});

describe('authorize: value_exists', () => {
  const vx = (value: string, collection = 'users') => ({ collection, matches: [{ key: 'user', value }] });

  it('passes when a point matches', async () => {
    const pass = await authorize(jwt({ kind: 'global', level: 'm' }, { valueExists: vx('andrey') }), 'get_collections', {}, deps());
    assert.equal(pass.kind, 'list');
  });

  it('answers 401 when no point matches and 403 when the collection is missing, audited', async () => {
    const d = deps();
    await assert.rejects(
      authorize(jwt({ kind: 'global', level: 'm' }, { valueExists: vx('mallory') }), 'get_collection', { collection: 'c' }, d),
      (e: unknown) => e instanceof AuthFailure && e.code === 'JWT_VALUE_MISSING' && e.kind === 'unauthorized' && e.message === 'Invalid JWT, stateful validation failed',
    );
    await assert.rejects(
      authorize(jwt({ kind: 'global', level: 'm' }, { valueExists: vx('andrey', 'gone') }), 'get_collection', { collection: 'c' }, d),
      (e: unknown) => e instanceof AuthFailure && e.code === 'JWT_VALUE_COLLECTION_MISSING' && e.kind === 'forbidden',
    );
    assert.deepEqual(d.audit.events.map((e) => [e.result, e.error]), [
      ['denied', 'Unauthorized: Invalid JWT, stateful validation failed'],
      ['denied', 'Forbidden: Invalid JWT, stateful validation failed'],
    ]);
  });

  it('runs before the access check', async () => {
    await assert.rejects(
      authorize(jwt(onC('r'), { valueExists: vx('mallory') }), 'create_collection', {}, deps()),
      (e: unknown) => e instanceof AuthFailure && e.kind === 'unauthorized',
    );
  });

  it('audits and rethrows when the lookup itself fails', async () => {
    const boom = new Error('storage down');
    const d = deps({ valueExists: () => Promise.reject(boom) });
    await assert.rejects(authorize(jwt({ kind: 'global', level: 'm' }, { valueExists: vx('andrey') }), 'get_collections', {}, d), boom);
    assert.equal(d.audit.events.length, 1);
    assert.equal(d.audit.events[0]?.result, 'denied');
  });
});

describe('authorize: audit events', () => {
  it('writes exactly one ok event with every field', async () => {
    const d = deps();
    await authorize(jwt(onC('rw'), { subject: 'alice' }), 'upsert_points', { collection: 'c' }, d);
    assert.deepEqual(d.audit.events, [{
      timestamp: NOW.toISOString(),
      method: 'upsert_points',
      api: '/collections/{collection_name}/points',
      auth_type: 'Jwt',
      subject: 'alice',
      remote: '10.0.0.7',
      collection: 'c',
      tracing_id: 'trace-1',
      result: 'ok',
    } satisfies AuditEvent]);
  });

  it('writes exactly one denied event with the error', async () => {
    const d = deps({ request: { api: '/collections' } });
    await assert.rejects(authorize({ type: 'ApiKey', access: onC('rw'), keyName: 'ci' }, 'create_collection', { collection: 'new' }, d));
    assert.deepEqual(d.audit.events, [{
      timestamp: NOW.toISOString(),
      method: 'create_collection',
      api: '/collections',
      auth_type: 'ApiKey',
      key_name: 'ci',
      collection: 'new',
      result: 'denied',
      error: 'Forbidden: Global access is required',
    } satisfies AuditEvent]);
  });

  it('records global operations under the collection as given, list operations under none', async () => {
    const d = deps();
    await authorize(MANAGE, 'recover_from_snapshot', { collection: 'alias_c' }, d);
    await authorize(MANAGE, 'get_collections', { collection: 'ignored' }, d);
    assert.equal(d.audit.events[0]?.collection, 'alias_c');
    assert.equal('collection' in d.audit.events[1]!, false);
  });

  it('does not audit open operations and returns an open pass', async () => {
    const d = deps();
    const pass = await authorize(MANAGE, 'healthz', {}, d);
    assert.equal(pass.kind, 'open');
    assert.equal(d.audit.events.length, 0);
  });

  it('fails closed: a sink that rejects refuses the request', async () => {
    const failing: AuditSink = { write: () => Promise.reject(new Error('disk full')) };
    await assert.rejects(authorize(MANAGE, 'get_collection', { collection: 'c' }, deps({ audit: failing })), /disk full/);
  });

  it('builds no event for a sink that discards them (audit off), and still decides', async () => {
    let built = 0;
    const discarding: AuditSink = {
      discards: true,
      write: () => {
        built++;
        return Promise.reject(new Error('a discarding sink was written to'));
      },
    };
    const clock = (): Date => {
      built++;
      return NOW;
    };
    const pass = await authorize(MANAGE, 'get_collection', { collection: 'c' }, deps({ audit: discarding, now: clock }));
    assert.equal(pass.kind, 'collection');
    await assert.rejects(authorize(READ_ONLY, 'create_collection', { collection: 'c' }, deps({ audit: discarding, now: clock })), /Forbidden/);
    assert.equal(built, 0);
    // The same sink without the flag gets both events.
    const recording: AuditSink = { write: () => Promise.resolve(void built++) };
    await authorize(MANAGE, 'get_collection', { collection: 'c' }, deps({ audit: recording }));
    await assert.rejects(authorize(READ_ONLY, 'create_collection', { collection: 'c' }, deps({ audit: recording })), /Forbidden/);
    assert.equal(built, 2);
  });

  it('uses the wall clock when no clock is injected', async () => {
    const d = deps();
    delete (d as { now?: unknown }).now;
    const before = Date.now();
    await authorize(MANAGE, 'get_collections', {}, d);
    assert.ok(Date.parse(d.audit.events[0]!.timestamp) >= before);
  });
});

describe('authorize: passes', () => {
  it('mints branded, frozen passes that look-alikes cannot imitate', async () => {
    const pass = await authorize(MANAGE, 'get_collection', { collection: 'c' }, deps());
    assert.equal(isPass(pass), true);
    assert.equal(Object.isFrozen(pass), true);
    assert.equal(pass.operation, 'get_collection');
    assert.equal(isPass({ ...pass }), false);
    assert.equal(isPass(Object.create(pass)), false, 'the brand is not inherited');
    assert.deepEqual(Object.getOwnPropertySymbols(pass), [], 'no key a look-alike could copy');
    assert.equal(isPass(null), false);
    assert.equal(isPass('pass'), false);
  });

  it('global passes issue collection passes; list passes filter', async () => {
    const g = await authorize(MANAGE, 'recover_from_uploaded_snapshot', { collection: 'c' }, deps());
    const issued = g.issue('c');
    assert.equal(isPass(issued), true);
    assert.equal(issued.collection, 'c');
    assert.equal(issued.operation, 'recover_from_uploaded_snapshot');
    const l = await authorize(jwt(onC('r')), 'get_collections_aliases', {}, deps());
    assert.deepEqual(l.visible(['a', 'c', 'z']), ['c']);
  });

  it('rejects a collection operation without a collection (a routing bug), without auditing', async () => {
    const d = deps();
    await assert.rejects(authorize(MANAGE, 'get_collection', {}, d), /get_collection needs a collection/);
    assert.equal(d.audit.events.length, 0);
  });
});

describe('filterVisibleCollections', () => {
  it('shows everything to global credentials and granted names to collection tokens', () => {
    assert.deepEqual(filterVisibleCollections(MANAGE, ['a', 'b']), ['a', 'b']);
    assert.deepEqual(filterVisibleCollections({ type: 'ApiKey', access: { kind: 'global', level: 'r' } }, ['a']), ['a']);
    assert.deepEqual(filterVisibleCollections(jwt({ kind: 'collections', grants: [{ collection: 'b', access: 'prw' }] }), ['a', 'b', 'c']), ['b']);
  });
});
