import type { Kysely } from 'kysely';
import type { NetworkTables } from './schema.js';

type Db = Kysely<NetworkTables>;

/** The table each quota resource counts (Neutron's resource names). */
const COUNTED = {
  network: 'networks', subnet: 'subnets', port: 'ports', router: 'routers', floatingip: 'floating_ips',
  security_group: 'security_groups', security_group_rule: 'security_group_rules', subnetpool: 'subnetpools',
} as const;

export type QuotaResource = keyof typeof COUNTED;
export const QUOTA_RESOURCES = Object.keys(COUNTED) as QuotaResource[];

export async function usage(db: Db, projectId: string, resource: QuotaResource): Promise<number> {
  const row = await db.selectFrom(COUNTED[resource]).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A project's explicit limits (resources without a row use the defaults). */
export async function projectLimits(db: Db, projectId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
  return new Map(rows.map((r) => [r.resource, r.hard_limit]));
}

/** Projects that have any explicit limit. */
export async function projectsWithLimits(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('quotas').select('project_id').distinct().orderBy('project_id').execute();
  return rows.map((r) => r.project_id);
}

export async function setLimits(db: Db, projectId: string, limits: ReadonlyMap<string, number>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const [resource, limit] of limits) {
      await tx.deleteFrom('quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
      await tx.insertInto('quotas').values({ project_id: projectId, resource, hard_limit: limit }).execute();
    }
  });
}

export async function clearLimits(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('quotas').where('project_id', '=', projectId).execute();
}
