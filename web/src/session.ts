/**
 * Who the caller is, from `GET /dashboard/api/session`, and what they may do. The rules come from the
 * server's access table (sent as data in the session) and the server's own access checks (`src/auth/access.ts`,
 * bundled as is): the dashboard keeps no copy of either, it only hides what the server would refuse anyway.
 */
import { collectionDenial, globalDenial, parseAccessClaim, type Access, type Requirement } from '../../src/auth/access.js';

export interface AccessRuleData extends Requirement {
  readonly scope: 'open' | 'list' | 'global' | 'collection';
}

export interface SessionInfo {
  readonly auth_type: string;
  readonly access: unknown;
  readonly subject: string | null;
  readonly key_name: string | null;
  readonly expires_at: string | null;
  readonly value_exists: unknown;
  readonly server: { version: string; jwt_rbac: boolean; hide_jwt_dashboard: boolean; api_keys_file: boolean; audit: boolean };
  readonly access_table: Readonly<Record<string, AccessRuleData>>;
}

export interface Session extends SessionInfo {
  readonly parsedAccess: Access;
  /** May the caller run `operation` (on `collection`, for collection operations)? */
  can(operation: string, collection?: string): boolean;
}

export function makeSession(info: SessionInfo): Session {
  const access = parseAccessClaim(info.access);
  return {
    ...info,
    parsedAccess: access,
    can(operation, collection) {
      const rule = info.access_table[operation];
      if (rule === undefined) return false;
      switch (rule.scope) {
        case 'open':
        case 'list':
          return true;
        case 'global':
          return globalDenial(access, rule) === undefined;
        case 'collection':
          if (collection !== undefined) return collectionDenial(access, collection, rule) === undefined;
          // No collection chosen yet: may the caller do it on any collection at all?
          if (access.kind === 'global') return globalDenial(access, rule) === undefined;
          return access.grants.some((g) => collectionDenial(access, g.collection, rule) === undefined);
      }
    },
  };
}

/** A short description of an access: `manage (everything)`, `read-only`, or the grants. */
export function describeAccess(access: Access): string {
  if (access.kind === 'global') return access.level === 'm' ? 'global manage (everything)' : 'global read-only';
  const names: Record<string, string> = { r: 'read', rw: 'read-write', prw: 'points read-write' };
  return access.grants.map((g) => `${g.collection}: ${names[g.access] ?? g.access}`).join(', ') || 'no collections';
}

/** `ApiKey` → `API key`, `Jwt` → `JWT`, as people write them. */
export function authLabel(authType: string): string {
  return ({ ApiKey: 'API key', Jwt: 'JWT', None: 'no authentication' } as Record<string, string>)[authType] ?? authType;
}
