import type { Insertable } from 'kysely';
import type { MigrationRow, MigrationTable } from '../db/schema.js';
import type { ComputeService } from '../service.js';

/** Nova's migration_type values. */
export const MigrationType = { RESIZE: 'resize', MIGRATION: 'migration', LIVE: 'live-migration', EVACUATION: 'evacuation' } as const;
export type MigrationTypeValue = (typeof MigrationType)[keyof typeof MigrationType];

/** Statuses of a live migration still going: shown under its server, abortable. */
export const LIVE_IN_PROGRESS: readonly string[] = ['queued', 'preparing', 'running'];

/** Statuses in which a move still holds resources on two hosts (Nova's "in progress"). */
export const IN_PROGRESS_STATUSES = ['queued', 'preparing', 'running', 'post-migrating', 'pre-migrating', 'migrating', 'accepted', 'finished', 'confirming', 'reverting'] as const;

export interface NewMigration {
  instanceUuid: string;
  type: MigrationTypeValue;
  status: string;
  sourceCompute: string | null;
  sourceNode: string | null;
  oldFlavorId: number | null;
  newFlavorId: number | null;
  projectId: string;
  userId: string;
}

export async function createMigration(svc: ComputeService, m: NewMigration): Promise<MigrationRow> {
  const now = svc.now();
  const row: Insertable<MigrationTable> = {
    uuid: svc.ids.uuid(), instance_uuid: m.instanceUuid, migration_type: m.type, status: m.status, source_compute: m.sourceCompute, source_node: m.sourceNode,
    dest_compute: null, dest_node: null, dest_host: null, old_instance_type_id: m.oldFlavorId, new_instance_type_id: m.newFlavorId,
    project_id: m.projectId, user_id: m.userId, memory_total: null, memory_processed: null, memory_remaining: null, disk_total: null,
    disk_processed: null, disk_remaining: null, created_at: now, updated_at: now,
  };
  await svc.db.insertInto('migrations').values(row).execute();
  return svc.db.selectFrom('migrations').selectAll().where('uuid', '=', row.uuid).executeTakeFirstOrThrow();
}

export type MigrationChanges = Partial<Pick<MigrationRow, 'status' | 'dest_compute' | 'dest_node' | 'dest_host' | 'memory_total' | 'memory_processed' | 'memory_remaining'>>;

/** Moves a migration on; with `fromStatuses`, only if it is still in one of them (false otherwise). */
export async function updateMigration(svc: ComputeService, uuid: string, changes: MigrationChanges, fromStatuses?: readonly string[]): Promise<boolean> {
  let q = svc.db.updateTable('migrations').set({ ...changes, updated_at: svc.now() }).where('uuid', '=', uuid);
  if (fromStatuses) q = q.where('status', 'in', [...fromStatuses]);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function getMigration(svc: ComputeService, uuid: string): Promise<MigrationRow | undefined> {
  return svc.db.selectFrom('migrations').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

/** The instance's newest migration in one of `statuses` (e.g. the 'finished' resize a confirm acts on). */
export async function migrationOfInstance(svc: ComputeService, instanceUuid: string, statuses: readonly string[]): Promise<MigrationRow | undefined> {
  return svc.db.selectFrom('migrations').selectAll().where('instance_uuid', '=', instanceUuid).where('status', 'in', [...statuses])
    .orderBy('id', 'desc').executeTakeFirst();
}

/** A migration of the instance by the numeric id the API shows; undefined for anything else. */
export async function migrationOfInstanceById(svc: ComputeService, instanceUuid: string, id: string): Promise<MigrationRow | undefined> {
  if (!/^\d+$/.test(id)) return undefined;
  return svc.db.selectFrom('migrations').selectAll().where('id', '=', Number(id)).where('instance_uuid', '=', instanceUuid).executeTakeFirst();
}
