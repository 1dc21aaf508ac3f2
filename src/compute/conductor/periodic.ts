import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { systemMetadataOf } from '../domain/instance-model.js';
import { vifsOf } from '../domain/instance-spec.js';
import { updateInstance } from '../domain/instances.js';
import { requestConfirm } from '../domain/server-move.js';
import { TaskState, VmState } from '../domain/states.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';

/** A request id for work the cloud starts on its own, in oslo's form. */
const systemRequestId = (): string => `req-${randomUUID()}`;

/**
 * Nova's _poll_unconfirmed_resizes: resizes and cold migrations left in VERIFY_RESIZE
 * longer than [compute] resize_confirm_window seconds are confirmed for their owner.
 */
export async function confirmOverdueResizes(svc: ComputeService, log: Logger): Promise<number> {
  const window = svc.settings.resizeConfirmWindow;
  if (window <= 0) return 0;
  const before = new Date(svc.clock.now().getTime() - window * 1000).toISOString();
  const due = await svc.db.selectFrom('migrations').selectAll().where('status', '=', 'finished').where('updated_at', '<', before).execute();
  let confirmed = 0;
  for (const migration of due) {
    const row = await svc.db.selectFrom('instances').selectAll().where('uuid', '=', migration.instance_uuid).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row || row.vm_state !== VmState.RESIZED || row.task_state !== null) continue;
    try {
      if (await requestConfirm(svc, row, migration, { requestId: systemRequestId(), userId: row.user_id, projectId: row.project_id })) confirmed++;
    } catch (e) {
      log.warn({ err: e, instance: row.uuid }, 'automatic resize confirmation failed');
    }
  }
  return confirmed;
}

/** Nova's _poll_shelved_instances: SHELVED instances older than [compute] shelved_offload_time let go of their host. */
export async function offloadOverdueShelved(svc: ComputeService, bus: MessageBus): Promise<number> {
  const wait = svc.settings.shelvedOffloadTime;
  if (wait <= 0) return 0;
  const before = new Date(svc.clock.now().getTime() - wait * 1000).toISOString();
  const shelved = await svc.db.selectFrom('instances').selectAll().where('vm_state', '=', VmState.SHELVED).where('task_state', 'is', null)
    .where('deleted_at', 'is', null).execute();
  let offloaded = 0;
  for (const row of shelved) {
    const at = systemMetadataOf(row)['shelved_at'];
    if (!row.host || !at || at >= before) continue;
    if (!(await updateInstance(svc, row.uuid, { task_state: TaskState.SHELVING_OFFLOADING }, [null]))) continue;
    await bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'shelve_offload_instance', { uuid: row.uuid, request_id: systemRequestId(), vifs: [...vifsOf(row)] as never });
    offloaded++;
  }
  return offloaded;
}
