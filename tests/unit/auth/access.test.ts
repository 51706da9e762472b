import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accessToClaim, canManage, canRead, canWrite, canWriteExtras, collectionDenial, formatAccess, fullAccess,
  globalDenial, grantFor, MANAGE, parseAccessClaim, READ, READ_EXTRAS, readOnlyAccess, tenantFilterFor, WRITE, WRITE_EXTRAS,
  type Access,
} from '../../../src/auth/access.js';
import { AppError } from '../../../src/errors.js';

const cols = (...grants: Array<[string, 'r' | 'rw' | 'prw']>): Access => ({
  kind: 'collections',
  grants: grants.map(([collection, access]) => ({ collection, access })),
});

describe('parseAccessClaim', () => {
  it('parses global r and m', () => {
    assert.deepEqual(parseAccessClaim('r'), { kind: 'global', level: 'r' });
    assert.deepEqual(parseAccessClaim('m'), { kind: 'global', level: 'm' });
  });

  it('parses a collection list, ignoring unknown grant fields and a null payload', () => {
    assert.deepEqual(
      parseAccessClaim([{ collection: 'a', access: 'r' }, { collection: 'b', access: 'prw', extra: 1, payload: null }]),
      cols(['a', 'r'], ['b', 'prw']),
    );
    assert.deepEqual(parseAccessClaim([]), cols());
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['another string', 'rw', /access must be "r", "m" or a list/],
    ['an object', { collection: 'a' }, /access must be/],
    ['null', null, /access must be/],
    ['a non-object entry', ['a'], /access\[0\] must be an object/],
    ['a missing collection', [{ access: 'r' }], /access\[0\]\.collection must be a non-empty string/],
    ['an empty collection', [{ collection: '', access: 'r' }], /collection must be a non-empty string/],
    ['a bad mode', [{ collection: 'a', access: 'm' }], /access\[0\]\.access must be "r", "rw" or "prw"/],
    ['a deprecated payload', [{ collection: 'a', access: 'r', payload: { k: 'v' } }], /payload constraint is deprecated/],
    ['a duplicate collection', [{ collection: 'a', access: 'r' }, { collection: 'a', access: 'rw' }], /collection a appears more than once/],
  ];
  for (const [what, json, message] of invalid) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseAccessClaim(json), (e: unknown) => e instanceof AppError && e.code === 'BAD_INPUT' && message.test(e.message));
    });
  }
});

describe('access forms', () => {
  it('round-trips through the claim form', () => {
    for (const a of [parseAccessClaim('r'), parseAccessClaim('m'), cols(['a', 'rw'], ['b', 'r'])]) {
      assert.deepEqual(parseAccessClaim(accessToClaim(a)), a);
    }
  });

  it('formats for humans', () => {
    assert.equal(formatAccess(fullAccess('test')), 'm');
    assert.equal(formatAccess(readOnlyAccess('test')), 'r');
    assert.equal(formatAccess(cols(['a', 'rw'], ['b', 'prw'])), 'a:rw,b:prw');
    assert.equal(formatAccess(cols()), '(none)');
  });

  it('finds grants only in collection lists', () => {
    assert.deepEqual(grantFor(cols(['a', 'r']), 'a'), { collection: 'a', access: 'r' });
    assert.equal(grantFor(cols(['a', 'r']), 'b'), undefined);
    assert.equal(grantFor(fullAccess('test'), 'a'), undefined);
  });
});

describe('denials (Qdrant check order and texts)', () => {
  it('global operations refuse collection tokens and read-only writes', () => {
    assert.equal(globalDenial(cols(['a', 'rw']), READ), 'Global access is required');
    assert.equal(globalDenial(readOnlyAccess('test'), MANAGE), 'Global manage access is required');
    assert.equal(globalDenial(readOnlyAccess('test'), READ), undefined);
    assert.equal(globalDenial(fullAccess('test'), MANAGE), undefined);
  });

  it('collection operations: grant, then extras, then write, then manage', () => {
    assert.equal(collectionDenial(cols(['a', 'rw']), 'b', READ), 'Access to collection b is required');
    assert.equal(collectionDenial(cols(['a', 'prw']), 'a', READ_EXTRAS), 'Only points access is allowed for collection a');
    // prw asking for a write on extras: the extras check comes first
    assert.equal(collectionDenial(cols(['a', 'prw']), 'a', WRITE_EXTRAS), 'Only points access is allowed for collection a');
    assert.equal(collectionDenial(cols(['a', 'r']), 'a', WRITE), 'Write access to collection a is required');
    assert.equal(collectionDenial(cols(['a', 'r']), 'a', READ_EXTRAS), undefined);
    assert.equal(collectionDenial(cols(['a', 'rw']), 'a', MANAGE), 'Manage access for this operation is required');
    assert.equal(collectionDenial(cols(['a', 'rw']), 'a', WRITE_EXTRAS), undefined);
    assert.equal(collectionDenial(readOnlyAccess('test'), 'a', WRITE), 'Global manage access is required');
    assert.equal(collectionDenial(readOnlyAccess('test'), 'a', READ_EXTRAS), undefined);
  });

  it('names the collection as the client named it', () => {
    assert.equal(collectionDenial(cols(['a', 'rw']), 'real', READ, 'alias'), 'Access to collection alias is required');
  });

  it('answers the boolean helpers', () => {
    const prw = cols(['a', 'prw']);
    assert.equal(canRead(prw, 'a'), true);
    assert.equal(canRead(prw, 'b'), false);
    assert.equal(canWrite(prw, 'a'), true);
    assert.equal(canWrite(cols(['a', 'r']), 'a'), false);
    assert.equal(canWriteExtras(prw, 'a'), false);
    assert.equal(canWriteExtras(cols(['a', 'rw']), 'a'), true);
    assert.equal(canManage(fullAccess('test')), true);
    assert.equal(canManage(readOnlyAccess('test')), false);
    assert.equal(canManage(cols(['a', 'rw'])), false);
  });

  it('prefix grants (Quiver): the exact grant wins, then the longest matching prefix', () => {
    const a = cols(['team-*', 'r'], ['team-a-*', 'rw'], ['team-a-x', 'prw']);
    assert.equal(grantFor(a, 'team-a-x')?.access, 'prw');
    assert.equal(grantFor(a, 'team-a-y')?.access, 'rw');
    assert.equal(grantFor(a, 'team-b')?.access, 'r');
    assert.equal(grantFor(a, 'tea'), undefined);
    assert.equal(grantFor(a, 'team-*'), a.kind === 'collections' ? a.grants[0] : undefined, 'a pattern names itself');
    assert.equal(canWrite(a, 'team-a-new'), true);
    assert.equal(canWriteExtras(a, 'team-a-x'), false);
    assert.equal(canWrite(a, 'team-b'), false);
  });

  it('prefix grants parse with one final * after a non-empty prefix, and round-trip', () => {
    const claim = [{ collection: 'team-a-*', access: 'rw' }];
    assert.deepEqual(accessToClaim(parseAccessClaim(claim)), claim);
    for (const bad of ['*', '**', 'a*b', '*a', 'a**']) {
      assert.throws(() => parseAccessClaim([{ collection: bad, access: 'r' }]), AppError, bad);
    }
  });

  it('tenant grants carry their parsed filter, round-trip, and refuse a malformed one', () => {
    const tenant = { must: [{ key: 'tenant', match: { value: 'acme' } }] };
    const claim = [{ collection: 'docs', access: 'rw', tenant_filter: tenant }, { collection: 'shared', access: 'r' }];
    const a = parseAccessClaim(claim);
    assert.deepEqual(accessToClaim(a), claim);
    assert.deepEqual(tenantFilterFor(a, 'docs')?.must?.length, 1);
    assert.equal(tenantFilterFor(a, 'shared'), undefined);
    assert.equal(tenantFilterFor(fullAccess('test'), 'docs'), undefined);
    assert.equal(formatAccess(a), 'docs:rw(tenant),shared:r');
    for (const bad of ['acme', [], { must: [{ key: 'tenant', match: {} }] }, { must: 'x' }]) {
      assert.throws(() => parseAccessClaim([{ collection: 'docs', access: 'r', tenant_filter: bad }]), /tenant_filter/, JSON.stringify(bad));
    }
    assert.throws(() => parseAccessClaim([{ collection: 'docs', access: 'r', payload: { tenant: 'acme' } }]), /deprecated/);
  });
});
