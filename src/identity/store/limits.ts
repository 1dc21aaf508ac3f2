import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { RegisteredLimitTable, UnifiedLimitTable } from './schema.js';

export type RegisteredLimitRow = Selectable<RegisteredLimitTable>;
export type UnifiedLimitRow = Selectable<UnifiedLimitTable>;

/** A limit with the service, region and resource of its registered limit, as Keystone shows it. */
export type LimitRow = UnifiedLimitRow & Pick<RegisteredLimitRow, 'service_id' | 'region_id' | 'resource_name'>;

/** Exact-match filters; undefined means "any", null (region only) means "no region". */
export interface RegisteredLimitFilter {
  serviceId?: string;
  regionId?: string | null;
  resourceName?: string;
}

export interface LimitFilter extends RegisteredLimitFilter {
  projectId?: string;
  domainId?: string;
}

// --- registered limits ------------------------------------------------------

export async function getRegisteredLimitRow(db: Queryable, id: string): Promise<RegisteredLimitRow | undefined> {
  return db.selectFrom('registered_limit').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRegisteredLimitRows(db: Queryable, f: RegisteredLimitFilter = {}): Promise<RegisteredLimitRow[]> {
  let q = db.selectFrom('registered_limit').selectAll();
  if (f.serviceId !== undefined) q = q.where('service_id', '=', f.serviceId);
  if (f.regionId !== undefined) q = f.regionId === null ? q.where('region_id', 'is', null) : q.where('region_id', '=', f.regionId);
  if (f.resourceName !== undefined) q = q.where('resource_name', '=', f.resourceName);
  return q.orderBy('service_id').orderBy('resource_name').orderBy('region_id').orderBy('id').execute();
}

export async function insertRegisteredLimit(db: Queryable, row: RegisteredLimitRow): Promise<void> {
  await db.insertInto('registered_limit').values(row).execute();
}

export async function updateRegisteredLimitRow(db: Queryable, row: RegisteredLimitRow): Promise<void> {
  await db.updateTable('registered_limit').set(row).where('id', '=', row.id).execute();
}

export async function deleteRegisteredLimitRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('registered_limit').where('id', '=', id).execute();
}

/** How many registered limits name the service or any of the regions. */
export async function countRegisteredLimitsFor(db: Queryable, ref: { serviceId?: string; regionIds?: readonly string[] }): Promise<number> {
  let q = db.selectFrom('registered_limit').select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (ref.serviceId !== undefined) q = q.where('service_id', '=', ref.serviceId);
  if (ref.regionIds !== undefined) {
    if (ref.regionIds.length === 0) return 0;
    q = q.where('region_id', 'in', [...ref.regionIds]);
  }
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

// --- project and domain limits -----------------------------------------------

function limitsQuery(db: Queryable) {
  return db.selectFrom('unified_limit as l')
    .innerJoin('registered_limit as r', 'r.id', 'l.registered_limit_id')
    .select(['l.id', 'l.registered_limit_id', 'l.project_id', 'l.domain_id', 'l.resource_limit', 'l.description',
      'r.service_id', 'r.region_id', 'r.resource_name']);
}

export async function getLimitRow(db: Queryable, id: string): Promise<LimitRow | undefined> {
  return limitsQuery(db).where('l.id', '=', id).executeTakeFirst();
}

export async function listLimitRows(db: Queryable, f: LimitFilter = {}): Promise<LimitRow[]> {
  let q = limitsQuery(db);
  if (f.serviceId !== undefined) q = q.where('r.service_id', '=', f.serviceId);
  if (f.regionId !== undefined) q = f.regionId === null ? q.where('r.region_id', 'is', null) : q.where('r.region_id', '=', f.regionId);
  if (f.resourceName !== undefined) q = q.where('r.resource_name', '=', f.resourceName);
  if (f.projectId !== undefined) q = q.where('l.project_id', '=', f.projectId);
  if (f.domainId !== undefined) q = q.where('l.domain_id', '=', f.domainId);
  return q.orderBy('r.service_id').orderBy('r.resource_name').orderBy('l.id').execute();
}

/** Limits on a registered limit: all of them, or the one of a project or domain. */
export async function limitsOfRegistered(db: Queryable, registeredLimitId: string, owner?: { projectId: string | null; domainId: string | null }): Promise<UnifiedLimitRow[]> {
  let q = db.selectFrom('unified_limit').selectAll().where('registered_limit_id', '=', registeredLimitId);
  if (owner) {
    q = owner.projectId !== null ? q.where('project_id', '=', owner.projectId) : q.where('domain_id', '=', owner.domainId ?? '');
  }
  return q.execute();
}

export async function insertLimit(db: Queryable, row: UnifiedLimitRow): Promise<void> {
  await db.insertInto('unified_limit').values(row).execute();
}

export async function updateLimitRow(db: Queryable, id: string, patch: Partial<Pick<UnifiedLimitRow, 'resource_limit' | 'description'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('unified_limit').set(patch).where('id', '=', id).execute();
}

export async function deleteLimitRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('unified_limit').where('id', '=', id).execute();
}

/** Removes the limits of a project, or of a domain (its own row in the project table). */
export async function deleteLimitsOf(db: Queryable, projectOrDomainId: string): Promise<void> {
  await db.deleteFrom('unified_limit')
    .where((eb) => eb.or([eb('project_id', '=', projectOrDomainId), eb('domain_id', '=', projectOrDomainId)]))
    .execute();
}
