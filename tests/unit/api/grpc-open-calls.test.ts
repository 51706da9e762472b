/**
 * Open RPCs (`qdrant.Qdrant/HealthCheck`, `grpc.health.v1.Health/Check`) run as the anonymous caller: no credential
 * is read (not even a valid admin key), nothing is granted, no access decision is audited — whether or not a key
 * is configured. A protected RPC through the same wrapper gets the credential's pass.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { unary, type RpcImpl } from '../../../src/api/grpc/call.js';
import type { UnaryCall } from '../../../src/api/grpc/wire/http2-server.js';
import type { ReplyStatus } from '../../../src/api/grpc/wire/reply-status.js';
import type { GrpcDeps } from '../../../src/api/grpc/deps.js';
import { RPC_OPERATIONS, type RpcPath } from '../../../src/api/grpc/rpc-table.js';
import { ANONYMOUS } from '../../../src/auth/authenticate.js';
import { ACCESS_TABLE } from '../../../src/auth/access-table.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import { parseAllowList } from '../../../src/auth/ip-allowlist.js';
import type { Pass } from '../../../src/auth/authorize.js';

const ADMIN = 'open-calls-admin-key-0123456789abcdef0123';

async function depsWith(apiKey: string | undefined, audit: MemoryAuditSink): Promise<GrpcDeps> {
  const partial: Partial<GrpcDeps> = {
    credentials: await CredentialStore.create(apiKey === undefined ? {} : { api_key: apiKey }),
    audit: () => audit,
    allowList: parseAllowList([]),
    valueExists: () => Promise.reject(new Error('not used')),
    log: { error: () => undefined, warn: () => undefined },
  };
  return partial as GrpcDeps;
}

function fakeCall(metadata: Record<string, string>): UnaryCall {
  return { request: {}, headers: { ...metadata }, peer: { remote: '127.0.0.1', certificate: () => undefined } };
}

async function passOf(path: RpcPath, deps: GrpcDeps, metadata: Record<string, string>): Promise<{ pass?: Pass; error?: ReplyStatus }> {
  let seen: Pass | undefined;
  const impl: RpcImpl<unknown, object> = {
    run: (_req, ctx) => {
      seen = ctx.pass;
      return {};
    },
  };
  const error = await new Promise<ReplyStatus | null>((resolve) => {
    unary(path, impl, deps)(fakeCall(metadata), (e) => resolve(e));
  });
  return error === null ? (seen === undefined ? {} : { pass: seen }) : { error };
}

const OPEN_PATHS = (Object.keys(RPC_OPERATIONS) as RpcPath[]).filter((p) => ACCESS_TABLE[RPC_OPERATIONS[p]].scope === 'open');

void describe('open gRPC calls run as the anonymous caller', () => {
  void it('covers exactly the health RPCs', () => {
    assert.deepEqual(OPEN_PATHS.sort(), ['/grpc.health.v1.Health/Check', '/qdrant.Qdrant/HealthCheck']);
  });

  for (const apiKey of [undefined, ADMIN]) {
    for (const path of OPEN_PATHS) {
      void it(`${path} with ${apiKey === undefined ? 'no key configured' : 'a key configured'}: anonymous, nothing granted, not audited`, async () => {
        const audit = new MemoryAuditSink();
        const deps = await depsWith(apiKey, audit);
        for (const md of [{}, { 'api-key': ADMIN }, { 'api-key': 'wrong' }, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
          const { pass, error } = await passOf(path, deps, md);
          assert.equal(error, undefined, JSON.stringify(md));
          assert.equal(pass?.kind, 'open');
          assert.equal(pass.auth, ANONYMOUS, 'the anonymous caller, not a None/manage pass');
          assert.deepEqual(pass.auth.access, { kind: 'collections', grants: [] });
        }
        assert.equal(audit.events.length, 0);
      });
    }
  }

  void it('a protected RPC through the same wrapper reads the credential', async () => {
    const audit = new MemoryAuditSink();
    const deps = await depsWith(ADMIN, audit);
    const denied = await passOf('/qdrant.Collections/List', deps, {});
    assert.equal(denied.error?.code, status.UNAUTHENTICATED);
    const ok = await passOf('/qdrant.Collections/List', deps, { 'api-key': ADMIN });
    assert.equal(ok.error, undefined);
    assert.equal(ok.pass?.auth.type, 'ApiKey');
    assert.deepEqual(ok.pass.auth.access, { kind: 'global', level: 'm' });
  });
});
