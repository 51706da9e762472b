/**
 * The dashboard's own API (**Quiver**), authorized through the access table like every other route:
 * - `GET /dashboard/api/session`: who the caller is and the access table as data (any authenticated caller);
 * - `POST /dashboard/api/tokens`: signs a JWT with `service.api_key` on the server (manage only), so the admin
 *   key never reaches the browser;
 * - `GET|POST /dashboard/api/keys`, `DELETE /dashboard/api/keys/{key_name}`: the named keys of
 *   `service.api_keys_file` (manage only); a created key is in the answer once and never stored;
 * - `GET /audit/verify`: whether the audit log's hash chain verifies (manage only).
 */
import { decodeJwt } from 'jose';
import { route, type HandlerContext, type RouteRow } from '../rest/route-table.js';
import type { Config } from '../../config/schema.js';
import { badInput, AppError } from '../../errors.js';
import { ACCESS_TABLE } from '../../auth/access-table.js';
import { accessToClaim, parseAccessClaim } from '../../auth/access.js';
import { mintJwt } from '../../auth/jwt.js';
import { generateApiKey, hashApiKey, isValidKeyName, KeysFileError, parseRfc3339, readKeysFile, writeKeysFile, type NamedKeyEntry } from '../../auth/keys-file.js';
import { verifyAuditDir } from '../../auth/audit/verify.js';
import { deriveAuditKey } from '../../auth/audit/key.js';
import { parseTokenRequest } from './token-request.js';

function liveConfig(ctx: HandlerContext): Config {
  return ctx.deps.liveConfig?.() ?? ctx.deps.config;
}

/** `exp` of the bearer token the request was authenticated with (already verified), as an ISO date. */
function bearerExpiry(ctx: HandlerContext): string | null {
  const authorization = ctx.request.headers.authorization;
  if (ctx.request.headers['api-key'] !== undefined || authorization?.startsWith('Bearer ') !== true) return null;
  try {
    const exp = decodeJwt(authorization.slice('Bearer '.length)).exp;
    return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : null;
  } catch {
    return null; // an API key sent as a bearer token
  }
}

function keysFileOf(ctx: HandlerContext): string {
  const file = liveConfig(ctx).service.api_keys_file;
  if (file === null) throw badInput('Named API keys are not enabled: set service.api_keys_file');
  return file;
}

/** Runs a keys-file read or write; a file that cannot be read, parsed or written is the server's problem (500). */
function keysFileCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof KeysFileError) throw new AppError('SERVICE_ERROR', [e.message], { cause: e });
    throw e;
  }
}

function describeKey(k: NamedKeyEntry, now: Date): Record<string, unknown> {
  return {
    name: k.name,
    access: accessToClaim(k.access),
    created_at: k.createdAt.toISOString(),
    expires_at: k.expiresAt?.toISOString() ?? null,
    expired: k.expiresAt !== undefined && k.expiresAt.getTime() <= now.getTime(),
  };
}

/** The access table as data: operation → scope and requirement. The dashboard's only copy of it. */
export function accessTableData(): Record<string, { scope: string; write: boolean; manage: boolean; extras: boolean }> {
  return Object.fromEntries(Object.entries(ACCESS_TABLE).map(([op, rule]) => [op, { scope: rule.scope, ...rule.need }]));
}

function session(ctx: HandlerContext): Record<string, unknown> {
  const config = liveConfig(ctx);
  const auth = ctx.pass.auth;
  let expiresAt = bearerExpiry(ctx);
  const file = config.service.api_keys_file;
  if (auth.keyName !== undefined && file !== null) {
    const entry = keysFileCall(() => readKeysFile(file, { missingOk: true })).find((k) => k.name === auth.keyName);
    expiresAt = entry?.expiresAt?.toISOString() ?? null;
  }
  return {
    auth_type: auth.type,
    access: accessToClaim(auth.access),
    subject: auth.subject ?? null,
    key_name: auth.keyName ?? null,
    expires_at: expiresAt,
    value_exists: auth.valueExists ?? null,
    server: {
      version: ctx.deps.quiverVersion,
      jwt_rbac: config.service.jwt_rbac && config.service.api_key !== null,
      hide_jwt_dashboard: config.service.hide_jwt_dashboard,
      api_keys_file: config.service.api_keys_file !== null,
      audit: ctx.deps.auditDir !== null,
    },
    access_table: accessTableData(),
  };
}

async function createToken(ctx: HandlerContext): Promise<Record<string, unknown>> {
  const service = liveConfig(ctx).service;
  if (!service.jwt_rbac || service.api_key === null) {
    throw badInput('JWT access tokens are not enabled: set service.api_key and service.jwt_rbac: true');
  }
  const options = parseTokenRequest(ctx.body);
  const token = await mintJwt(service.api_key, options);
  return { token, claims: decodeJwt(token) };
}

async function createKey(ctx: HandlerContext): Promise<Record<string, unknown>> {
  const file = keysFileOf(ctx);
  const { name, access, expires_at: expires } = ctx.body;
  for (const k of Object.keys(ctx.body)) if (!['name', 'access', 'expires_at'].includes(k)) throw badInput(`unknown field "${k}"`);
  if (typeof name !== 'string' || !isValidKeyName(name)) throw badInput('name: 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit');
  const parsedAccess = parseAccessClaim(access);
  if (parsedAccess.kind === 'collections' && parsedAccess.grants.length === 0) throw badInput('access: grant at least one collection');
  const now = new Date();
  let expiresAt: Date | undefined;
  if (expires !== undefined && expires !== null) {
    expiresAt = typeof expires === 'string' ? parseRfc3339(expires) : undefined;
    if (expiresAt === undefined) throw badInput('expires_at: expected an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, or null');
    if (expiresAt.getTime() <= now.getTime()) throw badInput('expires_at: must be in the future');
  }
  const keys = keysFileCall(() => readKeysFile(file, { missingOk: true }));
  if (keys.some((k) => k.name === name)) throw new AppError('WRONG_INPUT', [`a key named "${name}" already exists; revoke it first`]);
  const key = generateApiKey();
  const entry: NamedKeyEntry = { name, hash: hashApiKey(key), access: parsedAccess, createdAt: now, ...(expiresAt === undefined ? {} : { expiresAt }) };
  keysFileCall(() => writeKeysFile(file, [...keys, entry]));
  await ctx.deps.reloadCredentials?.();
  return { ...describeKey(entry, now), key };
}

async function deleteKey(ctx: HandlerContext): Promise<boolean> {
  const file = keysFileOf(ctx);
  const name = ctx.params['key_name'] ?? '';
  const keys = keysFileCall(() => readKeysFile(file, { missingOk: true }));
  const remaining = keys.filter((k) => k.name !== name);
  if (remaining.length === keys.length) throw new AppError('NOT_FOUND', [`Not found: no API key named ${name}`]);
  keysFileCall(() => writeKeysFile(file, remaining));
  await ctx.deps.reloadCredentials?.();
  return true;
}

function verifyAudit(ctx: HandlerContext): Record<string, unknown> {
  const config = ctx.deps.config;
  if (ctx.deps.auditDir === null || config.audit.sink === 'stdout') throw badInput('Audit logging to files is not enabled (audit.enabled, audit.sink)');
  const result = verifyAuditDir(ctx.deps.auditDir, deriveAuditKey(config.audit, config.service.api_key));
  return result.ok ? { ok: true, lines: result.lines } : { ok: false, file: result.file, line: result.line, reason: result.reason };
}

export const dashboardRoutes: RouteRow[] = [
  route('GET', '/dashboard/api/session', 'dashboard_session', session),
  route('POST', '/dashboard/api/tokens', 'create_access_token', createToken),
  route('GET', '/dashboard/api/keys', 'list_api_keys', (ctx) => {
    const now = new Date();
    const file = keysFileOf(ctx);
    return { keys: keysFileCall(() => readKeysFile(file, { missingOk: true })).map((k) => describeKey(k, now)) };
  }),
  route('POST', '/dashboard/api/keys', 'create_api_key', createKey),
  route('DELETE', '/dashboard/api/keys/{key_name}', 'delete_api_key', deleteKey),
  route('GET', '/audit/verify', 'verify_audit_logs', verifyAudit),
];
