/**
 * **Quiver:** `service.allowed_client_ips` enforced before anything else. The check runs in the first `onRequest`
 * hook and in the handler of URLs the router cannot parse, so a refused address gets the same audited 403 on every
 * path — CORS preflight, unknown routes, bad Host or content type — and learns nothing else about the server.
 */
import type { FastifyRequest } from 'fastify';
import { allows, deniedReason, type AllowList } from '../../auth/ip-allowlist.js';
import { auditEvent, type AuditSink } from '../../auth/audit-event.js';
import { AppError } from '../../errors.js';
import { requestInfo } from './gate.js';

/**
 * @returns a check that resolves to the 403 for a refused peer (after its audit line is written), or undefined
 *   when the peer may go on (no allow-list, or a listed address)
 */
export function clientIpGuard(allowList: AllowList | undefined, audit: () => AuditSink): (request: FastifyRequest) => Promise<AppError | undefined> {
  if (allowList === undefined || allowList.entries.length === 0) return () => Promise.resolve(undefined);
  return async (request) => {
    const ip = request.socket.remoteAddress;
    if (allows(allowList, ip)) return undefined;
    const reason = deniedReason(ip);
    const operation = request.routeOptions.config?.operation;
    await audit().write(auditEvent({ now: new Date(), method: operation, request: requestInfo(request, () => ip), authType: 'None', error: reason }));
    return new AppError('FORBIDDEN', [reason]);
  };
}
