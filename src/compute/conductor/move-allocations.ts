import type { Logger } from '../../core/log.js';
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import type { FlavorSnapshot } from '../domain/instance-model.js';
import { updateMigration } from '../domain/migrations.js';
import type { Destination } from '../scheduler/scheduler.js';
import type { ComputeService } from '../service.js';
import { placeInstance } from './build.js';

/**
 * Moves everything one Placement consumer holds to another in one atomic write, as
 * Nova does at the start of a move (the instance's source allocation becomes the
 * migration's, so the instance can claim its destination) and on revert (back again).
 * Whatever `to` held before is replaced. Throws when the write loses a race.
 */
export async function moveAllocations(svc: ComputeService, from: string, to: string, owner: { projectId: string; userId: string }, toType: 'INSTANCE' | 'MIGRATION'): Promise<void> {
  const source = await svc.placement.allocationsOf(from);
  const target = await svc.placement.allocationsOf(to);
  if (source.generation === null) return;
  const result = await svc.placement.claim([
    { consumer: to, allocations: source.allocations, ...owner, consumerGeneration: target.generation, consumerType: toType },
    { consumer: from, allocations: {}, ...owner, consumerGeneration: source.generation },
  ]);
  if (!result.ok) throw new Error(`moving allocations of ${from} to ${to} failed: ${result.message}`);
}

export interface MoveTarget {
  flavor: FlavorSnapshot;
  /** Hosts the move may not pick (the source, unless a resize may stay). */
  ignoreHosts: string[];
  /** A host the admin named: forced (no filters) or requested (filters still apply). */
  host: string | null;
  force: boolean;
  /** The migration's status once the destination is recorded. */
  status: string;
}

/**
 * The first half of every move: the instance's source allocation becomes the
 * migration's, then a destination is scheduled and claimed for the instance and
 * recorded on the migration. Throws NoValidHost (or why else it failed); the caller
 * gives the claim back with releaseMoveClaim.
 */
export async function claimMoveDestination(svc: ComputeService, row: InstanceRow, migration: MigrationRow, target: MoveTarget): Promise<Destination> {
  await moveAllocations(svc, row.uuid, migration.uuid, { projectId: row.project_id, userId: row.user_id }, 'MIGRATION');
  const destination = await placeInstance(svc, row, {
    flavor: target.flavor, ignoreHosts: target.ignoreHosts, forcedHost: target.force ? target.host : null, requestedHost: target.force ? null : target.host,
  }, (d) => updateMigration(svc, migration.uuid, { dest_compute: d.host, dest_node: d.node, dest_host: d.host, status: target.status }, [migration.status]));
  if (!destination) throw new Error(`the ${migration.migration_type} was cancelled while it was scheduled`);
  return destination;
}

/** Undoes claimMoveDestination: the source allocation back on the instance (replacing any destination claim), the migration in error. */
export async function releaseMoveClaim(svc: ComputeService, row: InstanceRow, migration: MigrationRow, log: Logger): Promise<void> {
  await moveAllocations(svc, migration.uuid, row.uuid, { projectId: row.project_id, userId: row.user_id }, 'INSTANCE')
    .catch((err: unknown) => log.error({ err, instance: row.uuid }, 'allocations not given back'));
  await updateMigration(svc, migration.uuid, { status: 'error' });
}
