import type { ServiceRow } from '../db/schema.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';

/** Host -> the availability zone its aggregates give it (hosts in none have the default zone). */
export async function aggregateZones(svc: ComputeService): Promise<Map<string, string>> {
  const rows = await svc.db.selectFrom('aggregate_hosts').innerJoin('aggregate_metadata', 'aggregate_metadata.aggregate_id', 'aggregate_hosts.aggregate_id')
    .select(['aggregate_hosts.host', 'aggregate_metadata.value']).where('aggregate_metadata.key', '=', 'availability_zone').execute();
  return new Map(rows.map((r) => [r.host, r.value]));
}

/**
 * The availability zone a service belongs to: a compute host is in the zone of its
 * aggregate (or the default zone), the controller's services in the internal zone.
 */
export function zoneOfService(svc: ComputeService, row: Pick<ServiceRow, 'binary' | 'host'>, zones: Map<string, string>): string {
  if (row.binary !== COMPUTE_BINARY) return svc.settings.internalAvailabilityZone;
  return zones.get(row.host) ?? svc.settings.defaultAvailabilityZone;
}

/** Every zone a server may ask for: the default one and those aggregates define. */
export async function knownZones(svc: ComputeService): Promise<Set<string>> {
  return new Set([svc.settings.defaultAvailabilityZone, ...(await aggregateZones(svc)).values()]);
}
