import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import type { MigrationRow } from '../db/schema.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { flavorOf } from '../domain/instance-model.js';
import { instanceSpecOf, vifsOf } from '../domain/instance-spec.js';
import { getInstance, metadataOf, recordFault, updateInstance } from '../domain/instances.js';
import { getMigration, updateMigration } from '../domain/migrations.js';
import { TaskState, VmState } from '../domain/states.js';
import { COMPUTE_TOPIC, type LiveMigrationRequest } from '../rpc/contract.js';
import { NoValidHost } from '../scheduler/scheduler.js';
import type { ComputeService } from '../service.js';
import { claimMoveDestination, moveAllocations, releaseMoveClaim } from './move-allocations.js';

const EVENT = 'conductor_live_migrate_instance';

/**
 * The conductor's part of a live migration (Nova's LiveMigrationTask): the source
 * allocation handed to the migration, a destination scheduled (or forced) and claimed,
 * then the destination told to prepare. Answers why it could not (NoValidHost...),
 * which the API returns as a 400 before 2.34 (it waits for this step); either way the
 * instance is left as it was.
 */
export async function liveMigrate(svc: ComputeService, bus: MessageBus, migrationUuid: string, requestId: string, target: { host: string | null; force: boolean }, log: Logger): Promise<string | null> {
  const migration = await getMigration(svc, migrationUuid);
  if (!migration) return 'the migration record is gone';
  const row = await getInstance(svc, null, migration.instance_uuid);
  if (row.task_state !== TaskState.MIGRATING || !row.host) return `Instance ${row.uuid} is no longer migrating`;
  await startEvent(svc, row.uuid, requestId, EVENT, null);
  try {
    const destination = await claimMoveDestination(svc, row, migration, { flavor: flavorOf(row), ignoreHosts: [row.host], ...target, status: 'queued' });
    await finishEvent(svc, row.uuid, requestId, EVENT);
    const meta = (await metadataOf(svc, [row.uuid])).get(row.uuid) ?? {};
    const request: LiveMigrationRequest = {
      uuid: row.uuid, requestId, migrationUuid, sourceHost: row.host, destHost: destination.host, destNode: destination.node,
      spec: instanceSpecOf(row, flavorOf(row), meta), vifs: vifsOf(row), paused: row.vm_state === VmState.PAUSED,
    };
    await bus.cast({ topic: COMPUTE_TOPIC, server: destination.host }, 'pre_live_migration', { request: { ...request } });
    return null;
  } catch (e) {
    if (!(e instanceof NoValidHost)) log.error({ err: e, instance: row.uuid }, 'live migration scheduling failed');
    await releaseMoveClaim(svc, row, migration, log);
    await finishEvent(svc, row.uuid, requestId, EVENT, e instanceof Error ? e.message : String(e));
    await updateInstance(svc, row.uuid, { task_state: null }, [TaskState.MIGRATING]);
    return e instanceof Error ? e.message : String(e);
  }
}

/** The guest runs on the destination: the instance lives there, the source's hold ends. */
export async function liveMigrationDone(svc: ComputeService, migration: MigrationRow): Promise<void> {
  await svc.placement.deleteAllocations(migration.uuid);
  await updateInstance(svc, migration.instance_uuid, { host: migration.dest_compute, node: migration.dest_node, task_state: null }, [TaskState.MIGRATING]);
  await updateMigration(svc, migration.uuid, { status: 'completed' });
}

/**
 * A step failed (or was aborted: `cancelled`). Before the source let go (`rolledBack`)
 * the instance stays where it was, claim back on the source; after, it is in ERROR as
 * Nova leaves it.
 */
export async function liveMigrationFailed(svc: ComputeService, migration: MigrationRow, message: string, rolledBack: boolean, host: string | null, cancelled = false): Promise<void> {
  const row = await getInstance(svc, null, migration.instance_uuid).catch(() => null);
  await updateMigration(svc, migration.uuid, { status: cancelled ? 'cancelled' : rolledBack ? 'error' : 'failed' });
  if (!row) return;
  // An abort the admin asked for is no fault of the instance.
  if (!cancelled) await recordFault(svc, row.uuid, { code: 500, message, details: message, host });
  if (rolledBack) {
    await moveAllocations(svc, migration.uuid, row.uuid, { projectId: row.project_id, userId: row.user_id }, 'INSTANCE');
    await updateInstance(svc, row.uuid, { task_state: null }, [TaskState.MIGRATING]);
  } else {
    await updateInstance(svc, row.uuid, { vm_state: VmState.ERROR, task_state: null }, [TaskState.MIGRATING]);
  }
}
