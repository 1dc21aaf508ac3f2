import type { Logger } from '../../../core/log.js';
import { CRASH_DUMP_EVENT } from '../../domain/crash-dump.js';
import type { VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';

/** trigger_crash_dump on this host: the NMI, recorded as the action's event (an error there, as Nova, changes no state). */
export async function triggerCrashDump(deps: { driver: VirtDriver; conductor: ConductorApi; log: Logger }, uuid: string, requestId: string): Promise<void> {
  await deps.conductor.eventStart(uuid, requestId, CRASH_DUMP_EVENT);
  try {
    await deps.driver.triggerCrashDump(uuid);
    await deps.conductor.eventFinish(uuid, requestId, CRASH_DUMP_EVENT);
  } catch (e) {
    deps.log.warn({ err: e, instance: uuid }, 'crash dump not triggered');
    await deps.conductor.eventFinish(uuid, requestId, CRASH_DUMP_EVENT, e instanceof Error ? e.message : String(e));
  }
}
