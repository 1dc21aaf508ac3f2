import { releasePorts } from '../manager/network-allocation.js';
import type { InstanceRow } from '../db/schema.js';
import { COMPUTE_BINARY, COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { deleteConsoleTokens } from './consoles.js';
import { startAction } from './instance-actions.js';
import { networkInfoOf } from './instance-model.js';
import { updateInstance } from './instances.js';
import { IN_PROGRESS_STATUSES, migrationOfInstance, updateMigration } from './migrations.js';
import { findService, isUp } from './services.js';
import { TaskState, VmState } from './states.js';

/**
 * Deletes a server: through its host's agent when that host is up (guest and ports
 * removed there), else locally as Nova does for down hosts and never-scheduled
 * instances (ports found by device_id are released here).
 */
export async function deleteServer(svc: ComputeService, row: InstanceRow, who: { requestId: string; userId: string; projectId: string; token: string }): Promise<void> {
  await startAction(svc, row.uuid, 'delete', who);
  await updateInstance(svc, row.uuid, { task_state: TaskState.DELETING });
  const service = row.host ? await findService(svc, row.host, COMPUTE_BINARY) : undefined;
  const ports = networkInfoOf(row).map((p) => ({ portId: p.portId, preexisting: p.preexisting }));
  // A resized server's source host keeps its old guest for a revert: deleting the server drops it too.
  const resize = row.vm_state === VmState.RESIZED ? await migrationOfInstance(svc, row.uuid, ['finished']) : undefined;
  if (resize?.source_compute) await svc.bus.cast({ topic: COMPUTE_TOPIC, server: resize.source_compute }, 'drop_resize_source', { uuid: row.uuid });
  if (service && isUp(svc, service)) {
    await svc.bus.cast({ topic: COMPUTE_TOPIC, server: service.host }, 'terminate_instance', { uuid: row.uuid, ports });
    return;
  }
  const net = svc.clients.network(who.token);
  const known = new Map(ports.map((p) => [p.portId, p.preexisting]));
  for (const port of await net.ports({ device_id: row.uuid })) if (!known.has(port.id)) known.set(port.id, false);
  await releasePorts(net, [...known].map(([portId, preexisting]) => ({ portId, preexisting })));
  await markDeleted(svc, row.uuid);
}

/**
 * The last step of a delete: its claim and group membership given back first, then the
 * instance marked deleted, so nobody sees a deleted server still holding resources.
 */
export async function markDeleted(svc: ComputeService, uuid: string): Promise<void> {
  await svc.placement.deleteAllocations(uuid);
  await deleteConsoleTokens(svc, uuid);
  // A move in flight holds the other host through its migration record; deleting a resized server confirms it, as Nova does.
  for (const m of await svc.db.selectFrom('migrations').select(['uuid', 'status']).where('instance_uuid', '=', uuid).where('status', 'in', [...IN_PROGRESS_STATUSES]).execute()) {
    await svc.placement.deleteAllocations(m.uuid);
    await updateMigration(svc, m.uuid, { status: m.status === 'finished' ? 'confirmed' : 'error' });
  }
  await svc.db.deleteFrom('server_group_members').where('instance_uuid', '=', uuid).execute();
  const now = svc.now();
  await svc.db.updateTable('instances').set({ vm_state: VmState.DELETED, task_state: null, power_state: 0, terminated_at: now, deleted_at: now, updated_at: now })
    .where('uuid', '=', uuid).where('deleted_at', 'is', null).execute();
}
