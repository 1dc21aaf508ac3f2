import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { flavorOf, systemMetadataOf, type FlavorSnapshot } from '../domain/instance-model.js';
import { getInstance, recordFault, updateInstance, type InstanceChanges } from '../domain/instances.js';
import { createMigration, getMigration, MigrationType, updateMigration } from '../domain/migrations.js';
import { moveRequestOf } from '../domain/move-request.js';
import { TaskState, VmState } from '../domain/states.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import { NoValidHost } from '../scheduler/scheduler.js';
import type { ComputeService } from '../service.js';
import { PowerState } from '../virt/driver.js';
import { claimMoveDestination, moveAllocations, releaseMoveClaim } from './move-allocations.js';

const EVENT = 'conductor_migrate_server';

export interface ColdMoveArgs {
  uuid: string;
  requestId: string;
  /** The new flavor of a resize; null for a cold migration (same flavor, another host). */
  flavor: FlavorSnapshot | null;
  /** A destination the admin asked for (2.56), still checked by the filters. */
  host: string | null;
}

/**
 * The conductor's part of a resize or cold migration (Nova's migrate_server): a
 * migration record, the instance's source allocation handed to it, a destination
 * scheduled and claimed for the new flavor, then the source host told to hand over.
 * No valid host puts everything back and leaves the instance as it was, with the
 * reason on the action's event (the API answered 202 before this ran).
 */
export async function migrateServer(svc: ComputeService, bus: MessageBus, args: ColdMoveArgs, log: Logger): Promise<void> {
  const row = await getInstance(svc, null, args.uuid);
  if (row.task_state !== TaskState.RESIZE_PREP || !row.host) return;
  const oldFlavor = flavorOf(row);
  const newFlavor = args.flavor ?? oldFlavor;
  const owner = { projectId: row.project_id, userId: row.user_id };
  await startEvent(svc, row.uuid, args.requestId, EVENT, null);
  const migration = await createMigration(svc, {
    instanceUuid: row.uuid, type: args.flavor ? MigrationType.RESIZE : MigrationType.MIGRATION, status: 'pre-migrating',
    sourceCompute: row.host, sourceNode: row.node, oldFlavorId: await flavorInternalId(svc, oldFlavor), newFlavorId: await flavorInternalId(svc, newFlavor), ...owner,
  });
  try {
    const sameHost = args.flavor !== null && svc.settings.allowResizeToSameHost;
    await claimMoveDestination(svc, row, migration, { flavor: newFlavor, ignoreHosts: sameHost ? [] : [row.host], host: args.host, force: false, status: 'pre-migrating' });
    const sysmeta = { ...systemMetadataOf(row), old_flavor: JSON.stringify(oldFlavor), new_flavor: JSON.stringify(newFlavor), old_vm_state: row.vm_state };
    if (!(await updateInstance(svc, row.uuid, { system_metadata: JSON.stringify(sysmeta) }, [TaskState.RESIZE_PREP]))) {
      await moveAllocations(svc, migration.uuid, row.uuid, owner, 'INSTANCE');
      await updateMigration(svc, migration.uuid, { status: 'error' });
      return;
    }
    await finishEvent(svc, row.uuid, args.requestId, EVENT);
    const moved = (await getMigration(svc, migration.uuid))!;
    const request = await moveRequestOf(svc, await getInstance(svc, null, row.uuid), moved, args.requestId);
    await bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'resize_instance', { request: { ...request } });
  } catch (e) {
    if (!(e instanceof NoValidHost)) log.error({ err: e, instance: row.uuid }, 'migrate_server failed');
    await releaseMoveClaim(svc, row, migration, log);
    await finishEvent(svc, row.uuid, args.requestId, EVENT, e instanceof Error ? e.message : String(e));
    // The API counted the instance at the larger size while it moved; it stays at its own.
    await updateInstance(svc, row.uuid, { task_state: null, ...flavorColumns(oldFlavor) }, [TaskState.RESIZE_PREP]);
  }
}

async function flavorInternalId(svc: ComputeService, flavor: FlavorSnapshot): Promise<number | null> {
  const row = await svc.db.selectFrom('flavors').select('id').where('flavorid', '=', flavor.flavorid).executeTakeFirst();
  return row?.id ?? null;
}

/** The instance's vm_state when it comes to rest: stopped if its guest is off. */
function restingState(powerState: number): string {
  return powerState === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
}

/** The flavor columns quota counts, for a flavor. */
function flavorColumns(f: FlavorSnapshot): InstanceChanges {
  return { flavor: JSON.stringify(f), vcpus: f.vcpus, memory_mb: f.memory_mb };
}

function withoutMoveFlavors(row: InstanceRow): string {
  const { old_flavor: _old, new_flavor: _new, old_vm_state: _state, ...rest } = systemMetadataOf(row);
  return JSON.stringify(rest);
}

/** The destination finished: the instance runs there with the new flavor and waits in VERIFY_RESIZE. */
export async function resizeFinished(svc: ComputeService, migration: MigrationRow, powerState: number): Promise<void> {
  const row = await getInstance(svc, null, migration.instance_uuid);
  const newFlavor = JSON.parse(systemMetadataOf(row)['new_flavor'] ?? row.flavor) as FlavorSnapshot;
  await updateInstance(svc, row.uuid, {
    ...flavorColumns(newFlavor), host: migration.dest_compute, node: migration.dest_node, vm_state: VmState.RESIZED, task_state: null, power_state: powerState,
  }, [TaskState.RESIZE_FINISH]);
  await updateMigration(svc, migration.uuid, { status: 'finished' });
}

/** The source dropped its copy: the migration's hold on the source is given back and the instance is at rest. */
export async function resizeConfirmed(svc: ComputeService, migration: MigrationRow): Promise<void> {
  await svc.placement.deleteAllocations(migration.uuid);
  await updateMigration(svc, migration.uuid, { status: 'confirmed' });
  const row = await getInstance(svc, null, migration.instance_uuid).catch(() => null);
  if (!row) return;
  await updateInstance(svc, row.uuid, { vm_state: restingState(row.power_state), task_state: null, system_metadata: withoutMoveFlavors(row) }, [null, TaskState.RESIZE_CONFIRMING]);
}

/** The source runs the old guest again: old flavor, old host, the source allocation back on the instance. */
export async function resizeReverted(svc: ComputeService, migration: MigrationRow, powerState: number): Promise<void> {
  const row = await getInstance(svc, null, migration.instance_uuid);
  const oldFlavor = JSON.parse(systemMetadataOf(row)['old_flavor'] ?? row.flavor) as FlavorSnapshot;
  await moveAllocations(svc, migration.uuid, row.uuid, { projectId: row.project_id, userId: row.user_id }, 'INSTANCE');
  await updateInstance(svc, row.uuid, {
    ...flavorColumns(oldFlavor), host: migration.source_compute, node: migration.source_node, vm_state: restingState(powerState), task_state: null,
    power_state: powerState, system_metadata: withoutMoveFlavors(row),
  }, [TaskState.RESIZE_REVERTING]);
  await updateMigration(svc, migration.uuid, { status: 'reverted' });
}

/**
 * A step of the move failed on a host. Before the source handed its guest over
 * (`rollback`), everything goes back and the instance stays as it was; later the
 * instance is in ERROR, as in Nova. Either way the fault says why.
 */
export async function moveFailed(svc: ComputeService, migration: MigrationRow, requestId: string, event: string, message: string, rollback: boolean, host: string | null): Promise<void> {
  const row = await getInstance(svc, null, migration.instance_uuid).catch(() => null);
  await updateMigration(svc, migration.uuid, { status: 'error' });
  if (!row) return;
  await recordFault(svc, row.uuid, { code: 500, message, details: message, host });
  await finishEvent(svc, row.uuid, requestId, event, message);
  if (rollback) {
    await moveAllocations(svc, migration.uuid, row.uuid, { projectId: row.project_id, userId: row.user_id }, 'INSTANCE');
    await updateInstance(svc, row.uuid, { task_state: null, system_metadata: withoutMoveFlavors(row), ...flavorColumns(flavorOf(row)) });
  } else {
    await updateInstance(svc, row.uuid, { vm_state: VmState.ERROR, task_state: null });
  }
}
