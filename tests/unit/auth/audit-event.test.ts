import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  auditAuthFailure, auditEvent, MAX_TRACING_ID_CHARS, MemoryAuditSink, NoopAuditSink, tracingId,
} from '../../../src/auth/audit-event.js';
import { AuthFailure } from '../../../src/auth/auth-failure.js';
import { NOW } from './fixtures.js';

describe('tracingId', () => {
  it('takes the first of x-request-id, x-tracing-id, traceparent', () => {
    assert.equal(tracingId({ traceparent: 'tp', 'x-tracing-id': 'xt', 'x-request-id': 'rq' }), 'rq');
    assert.equal(tracingId({ traceparent: 'tp', 'x-tracing-id': 'xt' }), 'xt');
    assert.equal(tracingId({ traceparent: 'tp' }), 'tp');
    assert.equal(tracingId({ 'x-request-id': '', traceparent: 'tp' }), 'tp');
    assert.equal(tracingId({ 'x-request-id': ['first', 'second'] }), 'first');
    assert.equal(tracingId({ 'x-request-id': [] }), undefined);
    assert.equal(tracingId({}), undefined);
  });

  it('cuts to 256 characters without splitting a surrogate pair', () => {
    assert.equal(MAX_TRACING_ID_CHARS, 256);
    assert.equal(tracingId({ 'x-request-id': 'a'.repeat(300) }), 'a'.repeat(256));
    assert.equal(tracingId({ 'x-request-id': 'a'.repeat(256) }), 'a'.repeat(256));
    const emoji = '😀'.repeat(300);
    const cut = tracingId({ 'x-request-id': emoji })!;
    assert.equal(Array.from(cut).length, 256);
    assert.equal(cut, '😀'.repeat(256));
  });
});

describe('audit events', () => {
  it('omits empty fields and sets result from the error', () => {
    assert.deepEqual(
      auditEvent({ now: NOW, request: { api: '/x', remote: '', tracingId: undefined }, authType: 'None', subject: '' }),
      { timestamp: NOW.toISOString(), api: '/x', auth_type: 'None', result: 'ok' },
    );
  });

  it('records a failed authentication as denied with auth_type None', async () => {
    const sink = new MemoryAuditSink();
    await auditAuthFailure(sink, new AuthFailure('JWT_BAD_SIGNATURE'), {
      api: '/collections/{collection_name}', method: 'get_collection', remote: '192.0.2.1', tracingId: 't',
    }, NOW);
    await auditAuthFailure(sink, new AuthFailure('AUTH_MISSING'), { api: '/unknown' });
    assert.deepEqual(sink.events[0], {
      timestamp: NOW.toISOString(),
      method: 'get_collection',
      api: '/collections/{collection_name}',
      auth_type: 'None',
      remote: '192.0.2.1',
      tracing_id: 't',
      result: 'denied',
      error: 'Forbidden: InvalidSignature',
    });
    assert.equal('method' in sink.events[1]!, false);
    assert.equal(sink.events[1]?.error, 'Unauthorized: Must provide an API key or an Authorization bearer token');
  });

  it('has a no-op sink', async () => {
    await new NoopAuditSink().write(auditEvent({ now: NOW, request: { api: '/' }, authType: 'None' }));
  });
});
