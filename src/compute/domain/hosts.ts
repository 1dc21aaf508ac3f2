import { notFound } from '../errors.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { aggregateZones, zoneOfService } from './availability-zones.js';
import { listComputeNodes } from './compute-nodes.js';
import { flavorOf } from './instance-model.js';
import { findService, updateService } from './services.js';

/** One row of os-hosts: a host and a service it runs (compute, scheduler, conductor). */
export interface HostEntry {
  host_name: string;
  service: string;
  zone: string;
}

/** os-hosts index: enabled services with their zones (Nova's service topics), optionally only one zone. */
export async function listHosts(svc: ComputeService, zone: string | undefined): Promise<HostEntry[]> {
  const zones = await aggregateZones(svc);
  const services = await svc.db.selectFrom('services').selectAll().where('disabled', '=', 0).orderBy('id').execute();
  return services.map((s) => ({ host_name: s.host, service: s.binary.replace(/^nova-/, ''), zone: zoneOfService(svc, s, zones) }))
    .filter((h) => !zone || h.zone === zone);
}

export interface HostResource {
  host: string;
  project: string;
  cpu: number;
  memory_mb: number;
  disk_gb: number;
}

export const hostNotFound = (host: string) => notFound(`Compute host ${host} could not be found.`);

/**
 * os-hosts show: the host's totals, what its hypervisor uses now, the sum of its
 * instances' flavors (used_max) and that sum per project.
 */
export async function hostResources(svc: ComputeService, host: string): Promise<HostResource[]> {
  const node = (await listComputeNodes(svc)).find((n) => n.host === host);
  if (!node) throw hostNotFound(host);
  const instances = await svc.db.selectFrom('instances').select(['project_id', 'flavor']).where('host', '=', host).where('deleted_at', 'is', null).execute();
  const total = (project: string, rows: typeof instances): HostResource => rows.reduce((acc, i) => {
    const f = flavorOf(i);
    return { ...acc, cpu: acc.cpu + f.vcpus, memory_mb: acc.memory_mb + f.memory_mb, disk_gb: acc.disk_gb + f.root_gb + f.ephemeral_gb };
  }, { host, project, cpu: 0, memory_mb: 0, disk_gb: 0 });
  const projects = [...new Set(instances.map((i) => i.project_id))];
  return [
    { host, project: '(total)', cpu: node.vcpus, memory_mb: node.memory_mb, disk_gb: node.local_gb },
    { host, project: '(used_now)', cpu: node.vcpus_used, memory_mb: node.memory_mb_used, disk_gb: node.local_gb_used },
    total('(used_max)', instances),
    ...projects.map((p) => total(p, instances.filter((i) => i.project_id === p))),
  ];
}

/** os-hosts update status: enables or disables the host's compute service (what scheduling looks at). */
export async function setHostEnabled(svc: ComputeService, host: string, enabled: boolean): Promise<'enabled' | 'disabled'> {
  const service = await findService(svc, host, COMPUTE_BINARY);
  if (!service) throw hostNotFound(host);
  await updateService(svc, service, { disabled: !enabled });
  return enabled ? 'enabled' : 'disabled';
}
