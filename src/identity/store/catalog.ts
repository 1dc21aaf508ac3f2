import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { EndpointGroupTable, EndpointTable, ServiceTable } from './schema.js';

export type ServiceRow = Selectable<ServiceTable>;
export type EndpointRow = Selectable<EndpointTable>;
export type EndpointGroupRow = Selectable<EndpointGroupTable>;

export async function enabledServicesAndEndpoints(db: Queryable): Promise<{ services: ServiceRow[]; endpoints: EndpointRow[] }> {
  const services = await db.selectFrom('service').selectAll().where('enabled', '=', 1).orderBy('type').execute();
  const endpoints = await db.selectFrom('endpoint').selectAll().where('enabled', '=', 1).orderBy('id').execute();
  return { services, endpoints };
}

// --- services ---------------------------------------------------------------

export async function getServiceRow(db: Queryable, id: string): Promise<ServiceRow | undefined> {
  return db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listServiceRows(db: Queryable, filter: { type?: string; name?: string } = {}): Promise<ServiceRow[]> {
  let q = db.selectFrom('service').selectAll();
  if (filter.type !== undefined) q = q.where('type', '=', filter.type);
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  return q.orderBy('id').execute();
}

export async function insertService(db: Queryable, row: ServiceRow): Promise<void> {
  await db.insertInto('service').values(row).execute();
}

export async function updateService(db: Queryable, row: ServiceRow): Promise<void> {
  await db.updateTable('service').set(row).where('id', '=', row.id).execute();
}

/** Deletes a service with its endpoints and their project associations (call inside a transaction). */
export async function deleteServiceCascade(tx: Queryable, id: string): Promise<void> {
  const endpoints = await tx.selectFrom('endpoint').select('id').where('service_id', '=', id).execute();
  const ids = endpoints.map((e) => e.id);
  if (ids.length > 0) {
    await tx.deleteFrom('project_endpoint').where('endpoint_id', 'in', ids).execute();
    await tx.deleteFrom('endpoint').where('id', 'in', ids).execute();
  }
  await tx.deleteFrom('service').where('id', '=', id).execute();
}

// --- endpoints --------------------------------------------------------------

export async function getEndpointRow(db: Queryable, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('endpoint').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface EndpointFilter {
  serviceId?: string;
  interface?: string;
  /** Any of these regions (a region filter includes its child regions, as in Keystone). */
  regionIds?: readonly string[];
}

export async function listEndpointRows(db: Queryable, filter: EndpointFilter = {}): Promise<EndpointRow[]> {
  if (filter.regionIds?.length === 0) return [];
  let q = db.selectFrom('endpoint').selectAll();
  if (filter.serviceId !== undefined) q = q.where('service_id', '=', filter.serviceId);
  if (filter.interface !== undefined) q = q.where('interface', '=', filter.interface);
  if (filter.regionIds !== undefined) q = q.where('region_id', 'in', [...filter.regionIds]);
  return q.orderBy('id').execute();
}

export async function insertEndpoint(db: Queryable, row: EndpointRow): Promise<void> {
  await db.insertInto('endpoint').values(row).execute();
}

export async function updateEndpoint(db: Queryable, row: EndpointRow): Promise<void> {
  await db.updateTable('endpoint').set(row).where('id', '=', row.id).execute();
}

export async function deleteEndpointCascade(tx: Queryable, id: string): Promise<void> {
  await tx.deleteFrom('project_endpoint').where('endpoint_id', '=', id).execute();
  await tx.deleteFrom('endpoint').where('id', '=', id).execute();
}

/** The region and every region below it. */
export async function regionWithChildren(db: Queryable, regionId: string): Promise<string[]> {
  const found = [regionId];
  let frontier = [regionId];
  for (let depth = 0; frontier.length > 0 && depth < 64; depth++) {
    const rows = await db.selectFrom('region').select('id').where('parent_region_id', 'in', frontier).execute();
    frontier = rows.map((r) => r.id).filter((id) => !found.includes(id));
    found.push(...frontier);
  }
  return found;
}

// --- OS-EP-FILTER -----------------------------------------------------------

export async function getEndpointGroupRow(db: Queryable, id: string): Promise<EndpointGroupRow | undefined> {
  return db.selectFrom('endpoint_group').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listEndpointGroupRows(db: Queryable, filter: { name?: string; ids?: readonly string[] } = {}): Promise<EndpointGroupRow[]> {
  if (filter.ids?.length === 0) return [];
  let q = db.selectFrom('endpoint_group').selectAll();
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  if (filter.ids !== undefined) q = q.where('id', 'in', [...filter.ids]);
  return q.orderBy('id').execute();
}

export async function insertEndpointGroup(db: Queryable, row: EndpointGroupRow): Promise<void> {
  await db.insertInto('endpoint_group').values(row).execute();
}

export async function updateEndpointGroup(db: Queryable, row: EndpointGroupRow): Promise<void> {
  await db.updateTable('endpoint_group').set(row).where('id', '=', row.id).execute();
}

export async function deleteEndpointGroupCascade(tx: Queryable, id: string): Promise<void> {
  await tx.deleteFrom('project_endpoint_group').where('endpoint_group_id', '=', id).execute();
  await tx.deleteFrom('endpoint_group').where('id', '=', id).execute();
}

export async function hasProjectEndpointGroup(db: Queryable, groupId: string, projectId: string): Promise<boolean> {
  const row = await db.selectFrom('project_endpoint_group').select('project_id')
    .where('endpoint_group_id', '=', groupId).where('project_id', '=', projectId).executeTakeFirst();
  return row !== undefined;
}

export async function addProjectEndpointGroup(db: Queryable, groupId: string, projectId: string): Promise<void> {
  if (await hasProjectEndpointGroup(db, groupId, projectId)) return;
  await db.insertInto('project_endpoint_group').values({ endpoint_group_id: groupId, project_id: projectId }).execute();
}

export async function removeProjectEndpointGroup(db: Queryable, groupId: string, projectId: string): Promise<void> {
  await db.deleteFrom('project_endpoint_group').where('endpoint_group_id', '=', groupId).where('project_id', '=', projectId).execute();
}

export async function projectIdsOfEndpointGroup(db: Queryable, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint_group').select('project_id').where('endpoint_group_id', '=', groupId).execute();
  return rows.map((r) => r.project_id);
}

export async function endpointGroupIdsOfProject(db: Queryable, projectId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint_group').select('endpoint_group_id').where('project_id', '=', projectId).execute();
  return rows.map((r) => r.endpoint_group_id);
}

export async function hasProjectEndpoint(db: Queryable, endpointId: string, projectId: string): Promise<boolean> {
  const row = await db.selectFrom('project_endpoint').select('project_id')
    .where('endpoint_id', '=', endpointId).where('project_id', '=', projectId).executeTakeFirst();
  return row !== undefined;
}

export async function addProjectEndpoint(db: Queryable, endpointId: string, projectId: string): Promise<void> {
  if (await hasProjectEndpoint(db, endpointId, projectId)) return;
  await db.insertInto('project_endpoint').values({ endpoint_id: endpointId, project_id: projectId }).execute();
}

export async function removeProjectEndpoint(db: Queryable, endpointId: string, projectId: string): Promise<void> {
  await db.deleteFrom('project_endpoint').where('endpoint_id', '=', endpointId).where('project_id', '=', projectId).execute();
}

export async function projectIdsOfEndpoint(db: Queryable, endpointId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint').select('project_id').where('endpoint_id', '=', endpointId).execute();
  return rows.map((r) => r.project_id);
}

export async function endpointIdsOfProject(db: Queryable, projectId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint').select('endpoint_id').where('project_id', '=', projectId).execute();
  return rows.map((r) => r.endpoint_id);
}
