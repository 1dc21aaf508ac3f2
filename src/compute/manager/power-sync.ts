import type { Logger } from '../../core/log.js';
import { VmState } from '../domain/states.js';
import { PowerState, type VirtDriver } from '../virt/driver.js';
import type { ConductorApi } from './conductor-api.js';

/** An instance the conductor has on this host, as the sync compares it. */
export interface HostInstance {
  uuid: string;
  vm_state: string;
  task_state: string | null;
  power_state: number;
}

const OFF: readonly number[] = [PowerState.SHUTDOWN, PowerState.CRASHED];

/**
 * Nova's _sync_power_states for one host: the hypervisor's power state is the truth.
 * The recorded power state follows it; a guest that stopped by itself (or was found
 * suspended) while ACTIVE or PAUSED is stopped properly and shows SHUTOFF; one that
 * runs while STOPPED is powered off again. Instances with a task in progress are left
 * to that task; a guest the hypervisor does not know is only logged, as in Nova.
 * Returns how many instances changed.
 */
export async function syncPowerStates(deps: { driver: VirtDriver; conductor: ConductorApi; log: Logger; host: string }, instances: HostInstance[]): Promise<number> {
  let changed = 0;
  for (const i of instances) {
    if (i.task_state !== null) continue;
    const actual = await deps.driver.powerState(i.uuid);
    const stop = (i.vm_state === VmState.ACTIVE && (OFF.includes(actual) || actual === PowerState.SUSPENDED))
      || (i.vm_state === VmState.PAUSED && OFF.includes(actual))
      || (i.vm_state === VmState.STOPPED && actual !== PowerState.NOSTATE && !OFF.includes(actual));
    if (stop) {
      deps.log.warn({ instance: i.uuid, vmState: i.vm_state, powerState: actual, host: deps.host }, 'guest power state differs from the record: stopping it');
      await deps.driver.powerOff(i.uuid, 0).catch((e: unknown) => deps.log.warn({ err: e, instance: i.uuid }, 'power-state sync could not stop the guest'));
      if (await deps.conductor.update(i.uuid, { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN }, [null])) changed++;
      continue;
    }
    if (actual === PowerState.NOSTATE && i.vm_state !== VmState.STOPPED) deps.log.warn({ instance: i.uuid, host: deps.host }, 'instance is unexpectedly not found on the hypervisor');
    if (actual !== i.power_state && (await deps.conductor.update(i.uuid, { power_state: actual }, [null]))) changed++;
  }
  return changed;
}
