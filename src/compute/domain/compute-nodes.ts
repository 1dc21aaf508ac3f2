import type { ComputeNodeRow, ServiceRow } from '../db/schema.js';
import type { ComputeService } from '../service.js';
import type { HostResources } from '../virt/driver.js';

/** Traits every compute node provider carries (plus the driver's capabilities, later). */
const NODE_TRAITS = ['COMPUTE_NODE'];

/**
 * Records the hypervisor a compute service reported and makes its Placement provider
 * match: the provider's uuid is the node's uuid, its name the hypervisor hostname, its
 * inventory the totals with the configured overcommit and host reservation.
 */
export async function upsertComputeNode(svc: ComputeService, service: ServiceRow, r: HostResources): Promise<ComputeNodeRow> {
  const now = svc.now();
  let node = await svc.db.selectFrom('compute_nodes').selectAll().where('hypervisor_hostname', '=', r.hypervisorHostname).executeTakeFirst();
  const facts = {
    service_id: service.id, host: service.host, hypervisor_type: r.hypervisorType, hypervisor_version: r.hypervisorVersion,
    vcpus: r.vcpus, memory_mb: r.memoryMb, local_gb: r.localGb, cpu_info: JSON.stringify(r.cpuInfo), host_ip: r.hostIp, updated_at: now,
  };
  if (node) {
    await svc.db.updateTable('compute_nodes').set(facts).where('id', '=', node.id).execute();
  } else {
    const s = svc.settings;
    await svc.db.insertInto('compute_nodes').values({
      ...facts, uuid: svc.ids.uuid(), hypervisor_hostname: r.hypervisorHostname, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0,
      cpu_allocation_ratio: s.cpuAllocationRatio, ram_allocation_ratio: s.ramAllocationRatio, disk_allocation_ratio: s.diskAllocationRatio, created_at: now,
    }).execute();
  }
  node = (await svc.db.selectFrom('compute_nodes').selectAll().where('hypervisor_hostname', '=', r.hypervisorHostname).executeTakeFirst())!;
  await svc.placement.ensureProvider(node.uuid, node.hypervisor_hostname);
  await svc.placement.setInventory(node.uuid, {
    VCPU: { total: node.vcpus, allocation_ratio: node.cpu_allocation_ratio },
    MEMORY_MB: { total: node.memory_mb, reserved: Math.min(svc.settings.reservedHostMemoryMb, node.memory_mb), allocation_ratio: node.ram_allocation_ratio },
    DISK_GB: { total: node.local_gb, allocation_ratio: node.disk_allocation_ratio },
  });
  await svc.placement.setTraits(node.uuid, NODE_TRAITS);
  return node;
}

export async function listComputeNodes(svc: ComputeService): Promise<ComputeNodeRow[]> {
  return svc.db.selectFrom('compute_nodes').selectAll().orderBy('id').execute();
}

/** Counts a failed build on the host's node, or clears the count after one that worked (Nova's failed_builds stat). */
export async function recordBuildOutcome(svc: ComputeService, host: string, succeeded: boolean): Promise<void> {
  await svc.db.updateTable('compute_nodes').set((eb) => ({ failed_builds: succeeded ? 0 : eb('failed_builds', '+', 1) })).where('host', '=', host).execute();
}

/** Whether a compute host (by its service host name) has a node: what a requested destination must name. */
export async function computeHostExists(svc: ComputeService, host: string): Promise<boolean> {
  return (await svc.db.selectFrom('compute_nodes').select('host').where('host', '=', host).executeTakeFirst()) !== undefined;
}
