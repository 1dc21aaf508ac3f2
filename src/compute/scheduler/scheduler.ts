import type { AllocationMap } from '../../placement/contract/client.js';
import { zoneOfService } from '../domain/availability-zones.js';
import { hostAggregates } from '../domain/aggregates.js';
import { isUp } from '../domain/services.js';
import { NovaError } from '../errors.js';
import type { ComputeService } from '../service.js';
import { DEFAULT_FILTERS, type FilterRequest, type HostFilter } from './filters.js';
import type { HostState } from './host-state.js';
import { weighHosts } from './weighers.js';

/** Nova's NoValidHost, which leaves the instance in ERROR with this message as its fault. */
export class NoValidHost extends NovaError {
  constructor(reason = 'There are not enough hosts available.') {
    super(500, `No valid host was found. ${reason}`);
  }
}

export interface ScheduleRequest extends FilterRequest {
  instanceUuid: string;
  projectId: string;
  userId: string;
  /** zone:host forces the host (admins), skipping the filters as Nova does. */
  forcedHost: string | null;
  /** A destination the caller asked for (cold migrate with host, unshelve to host): the only candidate, still filtered. */
  requestedHost?: string | null;
}

export interface Destination {
  host: string;
  node: string;
  nodeUuid: string;
  allocations: AllocationMap;
}

/** The Placement resources a flavor needs (zero amounts left out, as Placement refuses them). */
export function flavorResources(flavor: FilterRequest['flavor']): Record<string, number> {
  const disk = flavor.root_gb + flavor.ephemeral_gb + Math.ceil(flavor.swap / 1024);
  const out: Record<string, number> = { VCPU: flavor.vcpus, MEMORY_MB: flavor.memory_mb };
  if (disk > 0) out.DISK_GB = disk;
  return out;
}

/** Candidates Placement is asked for at once (Nova's [scheduler] max_placement_results). */
const MAX_PLACEMENT_RESULTS = 1000;

/**
 * Picks a host for one instance and claims its resources there: allocation candidates
 * from Placement, then the filters, then the weighers, then a claim on the best host
 * (the next one when another boot took the room first). Throws NoValidHost.
 */
export async function selectDestination(svc: ComputeService, request: ScheduleRequest, filters: readonly HostFilter[] = DEFAULT_FILTERS): Promise<Destination> {
  const candidates = await svc.placement.allocationCandidates({ resources: flavorResources(request.flavor), limit: MAX_PLACEMENT_RESULTS });
  if (candidates.requests.length === 0) throw new NoValidHost();
  const hosts = (await hostStates(svc, candidates.summaries, request.hints.same_host?.length || request.hints.different_host?.length ? true : false))
    .map((h) => (request.group ? { ...h, group: request.group } : h));
  const byNode = new Map(hosts.map((h) => [h.node.uuid, h]));
  let passing = [...byNode.values()];
  if (request.forcedHost) passing = passing.filter((h) => h.host === request.forcedHost);
  else passing = passing.filter((h) => (!request.requestedHost || h.host === request.requestedHost) && filters.every((f) => f.passes(h, request)));
  const allocationFor = new Map<string, AllocationMap>();
  for (const a of candidates.requests) {
    const root = Object.keys(a).map((p) => candidates.summaries[p]?.rootProviderUuid).find((r) => r !== undefined);
    if (root && !allocationFor.has(root)) allocationFor.set(root, a);
  }
  for (const h of weighHosts(passing.filter((h) => allocationFor.has(h.node.uuid)))) {
    const allocations = allocationFor.get(h.node.uuid)!;
    const claimed = await svc.placement.claim([{ consumer: request.instanceUuid, allocations, projectId: request.projectId, userId: request.userId, consumerGeneration: null }]);
    if (claimed.ok) return { host: h.host, node: h.node.hypervisor_hostname, nodeUuid: h.node.uuid, allocations };
  }
  throw new NoValidHost();
}

async function hostStates(svc: ComputeService, summaries: Record<string, HostState['summary']>, needInstances: boolean): Promise<HostState[]> {
  const uuids = Object.keys(summaries);
  if (uuids.length === 0) return [];
  const nodes = await svc.db.selectFrom('compute_nodes').selectAll().where('uuid', 'in', uuids).execute();
  // One read of the aggregates serves both the zones and the extra-spec filter.
  const aggregates = await hostAggregates(svc);
  const zones = new Map<string, string>();
  for (const [host, metas] of aggregates) for (const m of metas) if (m.availability_zone) zones.set(host, m.availability_zone);
  const services = new Map((await svc.db.selectFrom('services').selectAll().where('binary', '=', 'nova-compute').execute()).map((s) => [s.id, s]));
  const instances = new Map<string, Set<string>>();
  // Only the same/different host hints look at which instances a host runs.
  if (needInstances) for (const i of await svc.db.selectFrom('instances').select(['uuid', 'host']).where('deleted_at', 'is', null).where('host', 'is not', null).execute()) {
    const set = instances.get(i.host!) ?? new Set<string>();
    set.add(i.uuid);
    instances.set(i.host!, set);
  }
  return nodes.filter((n) => services.has(n.service_id)).map((node) => {
    const service = services.get(node.service_id)!;
    return {
      host: node.host, node, service, up: isUp(svc, service), availabilityZone: zoneOfService(svc, service, zones), aggregateMetadata: aggregates.get(node.host) ?? [],
      summary: summaries[node.uuid]!, instances: instances.get(node.host) ?? new Set(),
    };
  });
}
