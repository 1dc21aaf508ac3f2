import type { JsonObject, MessageBus } from '../../../core/bus/index.js';
import type { Logger } from '../../../core/log.js';
import type { NetworkClient } from '../../../network/contract/client.js';
import { TaskState } from '../../domain/states.js';
import { COMPUTE_TOPIC, type MoveRequest } from '../../rpc/contract.js';
import { PowerState, type VifInfo, type VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';

export interface MoveDeps {
  host: string;
  bus: MessageBus;
  driver: VirtDriver;
  conductor: ConductorApi;
  network: NetworkClient;
  log: Logger;
}

/** Binds the instance's ports to `host` (the network service moves them there), as Nova's migrate_instance_finish. */
export async function bindPorts(network: NetworkClient, vifs: VifInfo[], host: string): Promise<void> {
  for (const vif of vifs) await network.updatePort(vif.portId, { 'binding:host_id': host });
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs one step as an instance action event; a failure is reported to the conductor as a failed move. */
async function step(deps: MoveDeps, req: MoveRequest, event: string, rollback: boolean, work: () => Promise<void>): Promise<void> {
  await deps.conductor.eventStart(req.uuid, req.requestId, event);
  try {
    await work();
    await deps.conductor.eventFinish(req.uuid, req.requestId, event);
  } catch (e) {
    deps.log.warn({ err: e, instance: req.uuid, event }, 'move step failed');
    await deps.conductor.moveFailed(req.migrationUuid, req.requestId, event, message(e), rollback);
  }
}

async function cast(deps: MoveDeps, host: string, method: string, req: MoveRequest): Promise<void> {
  await deps.bus.cast({ topic: COMPUTE_TOPIC, server: host }, method, { request: { ...req } as unknown as JsonObject });
}

/** Source, first: power off and hand the disks over, then tell the destination to finish (Nova's resize_instance). */
export function resizeInstance(deps: MoveDeps, req: MoveRequest): Promise<void> {
  return step(deps, req, 'compute_resize_instance', true, async () => {
    if (!(await deps.conductor.update(req.uuid, { task_state: TaskState.RESIZE_MIGRATING }, [TaskState.RESIZE_PREP]))) throw new Error('the instance left resize_prep');
    await deps.conductor.migrationStatus(req.migrationUuid, 'migrating');
    await deps.driver.migrateDiskAndPowerOff(req.uuid, req.newSpec);
    await deps.conductor.migrationStatus(req.migrationUuid, 'post-migrating');
    await deps.conductor.update(req.uuid, { task_state: TaskState.RESIZE_MIGRATED, power_state: PowerState.SHUTDOWN }, [TaskState.RESIZE_MIGRATING]);
    await cast(deps, req.destHost, 'finish_resize', req);
  });
}

/** Destination: ports bound here, the guest started with the new flavor (Nova's finish_resize). */
export function finishResize(deps: MoveDeps, req: MoveRequest): Promise<void> {
  return step(deps, req, 'compute_finish_resize', false, async () => {
    await deps.conductor.update(req.uuid, { task_state: TaskState.RESIZE_FINISH }, [TaskState.RESIZE_MIGRATED]);
    if (req.destHost !== req.sourceHost) await bindPorts(deps.network, req.vifs, deps.host);
    await deps.driver.finishMigration(req.newSpec, req.vifs, req.powerOn);
    await deps.conductor.resizeFinished(req.migrationUuid, req.powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN);
  });
}

/** Source, on confirm: the copy kept for a revert is dropped. */
export function confirmResize(deps: MoveDeps, req: MoveRequest): Promise<void> {
  return step(deps, req, 'compute_confirm_resize', false, async () => {
    await deps.driver.confirmMigration(req.uuid);
    await deps.conductor.resizeConfirmed(req.migrationUuid);
  });
}

/** Destination, on revert: the new guest goes, the ports go back, the source is told to restore (Nova's revert_resize). */
export function revertResize(deps: MoveDeps, req: MoveRequest): Promise<void> {
  return step(deps, req, 'compute_revert_resize', false, async () => {
    await deps.driver.destroy(req.uuid);
    if (req.destHost !== req.sourceHost) await bindPorts(deps.network, req.vifs, req.sourceHost);
    await cast(deps, req.sourceHost, 'finish_revert_resize', req);
  });
}

/** Source, last step of a revert: the kept guest starts again with the old flavor. */
export function finishRevertResize(deps: MoveDeps, req: MoveRequest): Promise<void> {
  return step(deps, req, 'compute_finish_revert_resize', false, async () => {
    await deps.driver.finishRevertMigration(req.oldSpec, req.vifs, req.powerOn);
    await deps.conductor.resizeReverted(req.migrationUuid, req.powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN);
  });
}
