/** `POST /audit/logs`: query the audit log (manage access only; 400 when the audit log is disabled). */
import { route, type RouteRow } from '../route-table.js';
import { badInput } from '../../../errors.js';
import { queryAuditLogs } from '../../../auth/audit/query.js';

export const auditRoutes: RouteRow[] = [
  route('POST', '/audit/logs', 'get_audit_logs', async ({ deps, body }) => {
    if (deps.auditDir === null) throw badInput('Audit logging is not enabled (audit.enabled is false)');
    return { entries: await queryAuditLogs(deps.auditDir, body) };
  }),
];
