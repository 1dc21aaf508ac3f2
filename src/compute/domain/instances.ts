import type { RequestContext } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { conflict, notFound } from '../errors.js';
import { networkInfoOf, type VifCacheEntry } from './instance-model.js';
import type { ComputeService } from '../service.js';

export const instanceNotFound = (uuid: string) => notFound(`Instance ${uuid} could not be found.`);

/** A live (not deleted) instance; callers who are not admins see only their project's. */
export async function getInstance(svc: ComputeService, ctx: RequestContext | null, uuid: string): Promise<InstanceRow> {
  const row = await svc.db.selectFrom('instances').selectAll().where('uuid', '=', uuid).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row || (ctx && !svc.isAdmin(ctx) && row.project_id !== ctx.projectId)) throw instanceNotFound(uuid);
  return row;
}

/** Like getInstance, but deleted instances too (instance actions of deleted servers, 2.21). */
export async function getInstanceEvenDeleted(svc: ComputeService, ctx: RequestContext, uuid: string): Promise<InstanceRow> {
  const row = await svc.db.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!row || (!svc.isAdmin(ctx) && row.project_id !== ctx.projectId)) throw instanceNotFound(uuid);
  return row;
}

export type InstanceChanges = Partial<Omit<InstanceRow, 'id' | 'uuid' | 'created_at'>>;

/**
 * Applies changes if the instance's task_state is still one of `expectedTaskStates`
 * (when given): Nova's compare-and-swap that stops two operations racing on one
 * instance. Returns false when the instance moved on or is gone.
 */
export async function updateInstance(svc: ComputeService, uuid: string, changes: InstanceChanges, expectedTaskStates?: ReadonlyArray<string | null>): Promise<boolean> {
  let q = svc.db.updateTable('instances').set({ ...changes, updated_at: svc.now() }).where('uuid', '=', uuid).where('deleted_at', 'is', null);
  if (expectedTaskStates) {
    const values = expectedTaskStates.filter((s): s is string => s !== null);
    const allowNull = expectedTaskStates.includes(null);
    q = q.where((eb) => {
      const parts = [];
      if (values.length > 0) parts.push(eb('task_state', 'in', values));
      if (allowNull) parts.push(eb('task_state', 'is', null));
      return eb.or(parts);
    });
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Starts a user action on an instance: requires one of the vm_states (else Nova's 409
 * "Cannot 'X' instance Y while it is in vm_state Z") and no task in progress, then sets
 * the action's task_state.
 */
export async function beginTask(svc: ComputeService, row: InstanceRow, action: string, allowedVmStates: readonly string[], taskState: string | null,
  allowedTaskStates: ReadonlyArray<string | null> = [null]): Promise<void> {
  if (!allowedVmStates.includes(row.vm_state)) {
    throw conflict(`Cannot '${action}' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
  }
  if (!allowedTaskStates.includes(row.task_state)) {
    throw conflict(`Cannot '${action}' instance ${row.uuid} while it is in task_state ${row.task_state}`);
  }
  if (taskState === null) return;
  if (!(await updateInstance(svc, row.uuid, { task_state: taskState }, allowedTaskStates))) {
    throw conflict(`Cannot '${action}' instance ${row.uuid} while it is in task_state ${row.task_state}`);
  }
}

export async function recordFault(svc: ComputeService, uuid: string, fault: { code: number; message: string; details: string; host: string | null }): Promise<void> {
  await svc.db.insertInto('instance_faults').values({ instance_uuid: uuid, ...fault, message: fault.message.slice(0, 255), created_at: svc.now() }).execute();
}

export async function latestFaults(svc: ComputeService, uuids: string[]): Promise<Map<string, { code: number; message: string; details: string; created_at: string }>> {
  const out = new Map<string, { code: number; message: string; details: string; created_at: string }>();
  if (uuids.length === 0) return out;
  const rows = await svc.db.selectFrom('instance_faults').selectAll().where('instance_uuid', 'in', uuids).orderBy('id').execute();
  for (const r of rows) out.set(r.instance_uuid, r);
  return out;
}

export async function metadataOf(svc: ComputeService, uuids: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>(uuids.map((u) => [u, {}]));
  if (uuids.length === 0) return out;
  for (const r of await svc.db.selectFrom('instance_metadata').selectAll().where('instance_uuid', 'in', uuids).execute()) out.get(r.instance_uuid)![r.key] = r.value;
  return out;
}

export async function tagsOf(svc: ComputeService, uuids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(uuids.map((u) => [u, []]));
  if (uuids.length === 0) return out;
  for (const r of await svc.db.selectFrom('instance_tags').selectAll().where('instance_uuid', 'in', uuids).orderBy('tag').execute()) out.get(r.instance_uuid)!.push(r.tag);
  return out;
}

/** Changes an instance's network cache under its lock, so two attaches or detaches never lose each other's ports. */
export async function editNetworkInfo(svc: ComputeService, uuid: string, edit: (ports: VifCacheEntry[]) => VifCacheEntry[]): Promise<void> {
  await svc.instanceLocks.run(uuid, async () => {
    const row = await getInstance(svc, null, uuid);
    await updateInstance(svc, uuid, { network_info: JSON.stringify(edit(networkInfoOf(row))) });
  });
}
