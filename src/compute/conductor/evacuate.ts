import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import type { MigrationRow } from '../db/schema.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { flavorOf } from '../domain/instance-model.js';
import { vifsOf } from '../domain/instance-spec.js';
import { getInstance, recordFault, updateInstance } from '../domain/instances.js';
import { getMigration, updateMigration } from '../domain/migrations.js';
import { TaskState, VmState } from '../domain/states.js';
import type { RebuildRequest } from '../manager/operations/rebuild.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import { NoValidHost } from '../scheduler/scheduler.js';
import type { ComputeService } from '../service.js';
import { claimMoveDestination, releaseMoveClaim } from './move-allocations.js';

const EVENT = 'conductor_rebuild_server';

/**
 * The conductor's part of an evacuation (Nova's rebuild_instance with a new host): the
 * failed host's allocation stays held by the migration until that host comes back and
 * cleans up, a destination is scheduled and claimed, and it rebuilds the instance from
 * its image with the same ports. No valid host puts the instance in ERROR, as Nova does.
 */
export async function evacuate(svc: ComputeService, bus: MessageBus, migrationUuid: string, requestId: string, target: { host: string | null; force: boolean }, log: Logger): Promise<void> {
  const migration = await getMigration(svc, migrationUuid);
  if (!migration) return;
  const row = await getInstance(svc, null, migration.instance_uuid);
  if (row.task_state !== TaskState.REBUILDING || !row.host) return;
  await startEvent(svc, row.uuid, requestId, EVENT, null);
  try {
    const destination = await claimMoveDestination(svc, row, migration, { flavor: flavorOf(row), ignoreHosts: [row.host], ...target, status: 'pre-migrating' });
    await finishEvent(svc, row.uuid, requestId, EVENT);
    const request: RebuildRequest = {
      uuid: row.uuid, requestId, name: row.display_name, hostname: row.hostname, flavor: flavorOf(row), imageRef: row.image_ref ?? '', userData: row.user_data,
      keyData: row.key_data, vifs: vifsOf(row), wasStopped: row.vm_state === VmState.STOPPED, configDrive: Boolean(row.config_drive), evacuation: { migrationUuid },
    };
    await bus.cast({ topic: COMPUTE_TOPIC, server: destination.host }, 'rebuild_instance', { request: { ...request } });
  } catch (e) {
    if (!(e instanceof NoValidHost)) log.error({ err: e, instance: row.uuid }, 'evacuation scheduling failed');
    const message = e instanceof Error ? e.message : String(e);
    await releaseMoveClaim(svc, row, migration, log);
    await finishEvent(svc, row.uuid, requestId, EVENT, message);
    await recordFault(svc, row.uuid, { code: 500, message, details: message, host: null });
    await updateInstance(svc, row.uuid, { vm_state: VmState.ERROR, task_state: null }, [TaskState.REBUILDING]);
  }
}

/** The destination runs the rebuilt guest: the instance lives there now. */
export async function evacuationDone(svc: ComputeService, migration: MigrationRow): Promise<void> {
  await updateInstance(svc, migration.instance_uuid, { host: migration.dest_compute, node: migration.dest_node });
  await updateMigration(svc, migration.uuid, { status: 'done' });
}

/**
 * A host that comes back after its instances were evacuated must not run them again:
 * the holds their migrations kept on it end, and the agent is told which guests to
 * destroy (Nova's _destroy_evacuated_instances at compute start).
 */
export async function evacuatedFrom(svc: ComputeService, host: string): Promise<string[]> {
  const done = await svc.db.selectFrom('migrations').select(['uuid', 'instance_uuid']).where('migration_type', '=', 'evacuation')
    .where('source_compute', '=', host).where('status', '=', 'done').execute();
  for (const m of done) {
    await svc.placement.deleteAllocations(m.uuid);
    await updateMigration(svc, m.uuid, { status: 'completed' });
  }
  return done.map((m) => m.instance_uuid);
}
