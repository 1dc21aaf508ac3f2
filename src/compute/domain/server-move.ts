import { RemoteApiError } from '../../core/http/index.js';
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { COMPUTE_BINARY, COMPUTE_TOPIC, CONDUCTOR_TOPIC } from '../rpc/contract.js';
import { findService, isUp } from './services.js';
import { computeHostExists } from './compute-nodes.js';
import type { ComputeService } from '../service.js';
import { flavorSnapshotOf, getFlavor } from './flavors.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { flavorOf, systemMetadataOf, withDiskConfig, type FlavorSnapshot } from './instance-model.js';
import { beginTask, updateInstance } from './instances.js';
import { createMigration, MigrationType, migrationOfInstance, migrationOfInstanceById, updateMigration } from './migrations.js';
import { moveRequestOf } from './move-request.js';
import { checkUpsize, limitsFor, usageOf } from './quotas.js';
import { checkImageFitsFlavor } from './server-create.js';
import { TaskState, VmState } from './states.js';


/**
 * Starts a resize (a new flavor) or a cold migration (flavor null, admins, optionally
 * to `host`): Nova's compute API checks, the upsize quota, RESIZE_PREP, then the
 * conductor schedules asynchronously; the API answers 202 at once as Nova does.
 */
export async function startMove(svc: ComputeService, caller: Caller, row: InstanceRow, flavorRef: string | null, host: string | null, diskConfig: 'AUTO' | 'MANUAL' = 'MANUAL'): Promise<void> {
  const action = flavorRef === null ? 'migrate' : 'resize';
  await beginTask(svc, row, action, [VmState.ACTIVE, VmState.STOPPED], null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const current = flavorOf(row);
  let flavor: FlavorSnapshot | null = null;
  if (flavorRef !== null) {
    const found = await getFlavor(svc, caller.ctx, flavorRef).catch(() => null);
    if (!found || found.disabled) throw badRequest(`Flavor ${flavorRef} could not be found.`);
    flavor = await flavorSnapshotOf(svc, found);
    if (flavor.flavorid === current.flavorid) throw badRequest('When resizing, instances must change flavor!');
    if (flavor.root_gb === 0 && current.root_gb !== 0) throw badRequest('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
    if (row.image_ref) {
      const image = await svc.clients.image(caller.ctx.token).image(row.image_ref).catch((e: unknown) => {
        if (e instanceof RemoteApiError && e.status === 404) return null;
        throw e;
      });
      if (image) checkImageFitsFlavor(image, flavor);
    }
  }
  if (host !== null && !(await computeHostExists(svc, host))) {
    throw badRequest(`Compute host ${host} could not be found.`);
  }
  await svc.quotaLocks.run(row.project_id, async () => {
    if (flavor) checkUpsize(await limitsFor(svc, row.project_id, row.user_id), await usageOf(svc, row.project_id), current, flavor);
    // Until the move ends the instance counts at the larger of its two sizes, so parallel boots cannot take the room it needs.
    const vcpus = Math.max(current.vcpus, flavor?.vcpus ?? 0);
    const memory = Math.max(current.memory_mb, flavor?.memory_mb ?? 0);
    // Nova sets auto_disk_config from the request on every resize and migration (absent means MANUAL).
    const sysmeta = JSON.stringify(withDiskConfig(systemMetadataOf(row), diskConfig, {}, row.image_ref));
    if (!(await updateInstance(svc, row.uuid, { task_state: TaskState.RESIZE_PREP, progress: 0, vcpus, memory_mb: memory, system_metadata: sysmeta }, [null]))) {
      throw conflict(`Cannot '${action}' instance ${row.uuid} while it is in task_state ${row.task_state}`);
    }
  });
  await startAction(svc, row.uuid, action, actorOf(caller, row));
  await svc.bus.cast({ topic: CONDUCTOR_TOPIC }, 'migrate_server', { uuid: row.uuid, request_id: caller.requestId, flavor: flavor ? { ...flavor } : null, host });
}

/** confirmResize: the source host drops the copy it kept; the migration and its hold end there. */
export async function confirmMove(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<void> {
  await beginTask(svc, row, 'confirmResize', [VmState.RESIZED], null);
  const migration = await migrationOfInstance(svc, row.uuid, ['finished']);
  if (!migration) throw badRequest(`Instance has not been resized.`);
  if (!(await requestConfirm(svc, row, migration, actorOf(caller, row)))) throw conflict(`Instance ${row.uuid} is being confirmed or reverted`);
}

/**
 * Sends a finished move's confirmation to its source host (the user's confirmResize or
 * the resize_confirm_window timer); false when someone confirmed or reverted it first.
 */
export async function requestConfirm(svc: ComputeService, row: InstanceRow, migration: MigrationRow, actor: { requestId: string; userId: string; projectId: string }): Promise<boolean> {
  if (!(await updateMigration(svc, migration.uuid, { status: 'confirming' }, ['finished']))) return false;
  await startAction(svc, row.uuid, 'confirmResize', actor);
  const request = await moveRequestOf(svc, row, migration, actor.requestId);
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: migration.source_compute! }, 'confirm_resize', { request: { ...request } });
  return true;
}

/** revertResize: the destination removes the new guest and the source starts the old one again. */
export async function revertMove(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<void> {
  await beginTask(svc, row, 'revertResize', [VmState.RESIZED], null);
  const migration = await migrationOfInstance(svc, row.uuid, ['finished']);
  if (!migration) throw badRequest(`Instance has not been resized.`);
  const sysmeta = systemMetadataOf(row);
  const oldFlavor = sysmeta['old_flavor'] ? JSON.parse(sysmeta['old_flavor']) as FlavorSnapshot : flavorOf(row);
  await svc.quotaLocks.run(row.project_id, async () => {
    checkUpsize(await limitsFor(svc, row.project_id, row.user_id), await usageOf(svc, row.project_id), flavorOf(row), oldFlavor);
    await beginTask(svc, row, 'revertResize', [VmState.RESIZED], TaskState.RESIZE_REVERTING);
  });
  await updateMigration(svc, migration.uuid, { status: 'reverting' });
  await startAction(svc, row.uuid, 'revertResize', actorOf(caller, row));
  const request = await moveRequestOf(svc, row, migration, caller.requestId);
  await svc.bus.cast({ topic: COMPUTE_TOPIC, server: migration.dest_compute! }, 'revert_resize', { request: { ...request } });
}

/**
 * os-migrateLive (admins): an ACTIVE or PAUSED instance moves while it runs. From
 * 2.34 the API answers 202 at once (Nova's async pre-checks); before, it waits for
 * the scheduling step and answers its failure as a 400.
 */
export async function startLiveMigration(svc: ComputeService, caller: Caller, row: InstanceRow, target: { host: string | null; force: boolean; wait: boolean }): Promise<void> {
  await beginTask(svc, row, 'os-migrateLive', [VmState.ACTIVE, VmState.PAUSED], null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  if (target.host !== null) {
    if (!(await computeHostExists(svc, target.host))) throw badRequest(`Compute host ${target.host} could not be found.`);
    if (target.host === row.host) throw badRequest(`Unable to migrate instance (${row.uuid}) to current host (${row.host}).`);
  }
  await beginTask(svc, row, 'os-migrateLive', [VmState.ACTIVE, VmState.PAUSED], TaskState.MIGRATING);
  const migration = await createMigration(svc, {
    instanceUuid: row.uuid, type: MigrationType.LIVE, status: 'accepted', sourceCompute: row.host, sourceNode: row.node,
    oldFlavorId: null, newFlavorId: null, projectId: row.project_id, userId: row.user_id,
  });
  await startAction(svc, row.uuid, 'live-migration', actorOf(caller, row));
  const args = { migration: migration.uuid, request_id: caller.requestId, host: target.host, force: target.force };
  if (!target.wait) {
    await svc.bus.cast({ topic: CONDUCTOR_TOPIC }, 'live_migrate', args);
    return;
  }
  const failure = await svc.bus.call<string | null>({ topic: CONDUCTOR_TOPIC }, 'live_migrate', args, { timeoutMs: 120_000 });
  if (failure) throw badRequest(failure);
}

/**
 * evacuate (admins): an instance whose host is down is rebuilt elsewhere from its
 * image with the same ports. The host must really be down (or forced down), or two
 * hosts could run the same guest.
 */
export async function startEvacuation(svc: ComputeService, caller: Caller, row: InstanceRow, target: { host: string | null; force: boolean }): Promise<void> {
  if (target.host !== null) {
    if (!(await computeHostExists(svc, target.host))) throw notFound(`Compute host ${target.host} not found.`);
    if (target.host === row.host) throw badRequest("The target host can't be the same one.");
  }
  await beginTask(svc, row, 'evacuate', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const service = await findService(svc, row.host, COMPUTE_BINARY);
  if (service && isUp(svc, service)) throw badRequest(`Compute service of ${row.host} is still in use.`);
  await beginTask(svc, row, 'evacuate', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], TaskState.REBUILDING);
  const migration = await createMigration(svc, {
    instanceUuid: row.uuid, type: MigrationType.EVACUATION, status: 'accepted', sourceCompute: row.host, sourceNode: row.node,
    oldFlavorId: null, newFlavorId: null, projectId: row.project_id, userId: row.user_id,
  });
  await startAction(svc, row.uuid, 'evacuate', actorOf(caller, row));
  await svc.bus.cast({ topic: CONDUCTOR_TOPIC }, 'evacuate', { migration: migration.uuid, request_id: caller.requestId, host: target.host, force: target.force });
}

/** A live migration of this instance by its id (the numeric id the API shows), or Nova's 404. */
async function liveMigrationById(svc: ComputeService, row: InstanceRow, id: string): Promise<MigrationRow> {
  const m = await migrationOfInstanceById(svc, row.uuid, id);
  if (!m) throw notFound(`Migration ${id} not found for instance ${row.uuid}`);
  return m;
}

const invalidMigrationState = (m: MigrationRow, method: string) =>
  badRequest(`Migration ${m.id} state of instance ${m.instance_uuid} is ${m.status}. Cannot ${method} while the migration is in this state.`);

/** force_complete (2.22): the source host pauses the guest so the stream can finish. */
export async function forceCompleteLiveMigration(svc: ComputeService, caller: Caller, row: InstanceRow, id: string): Promise<void> {
  await beginTask(svc, row, 'force_complete', [VmState.ACTIVE, VmState.PAUSED], null, [TaskState.MIGRATING]);
  const m = await liveMigrationById(svc, row, id);
  if (m.migration_type !== MigrationType.LIVE || m.status !== 'running') throw invalidMigrationState(m, 'force_complete');
  await startAction(svc, row.uuid, 'live_migration_force_complete', actorOf(caller, row));
  await svc.bus.call({ topic: COMPUTE_TOPIC, server: m.source_compute! }, 'live_migration_force_complete', { uuid: row.uuid }, { timeoutMs: 30_000 })
    .catch(() => { throw invalidMigrationState(m, 'force_complete'); });
}

/**
 * Aborts a live migration (2.24): a running one through its source host; from 2.65 one
 * still queued or preparing is cancelled before it streams (its host steps see that).
 */
export async function abortLiveMigration(svc: ComputeService, caller: Caller, row: InstanceRow, id: string, allowQueued: boolean): Promise<void> {
  await beginTask(svc, row, 'abort live migration', [VmState.ACTIVE, VmState.PAUSED], null, [TaskState.MIGRATING]);
  const m = await liveMigrationById(svc, row, id);
  const early = allowQueued ? ['queued', 'preparing'] : [];
  if (m.migration_type !== MigrationType.LIVE || ![...early, 'running'].includes(m.status)) throw invalidMigrationState(m, 'abort live migration');
  await startAction(svc, row.uuid, 'live_migration_cancel', actorOf(caller, row));
  if (early.includes(m.status) && (await updateMigration(svc, m.uuid, { status: 'cancelled' }, early))) return;
  await svc.bus.call({ topic: COMPUTE_TOPIC, server: m.source_compute! }, 'live_migration_abort', { uuid: row.uuid }, { timeoutMs: 30_000 })
    .catch(() => { throw invalidMigrationState(m, 'abort live migration'); });
}
