import { Migrator, type Kysely, type Migration } from 'kysely';

/**
 * Versioned, in-code migrations of one service. Names sort in the order they apply
 * ("0001_initial", "0002_..."); once released a migration never changes.
 */
export type MigrationSet = Record<string, Migration>;

/** Brings a service's schema up to date; `stratus db sync` and start-up both call this. */
export async function migrateToLatest(db: Kysely<unknown>, migrations: MigrationSet, service: string, options: { schema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({
    db,
    // On PostgreSQL every service has its own schema; naming it keeps the migrator from
    // taking another service's bookkeeping tables (visible to introspection) for its own.
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'stratus_migrations',
    migrationLockTableName: 'stratus_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`${service} database migration ${failed} failed: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
