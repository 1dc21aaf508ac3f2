import { isUniqueViolation } from '../../core/db/index.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import { findService } from './services.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';

export interface Aggregate {
  id: number;
  uuid: string;
  name: string;
  created_at: string;
  updated_at: string | null;
  hosts: string[];
  metadata: Record<string, string>;
}

async function load(svc: ComputeService, rows: Array<{ id: number; uuid: string; name: string; created_at: string; updated_at: string | null }>): Promise<Aggregate[]> {
  const ids = rows.map((r) => r.id);
  const hosts = ids.length ? await svc.db.selectFrom('aggregate_hosts').selectAll().where('aggregate_id', 'in', ids).orderBy('host').execute() : [];
  const meta = ids.length ? await svc.db.selectFrom('aggregate_metadata').selectAll().where('aggregate_id', 'in', ids).execute() : [];
  return rows.map((r) => ({
    ...r, hosts: hosts.filter((h) => h.aggregate_id === r.id).map((h) => h.host),
    metadata: Object.fromEntries(meta.filter((m) => m.aggregate_id === r.id).map((m) => [m.key, m.value])),
  }));
}

export async function listAggregates(svc: ComputeService): Promise<Aggregate[]> {
  return load(svc, await svc.db.selectFrom('aggregates').selectAll().orderBy('id').execute());
}

export async function getAggregate(svc: ComputeService, id: string): Promise<Aggregate> {
  const row = /^\d+$/.test(id) ? await svc.db.selectFrom('aggregates').selectAll().where('id', '=', Number(id)).executeTakeFirst() : undefined;
  if (!row) throw notFound(`Aggregate ${id} could not be found.`);
  return (await load(svc, [row]))[0]!;
}

/** Host -> metadata of every aggregate it is in (the scheduler's view). */
export async function hostAggregates(svc: ComputeService): Promise<Map<string, Array<Record<string, string>>>> {
  const out = new Map<string, Array<Record<string, string>>>();
  for (const a of await listAggregates(svc)) for (const h of a.hosts) out.set(h, [...(out.get(h) ?? []), a.metadata]);
  return out;
}

export async function createAggregate(svc: ComputeService, name: string, zone: string | null): Promise<Aggregate> {
  if (zone !== null && zone === svc.settings.internalAvailabilityZone) throw badRequest('Aggregate availability zone may not be the internal zone.');
  const now = svc.now();
  try {
    await svc.db.transaction().execute(async (tx) => {
      await tx.insertInto('aggregates').values({ uuid: svc.ids.uuid(), name, created_at: now, updated_at: null }).execute();
      if (zone !== null) {
        const row = (await tx.selectFrom('aggregates').select('id').where('name', '=', name).executeTakeFirst())!;
        await tx.insertInto('aggregate_metadata').values({ aggregate_id: row.id, key: 'availability_zone', value: zone }).execute();
      }
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Aggregate ${name} already exists.`);
    throw e;
  }
  const row = (await svc.db.selectFrom('aggregates').selectAll().where('name', '=', name).executeTakeFirst())!;
  return (await load(svc, [row]))[0]!;
}

export async function updateAggregate(svc: ComputeService, a: Aggregate, changes: { name?: string; zone?: string | null }): Promise<Aggregate> {
  try {
    if (changes.name !== undefined) await svc.db.updateTable('aggregates').set({ name: changes.name, updated_at: svc.now() }).where('id', '=', a.id).execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Aggregate ${changes.name} already exists.`);
    throw e;
  }
  if (changes.zone !== undefined) await setAggregateMetadata(svc, a, { availability_zone: changes.zone });
  return getAggregate(svc, String(a.id));
}

export async function deleteAggregate(svc: ComputeService, a: Aggregate): Promise<void> {
  if (a.hosts.length > 0) throw badRequest(`Cannot remove aggregate ${a.id}: it has hosts ${a.hosts.join(', ')}.`);
  await svc.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('aggregate_metadata').where('aggregate_id', '=', a.id).execute();
    await tx.deleteFrom('aggregates').where('id', '=', a.id).execute();
  });
}

/** The zone the host would be in with this aggregate's zone added: two different zones are refused, as Nova does. */
async function checkZoneConflict(svc: ComputeService, host: string, a: Aggregate, zone: string | undefined): Promise<void> {
  if (!zone) return;
  for (const other of await listAggregates(svc)) {
    if (other.id === a.id || !other.hosts.includes(host)) continue;
    const z = other.metadata.availability_zone;
    if (z && z !== zone) throw badRequest(`Cannot add host to aggregate ${a.id}. Reason: One or more hosts already in availability zone(s) ['${z}'].`);
  }
}

/** Mirrors the aggregate into Placement: its uuid on the providers of the host's compute nodes. */
async function syncPlacement(svc: ComputeService, host: string): Promise<void> {
  const nodes = await svc.db.selectFrom('compute_nodes').select('uuid').where('host', '=', host).execute();
  const uuids = (await listAggregates(svc)).filter((a) => a.hosts.includes(host)).map((a) => a.uuid);
  for (const n of nodes) await svc.placement.setAggregates(n.uuid, uuids);
}

export async function addAggregateHost(svc: ComputeService, a: Aggregate, host: string): Promise<Aggregate> {
  if (!(await findService(svc, host, COMPUTE_BINARY))) throw notFound(`Compute host ${host} could not be found.`);
  if (a.hosts.includes(host)) throw conflict(`Aggregate ${a.id} already has host ${host}.`);
  await checkZoneConflict(svc, host, a, a.metadata.availability_zone);
  await svc.db.insertInto('aggregate_hosts').values({ aggregate_id: a.id, host }).execute();
  await syncPlacement(svc, host);
  return getAggregate(svc, String(a.id));
}

export async function removeAggregateHost(svc: ComputeService, a: Aggregate, host: string): Promise<Aggregate> {
  if (!a.hosts.includes(host)) throw notFound(`Cannot remove host ${host} in aggregate ${a.id}`);
  await svc.db.deleteFrom('aggregate_hosts').where('aggregate_id', '=', a.id).where('host', '=', host).execute();
  await syncPlacement(svc, host);
  return getAggregate(svc, String(a.id));
}

/** Sets metadata keys; a null value removes the key (Nova's set_metadata). */
export async function setAggregateMetadata(svc: ComputeService, a: Aggregate, values: Record<string, string | null>): Promise<Aggregate> {
  if ('availability_zone' in values && values.availability_zone) {
    for (const host of a.hosts) await checkZoneConflict(svc, host, a, values.availability_zone);
  }
  await svc.db.transaction().execute(async (tx) => {
    for (const [key, value] of Object.entries(values)) {
      await tx.deleteFrom('aggregate_metadata').where('aggregate_id', '=', a.id).where('key', '=', key).execute();
      if (value !== null) await tx.insertInto('aggregate_metadata').values({ aggregate_id: a.id, key, value }).execute();
    }
    await tx.updateTable('aggregates').set({ updated_at: svc.now() }).where('id', '=', a.id).execute();
  });
  return getAggregate(svc, String(a.id));
}
