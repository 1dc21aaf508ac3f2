import type { InstanceRow } from '../db/schema.js';
import type { ComputeService } from '../service.js';
import { flavorOf } from './instance-model.js';
import { statusOf } from './states.js';
import { novaTime } from './timestamps.js';


/** One instance's usage inside [start, end] (Nova's simple tenant usage, by the hour). */
function serverUsage(row: InstanceRow, start: Date, end: Date): Record<string, unknown> | null {
  const launched = new Date(row.launched_at ?? row.created_at);
  const ended = row.terminated_at ? new Date(row.terminated_at) : null;
  if (launched > end || (ended && ended < start)) return null;
  const from = launched > start ? launched : start;
  const to = ended && ended < end ? ended : end;
  const hours = Math.max(0, (to.getTime() - from.getTime()) / 3_600_000);
  const flavor = flavorOf(row);
  return {
    instance_id: row.uuid, name: row.display_name, hours, memory_mb: flavor.memory_mb, local_gb: flavor.root_gb + flavor.ephemeral_gb, vcpus: flavor.vcpus,
    tenant_id: row.project_id, flavor: flavor.name, started_at: novaTime(launched.toISOString()), ended_at: ended ? novaTime(ended.toISOString()) : null,
    state: row.deleted_at ? 'terminated' : statusOf(row.vm_state, null).toLowerCase() === 'shutoff' ? 'stopped' : row.vm_state, uptime: Math.round((to.getTime() - from.getTime()) / 1000),
  };
}

export function summarise(project: string, usages: Array<Record<string, unknown>>, start: Date, end: Date, detailed: boolean): Record<string, unknown> {
  const sum = (f: (u: Record<string, unknown>) => number): number => usages.reduce((a, u) => a + f(u), 0);
  return {
    tenant_id: project, total_hours: sum((u) => u.hours as number),
    total_local_gb_usage: sum((u) => (u.hours as number) * (u.local_gb as number)), total_memory_mb_usage: sum((u) => (u.hours as number) * (u.memory_mb as number)),
    total_vcpus_usage: sum((u) => (u.hours as number) * (u.vcpus as number)), start: novaTime(start.toISOString()), stop: novaTime(end.toISOString()),
    ...(detailed ? { server_usages: usages } : {}),
  };
}

/** Each project's server usages inside [start, end], deleted servers included. */
export async function usagesIn(svc: ComputeService, project: string | null, start: Date, end: Date): Promise<Map<string, Array<Record<string, unknown>>>> {
  let q = svc.db.selectFrom('instances').selectAll().orderBy('created_at');
  if (project !== null) q = q.where('project_id', '=', project);
  const out = new Map<string, Array<Record<string, unknown>>>();
  for (const row of await q.execute()) {
    const u = serverUsage(row, start, end);
    if (u) out.set(row.project_id, [...(out.get(row.project_id) ?? []), u]);
  }
  return out;
}
