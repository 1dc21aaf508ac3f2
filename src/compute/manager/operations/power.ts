import type { Logger } from '../../../core/log.js';
import { POWER_ACTIONS } from '../../domain/power-actions.js';
import type { VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';

/** How long a graceful stop waits for the guest before forcing it off (Nova's shutdown_timeout). */
const SHUTDOWN_TIMEOUT_SECONDS = 60;

/**
 * Runs one lifecycle action on this host's driver and moves the instance to the
 * action's end state; a failure clears the task (the instance stays as it was) and is
 * recorded on the action's event, as Nova's reverts_task_state does.
 */
export async function runPowerAction(deps: { driver: VirtDriver; conductor: ConductorApi; log: Logger }, uuid: string, requestId: string, name: string, rescueImage: string | null): Promise<void> {
  const action = POWER_ACTIONS.get(name);
  if (!action) throw new TypeError(`unknown action ${name}`);
  const { driver, conductor } = deps;
  await conductor.eventStart(uuid, requestId, action.event);
  try {
    switch (action.driverCall) {
      case 'powerOff': await driver.powerOff(uuid, SHUTDOWN_TIMEOUT_SECONDS); break;
      case 'powerOn': await driver.powerOn(uuid); break;
      case 'rebootSoft': await driver.reboot(uuid, 'SOFT'); break;
      case 'rebootHard': await driver.reboot(uuid, 'HARD'); break;
      case 'pause': await driver.pause(uuid); break;
      case 'unpause': await driver.unpause(uuid); break;
      case 'suspend': await driver.suspend(uuid); break;
      case 'resume': await driver.resume(uuid); break;
      case 'rescue': await driver.rescue(uuid, rescueImage); break;
      case 'unrescue': await driver.unrescue(uuid); break;
    }
    await conductor.update(uuid, { ...action.done, task_state: null }, [action.taskState]);
    await conductor.eventFinish(uuid, requestId, action.event);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    deps.log.warn({ err: e, instance: uuid, action: name }, 'instance action failed');
    await conductor.update(uuid, { task_state: null }, [action.taskState]);
    await conductor.eventFinish(uuid, requestId, action.event, message);
  }
}
