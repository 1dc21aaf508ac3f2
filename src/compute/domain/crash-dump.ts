import type { InstanceRow } from '../db/schema.js';
import { NovaError } from '../errors.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { PowerState } from '../virt/driver.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { beginTask } from './instances.js';
import { VmState } from './states.js';

/** The instance action event of a crash dump, as Nova names it. */
export const CRASH_DUMP_EVENT = 'compute_trigger_crash_dump';

/**
 * trigger_crash_dump (2.17): the host sends the running guest an NMI. Nova's checks:
 * these vm_states, no task in progress, the guest running (409 otherwise); the host
 * does it after the 202 (a cast), recorded as the instance action's event.
 */
export async function triggerCrashDump(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<void> {
  await beginTask(svc, row, 'trigger_crash_dump', [VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED, VmState.ERROR], null);
  if (row.power_state !== PowerState.RUNNING || !row.host) throw new NovaError(409, `Instance ${row.uuid} is not running.`);
  await startAction(svc, row.uuid, 'trigger_crash_dump', actorOf(caller, row));
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'trigger_crash_dump', { uuid: row.uuid, request_id: caller.requestId });
}
