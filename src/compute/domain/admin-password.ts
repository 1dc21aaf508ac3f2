import type { InstanceRow } from '../db/schema.js';
import { NovaError } from '../errors.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { beginTask, updateInstance } from './instances.js';
import { TaskState, VmState } from './states.js';

/**
 * changePassword: an ACTIVE instance in PASSWORD while the host sets it in the guest.
 * Nova waits for the host (an RPC call), so a guest that cannot take the password is a
 * 409 to the caller, not a silent failure.
 */
export async function changeAdminPassword(svc: ComputeService, caller: Caller, row: InstanceRow, password: string): Promise<void> {
  await beginTask(svc, row, 'changePassword', [VmState.ACTIVE], null);
  if (!row.host) throw new NovaError(409, `Instance ${row.uuid} is not ready`);
  await beginTask(svc, row, 'changePassword', [VmState.ACTIVE], TaskState.UPDATING_PASSWORD);
  await startAction(svc, row.uuid, 'changePassword', actorOf(caller, row));
  try {
    await svc.bus.call({ topic: COMPUTE_TOPIC, server: row.host }, 'set_admin_password', { uuid: row.uuid, password }, { timeoutMs: 60_000 });
  } catch (e) {
    throw new NovaError(409, `Failed to set admin password on ${row.uuid} because error setting admin password: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await updateInstance(svc, row.uuid, { task_state: null }, [TaskState.UPDATING_PASSWORD]);
  }
}
