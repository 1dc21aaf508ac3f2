import { isUniqueViolation } from '../../core/db/index.js';
import type { ServiceRow } from '../db/schema.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';

/** The service record's version (Nova's SERVICE_VERSION); bumped when the bus protocol changes. */
export const SERVICE_VERSION = 1;

/** Creates the service record if missing and records a heartbeat; returns the record. */
export async function registerService(svc: ComputeService, host: string, binary: string): Promise<ServiceRow> {
  const now = svc.now();
  const existing = await findService(svc, host, binary);
  if (existing) {
    await heartbeat(svc, host, binary);
    return (await findService(svc, host, binary))!;
  }
  try {
    await svc.db.insertInto('services').values({
      uuid: svc.ids.uuid(), host, binary, topic: binary === COMPUTE_BINARY ? 'compute' : binary.replace(/^nova-/, ''),
      report_count: 1, disabled: 0, disabled_reason: null, forced_down: 0, last_seen_up: now, version: SERVICE_VERSION, created_at: now, updated_at: now,
    }).execute();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  return (await findService(svc, host, binary))!;
}

export async function findService(svc: ComputeService, host: string, binary: string): Promise<ServiceRow | undefined> {
  return svc.db.selectFrom('services').selectAll().where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
}

/** A heartbeat: the service is alive now. */
export async function heartbeat(svc: ComputeService, host: string, binary: string): Promise<void> {
  const now = svc.now();
  await svc.db.updateTable('services').set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: now, updated_at: now }))
    .where('host', '=', host).where('binary', '=', binary).execute();
}

/** Up means a heartbeat within service_down_time and not forced down (Nova's servicegroup DB driver). */
export function isUp(svc: ComputeService, row: ServiceRow): boolean {
  if (row.forced_down) return false;
  if (!row.last_seen_up) return false;
  return svc.clock.now().getTime() - new Date(row.last_seen_up).getTime() <= svc.settings.serviceDownTime * 1000;
}

export interface ServiceFilter {
  host?: string;
  binary?: string;
}

export async function listServices(svc: ComputeService, filter: ServiceFilter = {}): Promise<ServiceRow[]> {
  let q = svc.db.selectFrom('services').selectAll().orderBy('id');
  if (filter.host !== undefined) q = q.where('host', '=', filter.host);
  if (filter.binary !== undefined) q = q.where('binary', '=', filter.binary);
  return q.execute();
}

export interface ServiceChanges {
  disabled?: boolean;
  disabledReason?: string | null;
  forcedDown?: boolean;
}

export async function updateService(svc: ComputeService, row: ServiceRow, changes: ServiceChanges): Promise<ServiceRow> {
  const set: Partial<Pick<ServiceRow, 'disabled' | 'disabled_reason' | 'forced_down' | 'updated_at'>> = { updated_at: svc.now() };
  if (changes.disabled !== undefined) {
    set.disabled = changes.disabled ? 1 : 0;
    // Enabling clears the reason, as Nova does.
    set.disabled_reason = changes.disabled ? changes.disabledReason ?? null : null;
  }
  if (changes.forcedDown !== undefined) set.forced_down = changes.forcedDown ? 1 : 0;
  await svc.db.updateTable('services').set(set).where('id', '=', row.id).execute();
  return (await svc.db.selectFrom('services').selectAll().where('id', '=', row.id).executeTakeFirst())!;
}

/**
 * Removes a service; for a compute service also its hypervisors and their Placement
 * providers (which Placement refuses while allocations remain: 409 to the caller).
 */
export async function deleteService(svc: ComputeService, row: ServiceRow): Promise<void> {
  const nodes = await svc.db.selectFrom('compute_nodes').select('uuid').where('service_id', '=', row.id).execute();
  for (const node of nodes) await svc.placement.deleteProvider(node.uuid);
  await svc.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('compute_nodes').where('service_id', '=', row.id).execute();
    await tx.deleteFrom('services').where('id', '=', row.id).execute();
  });
}
