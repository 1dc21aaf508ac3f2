import type { ServiceRow } from '../db/schema.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';

/**
 * The availability zone a service belongs to: compute hosts are in the default zone
 * (host aggregates with an availability_zone will override it), the controller's
 * services in the internal zone.
 */
export function zoneOfService(svc: ComputeService, row: Pick<ServiceRow, 'binary' | 'host'>): string {
  return row.binary === COMPUTE_BINARY ? svc.settings.defaultAvailabilityZone : svc.settings.internalAvailabilityZone;
}
