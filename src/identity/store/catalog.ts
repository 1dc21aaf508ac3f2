import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import type { EndpointTable, ServiceTable } from './schema.js';

export type ServiceRow = Selectable<ServiceTable>;
export type EndpointRow = Selectable<EndpointTable>;

export async function enabledServicesAndEndpoints(db: Queryable): Promise<{ services: ServiceRow[]; endpoints: EndpointRow[] }> {
  const services = await db.selectFrom('service').selectAll().where('enabled', '=', 1).orderBy('type').execute();
  const endpoints = await db.selectFrom('endpoint').selectAll().where('enabled', '=', 1).orderBy('id').execute();
  return { services, endpoints };
}
