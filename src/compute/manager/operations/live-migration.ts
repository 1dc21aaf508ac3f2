import type { JsonObject } from '../../../core/bus/index.js';
import { COMPUTE_TOPIC, type LiveMigrationRequest } from '../../rpc/contract.js';
import { MigrationCancelled } from '../../virt/driver.js';
import type { MoveDeps } from './resize.js';
import { bindPorts } from './resize.js';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function cast(deps: MoveDeps, host: string, method: string, req: LiveMigrationRequest): Promise<void> {
  await deps.bus.cast({ topic: COMPUTE_TOPIC, server: host }, method, { request: { ...req } as unknown as JsonObject });
}

/** Destination, first: an incoming guest waits for the stream; the source is told where to send it. */
export async function preLiveMigration(deps: MoveDeps, req: LiveMigrationRequest): Promise<void> {
  await deps.conductor.eventStart(req.uuid, req.requestId, 'compute_pre_live_migration');
  try {
    if (!(await deps.conductor.migrationStatus(req.migrationUuid, 'preparing', ['queued']))) throw new MigrationCancelled(req.uuid);
    const { uri } = await deps.driver.preLiveMigration(req.spec, req.vifs);
    await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_pre_live_migration');
    await cast(deps, req.sourceHost, 'live_migration', { ...req, uri });
  } catch (e) {
    await deps.driver.destroy(req.uuid).catch(() => undefined);
    await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_pre_live_migration', message(e));
    await deps.conductor.liveMigrationFailed(req.migrationUuid, message(e), true, e instanceof MigrationCancelled);
  }
}

/** Source: the running guest streams to the destination; if that fails the destination's waiting guest is removed. */
export async function liveMigration(deps: MoveDeps, req: LiveMigrationRequest): Promise<void> {
  await deps.conductor.eventStart(req.uuid, req.requestId, 'compute_live_migration');
  try {
    if (!(await deps.conductor.migrationStatus(req.migrationUuid, 'running', ['preparing']))) throw new MigrationCancelled(req.uuid);
    await deps.driver.liveMigrate(req.uuid, req.destHost, req.uri ?? '');
  } catch (e) {
    await cast(deps, req.destHost, 'rollback_live_migration_at_destination', req);
    await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_live_migration', message(e));
    await deps.conductor.liveMigrationFailed(req.migrationUuid, message(e), true, e instanceof MigrationCancelled);
    return;
  }
  await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_live_migration');
  await cast(deps, req.destHost, 'post_live_migration_at_destination', req);
}

/** Destination, last: the ports are bound here and the guest runs on. */
export async function postLiveMigrationAtDestination(deps: MoveDeps, req: LiveMigrationRequest): Promise<void> {
  await deps.conductor.eventStart(req.uuid, req.requestId, 'compute_post_live_migration_at_destination');
  try {
    await bindPorts(deps.network, req.vifs, deps.host);
    await deps.driver.postLiveMigrationAtDestination(req.uuid, req.paused);
    await deps.conductor.liveMigrationDone(req.migrationUuid);
    await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_post_live_migration_at_destination');
  } catch (e) {
    await deps.conductor.eventFinish(req.uuid, req.requestId, 'compute_post_live_migration_at_destination', message(e));
    await deps.conductor.liveMigrationFailed(req.migrationUuid, message(e), false);
  }
}

/** Destination, when the source could not stream: the waiting guest goes. */
export async function rollbackLiveMigrationAtDestination(deps: MoveDeps, req: LiveMigrationRequest): Promise<void> {
  await deps.driver.destroy(req.uuid);
}
