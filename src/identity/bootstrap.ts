import type { IdGenerator } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { PasswordHasher } from './auth/hasher.js';
import type { IdentityDb, Queryable } from './store/db.js';
import { currentPassword, findUserByName } from './store/users.js';
import { findDomainByName, findProjectByName } from './store/projects.js';
import { NULL_DOMAIN, ROOT_DOMAIN, type AssignmentType } from './store/schema.js';

/** A service the catalog should list, with its endpoint URL per interface. */
export interface CatalogService {
  type: string;
  name: string;
  description?: string;
  urls: { public: string; internal: string; admin: string };
  /**
   * Unified limits the service enforces (oslo.limit reads them from identity), created
   * with these defaults in the region when missing and left alone once they exist.
   */
  registeredLimits?: ReadonlyArray<{ resource: string; defaultLimit: number; description?: string }>;
}

export interface BootstrapOptions {
  adminPassword: string;
  demoPassword: string;
  region: string;
  services: CatalogService[];
}

export const DEFAULT_DOMAIN_ID = 'default';

/**
 * Makes identity usable, like `keystone-manage bootstrap`, and is safe to run on every
 * start: it creates what is missing and leaves what exists alone (except that it
 * re-registers the catalog URLs, which follow the configured ports).
 */
export async function bootstrapIdentity(db: IdentityDb, hasher: PasswordHasher, clock: Clock, ids: IdGenerator, opts: BootstrapOptions): Promise<void> {
  // Hashing dominates start-up; do both users' scrypt work in parallel, up front.
  const [adminHash, demoHash] = await Promise.all([
    passwordHashFor(db, hasher, 'admin', opts.adminPassword),
    passwordHashFor(db, hasher, 'demo', opts.demoPassword),
  ]);
  await db.transaction().execute(async (tx) => {
    const now = clock.now().toISOString();
    if (!(await findDomainByName(tx, 'Default'))) {
      await tx.insertInto('project').values({
        id: DEFAULT_DOMAIN_ID, name: 'Default', domain_id: ROOT_DOMAIN, parent_id: null, is_domain: 1, enabled: 1,
        description: 'The default domain', extra: '{}',
      }).execute();
    }
    const roles: Record<string, string> = {};
    for (const name of ['admin', 'member', 'reader', 'service']) roles[name] = await ensureRole(tx, ids, name);
    await ensureImplied(tx, roles['admin'] as string, roles['member'] as string);
    await ensureImplied(tx, roles['member'] as string, roles['reader'] as string);

    const projects: Record<string, string> = {};
    for (const [name, description] of [['admin', 'Bootstrap project for initializing the cloud.'], ['service', 'Project for the services'], ['demo', 'Demo project']] as const) {
      projects[name] = await ensureProject(tx, ids, name, description);
    }
    const admin = await ensureUser(tx, ids, 'admin', adminHash, now, projects['admin'] as string);
    const demo = await ensureUser(tx, ids, 'demo', demoHash, now, projects['demo'] as string);
    await ensureAssignment(tx, 'UserProject', admin, projects['admin'] as string, roles['admin'] as string);
    await ensureAssignment(tx, 'UserSystem', admin, 'system', roles['admin'] as string);
    await ensureAssignment(tx, 'UserProject', demo, projects['demo'] as string, roles['member'] as string);

    if (!(await tx.selectFrom('region').select('id').where('id', '=', opts.region).executeTakeFirst())) {
      await tx.insertInto('region').values({ id: opts.region, description: null, parent_region_id: null, extra: '{}' }).execute();
    }
    for (const service of opts.services) await ensureService(tx, ids, opts.region, service);
  });
}

async function ensureRole(tx: Queryable, ids: IdGenerator, name: string): Promise<string> {
  const found = await tx.selectFrom('role').select('id').where('name', '=', name).where('domain_id', '=', NULL_DOMAIN).executeTakeFirst();
  if (found) return found.id;
  const id = ids.hex();
  await tx.insertInto('role').values({ id, name, domain_id: NULL_DOMAIN, description: null, options: '{}', extra: '{}' }).execute();
  return id;
}

async function ensureImplied(tx: Queryable, prior: string, implied: string): Promise<void> {
  const found = await tx.selectFrom('implied_role').select('prior_role_id')
    .where('prior_role_id', '=', prior).where('implied_role_id', '=', implied).executeTakeFirst();
  if (!found) await tx.insertInto('implied_role').values({ prior_role_id: prior, implied_role_id: implied }).execute();
}

async function ensureProject(tx: Queryable, ids: IdGenerator, name: string, description: string): Promise<string> {
  const found = await findProjectByName(tx, name, DEFAULT_DOMAIN_ID);
  if (found) return found.id;
  const id = ids.hex();
  await tx.insertInto('project').values({
    id, name, domain_id: DEFAULT_DOMAIN_ID, parent_id: DEFAULT_DOMAIN_ID, is_domain: 0, enabled: 1, description, extra: '{}',
  }).execute();
  return id;
}

/** A new hash when the user is missing or its password differs from `password`; null when it already matches. */
async function passwordHashFor(db: Queryable, hasher: PasswordHasher, name: string, password: string): Promise<string | null> {
  const user = await findUserByName(db, name, DEFAULT_DOMAIN_ID);
  const current = user ? await currentPassword(db, user.id) : undefined;
  if (current && (await hasher.verify(password, current.hash))) return null;
  return hasher.hash(password);
}

/** Creates the user if missing; a non-null `newHash` becomes its current password. */
async function ensureUser(tx: Queryable, ids: IdGenerator, name: string, newHash: string | null, now: string, projectId: string): Promise<string> {
  const found = await findUserByName(tx, name, DEFAULT_DOMAIN_ID);
  const id = found?.id ?? ids.hex();
  if (!found) {
    await tx.insertInto('user').values({
      id, name, domain_id: DEFAULT_DOMAIN_ID, enabled: 1, default_project_id: projectId, description: null,
      extra: '{}', options: '{}', created_at: now, last_active_at: null, failed_auth_count: 0, failed_auth_at: null,
    }).execute();
  }
  if (newHash) {
    await tx.insertInto('password').values({ user_id: id, hash: newHash, created_at: now, expires_at: null, self_service: 0 }).execute();
  }
  return id;
}

async function ensureAssignment(tx: Queryable, type: AssignmentType, actor: string, target: string, role: string): Promise<void> {
  const found = await tx.selectFrom('assignment').select('role_id').where('type', '=', type)
    .where('actor_id', '=', actor).where('target_id', '=', target).where('role_id', '=', role).where('inherited', '=', 0).executeTakeFirst();
  if (!found) await tx.insertInto('assignment').values({ type, actor_id: actor, target_id: target, role_id: role, inherited: 0 }).execute();
}

async function ensureService(tx: Queryable, ids: IdGenerator, region: string, service: CatalogService): Promise<void> {
  const found = await tx.selectFrom('service').select('id').where('type', '=', service.type).where('name', '=', service.name).executeTakeFirst();
  const serviceId = found?.id ?? ids.hex();
  if (!found) {
    await tx.insertInto('service').values({
      id: serviceId, type: service.type, name: service.name, description: service.description ?? null, enabled: 1, extra: '{}',
    }).execute();
  }
  for (const iface of ['public', 'internal', 'admin'] as const) {
    const url = service.urls[iface];
    const existing = await tx.selectFrom('endpoint').select(['id', 'url']).where('service_id', '=', serviceId)
      .where('interface', '=', iface).where('region_id', '=', region).executeTakeFirst();
    if (!existing) {
      await tx.insertInto('endpoint').values({ id: ids.hex(), service_id: serviceId, interface: iface, url, region_id: region, enabled: 1, extra: '{}' }).execute();
    } else if (existing.url !== url) {
      await tx.updateTable('endpoint').set({ url }).where('id', '=', existing.id).execute();
    }
  }
  for (const limit of service.registeredLimits ?? []) {
    const found = await tx.selectFrom('registered_limit').select('id').where('service_id', '=', serviceId)
      .where('region_id', '=', region).where('resource_name', '=', limit.resource).executeTakeFirst();
    if (!found) {
      await tx.insertInto('registered_limit').values({
        id: ids.hex(), service_id: serviceId, region_id: region, resource_name: limit.resource,
        default_limit: limit.defaultLimit, description: limit.description ?? null,
      }).execute();
    }
  }
}
