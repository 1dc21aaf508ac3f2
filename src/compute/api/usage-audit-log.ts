import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { badRequest } from '../errors.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';

/** Python's str(datetime) of a UTC instant: "2026-11-01 00:00:00". */
const pyTime = (d: Date): string => d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

/** The last whole month before `before` (Nova's last_completed_audit_period with the default 'month' unit). */
export function lastCompletedMonth(before: Date): { begin: Date; end: Date } {
  const end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
  return { begin: new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1)), end };
}

/**
 * The usage audit of the compute hosts for a period. The audit itself (Nova's
 * [DEFAULT] instance_usage_audit, off by default) emits notifications Stratus does not
 * have, so no host ever ran it: every compute host is reported as not run, which is
 * what Nova answers with the audit off.
 */
async function auditLog(svc: ComputeService, before: Date): Promise<Record<string, unknown>> {
  const { begin, end } = lastCompletedMonth(before);
  const hosts = [...new Set((await svc.db.selectFrom('services').select('host').where('binary', '=', COMPUTE_BINARY).execute()).map((s) => s.host))];
  return {
    period_beginning: pyTime(begin), period_ending: pyTime(end), num_hosts: hosts.length, num_hosts_done: 0, num_hosts_running: 0,
    num_hosts_not_run: hosts.length, hosts_not_run: hosts, total_instances: 0, total_errors: 0,
    overall_status: `${hosts.length === 0 ? 'ALL' : `0 of ${hosts.length}`} hosts done. 0 errors.`, log: {},
  };
}

export function registerUsageAuditLogRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get('/v2.1/os-instance_usage_audit_log', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-instance-usage-audit-log:list');
    return { instance_usage_audit_logs: await auditLog(svc, svc.clock.now()) };
  });
  app.get<{ Params: { before: string } }>('/v2.1/os-instance_usage_audit_log/:before', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-instance-usage-audit-log:show');
    const text = request.params.before;
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/.exec(text);
    const when = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`) : null;
    if (!when || Number.isNaN(when.getTime())) throw badRequest(`Invalid timestamp for date ${text}`);
    return { instance_usage_audit_log: await auditLog(svc, when) };
  });
}
