import type { Logger } from '../../core/log.js';
import { latestRequestId } from '../domain/instance-actions.js';
import { networkInfoOf } from '../domain/instance-model.js';
import { recordFault, updateInstance } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import type { ComputeService } from '../service.js';
import { buildError } from './build.js';

const BUILD_TASKS: ReadonlyArray<string> = [TaskState.SCHEDULING, TaskState.NETWORKING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.SPAWNING];
const REBUILD_TASKS: ReadonlyArray<string> = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];
/** Tasks that leave the guest as it was when cut short: the task is dropped and the power-state sync records the truth. */
const RESETTABLE_TASKS: ReadonlyArray<string> = [
  TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_SNAPSHOT_PENDING, TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING, TaskState.IMAGE_BACKUP,
  TaskState.POWERING_OFF, TaskState.POWERING_ON, TaskState.REBOOTING, TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED,
  TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD, TaskState.PAUSING, TaskState.UNPAUSING, TaskState.SUSPENDING, TaskState.RESUMING,
  TaskState.RESCUING, TaskState.UNRESCUING, TaskState.UPDATING_PASSWORD,
];

/** A delete the host must finish: its guest and ports. */
export interface UnfinishedDelete {
  uuid: string;
  ports: Array<{ portId: string; preexisting: boolean }>;
}

/**
 * Nova's ComputeManager._init_instance for every instance of a host whose agent starts:
 * operations the agent was running when it stopped never report back, so their
 * instances would keep their task for ever. A build (or rebuild) cut short goes to
 * ERROR with a fault saying so (a build also gives back its claim, as a failed build
 * does); a snapshot, power or rescue task is dropped, the guest's power state being
 * read again right after; a delete is handed back to the agent to finish. Moves
 * (resize, migration, shelve) are left as they are and logged: they span two hosts
 * and the conductor, and an admin resets them (os-resetState) as in Nova.
 */
export async function initHostInstances(svc: ComputeService, host: string, log: Logger): Promise<UnfinishedDelete[]> {
  const rows = await svc.db.selectFrom('instances').selectAll().where('host', '=', host).where('deleted_at', 'is', null).execute();
  const deletes: UnfinishedDelete[] = [];
  for (const row of rows) {
    const task = row.task_state;
    if (task === TaskState.DELETING) {
      deletes.push({ uuid: row.uuid, ports: networkInfoOf(row).map((p) => ({ portId: p.portId, preexisting: p.preexisting })) });
    } else if (row.vm_state === VmState.BUILDING || (task !== null && BUILD_TASKS.includes(task))) {
      log.warn({ instance: row.uuid, host, task }, 'instance was building when its compute service stopped: ERROR');
      await buildError(svc, row.uuid, await latestRequestId(svc, row.uuid), 'compute_build_and_run_instance', 'The compute service stopped while the instance was building', host);
    } else if (task !== null && REBUILD_TASKS.includes(task)) {
      log.warn({ instance: row.uuid, host, task }, 'instance was rebuilding when its compute service stopped: ERROR');
      await recordFault(svc, row.uuid, { code: 500, message: 'The compute service stopped while the instance was rebuilding', details: '', host });
      await updateInstance(svc, row.uuid, { vm_state: VmState.ERROR, task_state: null }, [task]);
    } else if (task !== null && RESETTABLE_TASKS.includes(task)) {
      log.warn({ instance: row.uuid, host, task }, 'task cut short by a compute service stop: dropped');
      await updateInstance(svc, row.uuid, { task_state: null }, [task]);
    } else if (task !== null) {
      log.warn({ instance: row.uuid, host, task }, 'instance has a move in progress from before the compute service started: left as it is');
    }
  }
  return deletes;
}
