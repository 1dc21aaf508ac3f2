/**
 * Keystone's unified limits (keystone/limit): registered limits say what a resource of
 * a service may use by default, in one region or everywhere; limits override that for
 * one project or domain. Identity only stores them; services such as Nova and Glance
 * read them (through oslo.limit) and enforce them.
 */
import type { RequestContext } from '../core/auth/index.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/http/index.js';
import type { IdGenerator } from '../core/ids.js';
import { validation } from './errors.js';
import { getServiceRow } from './store/catalog.js';
import type { IdentityDb, Queryable } from './store/db.js';
import {
  deleteLimitRow, deleteRegisteredLimitRow, getLimitRow, getRegisteredLimitRow, insertLimit, insertRegisteredLimit,
  limitsOfRegistered, listLimitRows, listRegisteredLimitRows, updateLimitRow, updateRegisteredLimitRow,
  type LimitFilter, type LimitRow, type RegisteredLimitRow,
} from './store/limits.js';
import { getProjectRow, listProjectRows } from './store/projects.js';
import { getRegionRow } from './store/regions.js';

/** [unified_limit] enforcement_model: how limits relate across the project tree. */
export interface LimitModel {
  readonly name: string;
  readonly description: string;
  /** Throws when the new or changed limits break the model (they are already valid on their own). */
  check(db: Queryable, limits: readonly LimitRow[]): Promise<void>;
}

/** Keystone's default: every project's limit stands alone, whatever the hierarchy. */
export const flatModel: LimitModel = {
  name: 'flat',
  description: 'Limit enforcement and validation does not take project hierarchy into consideration.',
  check: async () => undefined,
};

export const enforcementModels = { flat: flatModel } as const;
export type EnforcementModelName = keyof typeof enforcementModels;

export interface RegisteredLimitInput {
  service_id: string;
  region_id?: string | null;
  resource_name: string;
  default_limit: number;
  description?: string | null;
}

export type RegisteredLimitPatch = Partial<RegisteredLimitInput>;

export interface LimitInput {
  project_id?: string;
  domain_id?: string;
  service_id: string;
  region_id?: string;
  resource_name: string;
  resource_limit: number;
  description?: string | null;
}

export interface LimitPatch {
  resource_limit?: number;
  description?: string | null;
}

// Keystone's messages (keystone/exception.py).
const notValid = (attribute: string, target: string) => validation(
  `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either ` +
  'malformed or otherwise incorrect. The client is assumed to be in error.');
const duplicateOf = (kind: 'registered_limit' | 'limit') => new ConflictError(`Conflict occurred attempting to store ${kind} - Duplicate entry.`);
const referenced = (id: string) => new ForbiddenError(
  `Unable to update or delete registered limit ${id} because there are project limits associated with it.`);
export const registeredLimitNotFound = (id: string): NotFoundError => new NotFoundError(`Could not find registered limit for ${id}.`);
export const limitNotFound = (id: string): NotFoundError => new NotFoundError(`Could not find limit for ${id}.`);

/** The operations behind /v3/registered_limits and /v3/limits. */
export class UnifiedLimits {
  constructor(private readonly db: IdentityDb, private readonly ids: IdGenerator, readonly model: LimitModel = flatModel) {}

  /** Creates all or none; service and region must exist, (service, region, resource) be new. */
  async createRegisteredLimits(inputs: readonly RegisteredLimitInput[]): Promise<RegisteredLimitRow[]> {
    return this.db.transaction().execute(async (tx) => {
      for (const input of inputs) await assertReferencesExist(tx, input, 'registered_limit');
      const rows: RegisteredLimitRow[] = [];
      for (const input of inputs) {
        const row: RegisteredLimitRow = {
          id: this.ids.hex(), service_id: input.service_id, region_id: input.region_id ?? null,
          resource_name: input.resource_name, default_limit: input.default_limit, description: input.description ?? null,
        };
        await assertRegisteredUnique(tx, row);
        await insertRegisteredLimit(tx, row);
        rows.push(row);
      }
      return rows;
    });
  }

  /**
   * As Keystone: refused (403) while any limit refers to it, whatever the change; a
   * change of service, region or resource must not collide with another registered limit.
   */
  async updateRegisteredLimit(id: string, patch: RegisteredLimitPatch): Promise<RegisteredLimitRow> {
    return this.db.transaction().execute(async (tx) => {
      await assertReferencesExist(tx, patch, 'registered_limit');
      const row = await getRegisteredLimitRow(tx, id);
      if (!row) throw registeredLimitNotFound(id);
      if ((await limitsOfRegistered(tx, id)).length > 0) throw referenced(id);
      const next: RegisteredLimitRow = {
        ...row,
        ...(patch.service_id !== undefined ? { service_id: patch.service_id } : {}),
        ...(patch.region_id !== undefined ? { region_id: patch.region_id } : {}),
        ...(patch.resource_name !== undefined ? { resource_name: patch.resource_name } : {}),
        ...(patch.default_limit !== undefined ? { default_limit: patch.default_limit } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      };
      if (patch.service_id !== undefined || patch.region_id !== undefined || patch.resource_name !== undefined) {
        await assertRegisteredUnique(tx, next);
      }
      await updateRegisteredLimitRow(tx, next);
      return next;
    });
  }

  async deleteRegisteredLimit(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await getRegisteredLimitRow(tx, id))) throw registeredLimitNotFound(id);
      if ((await limitsOfRegistered(tx, id)).length > 0) throw referenced(id);
      await deleteRegisteredLimitRow(tx, id);
    });
  }

  /**
   * Creates all or none. A project_id naming a domain makes a domain limit (as
   * Keystone); each limit needs the registered limit of its service, region and
   * resource (403 otherwise) and must be the only one of its project or domain there.
   */
  async createLimits(inputs: readonly LimitInput[]): Promise<LimitRow[]> {
    return this.db.transaction().execute(async (tx) => {
      const owners: Array<{ projectId: string | null; domainId: string | null }> = [];
      for (const input of inputs) owners.push(await assertLimitReferencesExist(tx, input));
      const rows: LimitRow[] = [];
      for (const [i, input] of inputs.entries()) {
        const owner = owners[i] ?? { projectId: null, domainId: null };
        const [registered] = await listRegisteredLimitRows(tx, {
          serviceId: input.service_id, regionId: input.region_id ?? null, resourceName: input.resource_name,
        });
        if (!registered) throw new ForbiddenError('Unable to create a limit that has no corresponding registered limit.');
        if ((await limitsOfRegistered(tx, registered.id, owner)).length > 0) throw duplicateOf('limit');
        const row: LimitRow = {
          id: this.ids.hex(), registered_limit_id: registered.id, project_id: owner.projectId, domain_id: owner.domainId,
          resource_limit: input.resource_limit, description: input.description ?? null,
          service_id: registered.service_id, region_id: registered.region_id, resource_name: registered.resource_name,
        };
        const { service_id: _s, region_id: _r, resource_name: _n, ...stored } = row;
        await insertLimit(tx, stored);
        rows.push(row);
      }
      await this.model.check(tx, rows);
      return rows;
    });
  }

  /**
   * Changes resource_limit and description only. Keystone Zed skips falsy values here
   * (`if limit.get('resource_limit')`), so a limit of 0 could never be set; a value
   * given is applied.
   */
  async updateLimit(id: string, patch: LimitPatch): Promise<LimitRow> {
    return this.db.transaction().execute(async (tx) => {
      const row = await getLimitRow(tx, id);
      if (!row) throw limitNotFound(id);
      const next: LimitRow = {
        ...row,
        ...(patch.resource_limit !== undefined ? { resource_limit: patch.resource_limit } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      };
      await this.model.check(tx, [next]);
      await updateLimitRow(tx, id, {
        ...(patch.resource_limit !== undefined ? { resource_limit: patch.resource_limit } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      });
      return next;
    });
  }

  async deleteLimit(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await getLimitRow(tx, id))) throw limitNotFound(id);
      await deleteLimitRow(tx, id);
    });
  }

  /**
   * GET /v3/limits as Keystone Zed scopes it: a system-scoped caller sees every limit;
   * a domain-scoped one the domain's own limits and those of projects in it; a
   * project-scoped one its project's limits; an unscoped token none.
   */
  async visibleLimits(ctx: RequestContext, filter: LimitFilter): Promise<LimitRow[]> {
    if (ctx.system) return listLimitRows(this.db, filter);
    if (ctx.domainId) {
      const domainId = ctx.domainId;
      const projectIds = new Set((await listProjectRows(this.db, { domainId, isDomain: false })).map((p) => p.id));
      return (await listLimitRows(this.db, filter))
        .filter((l) => (l.project_id ? projectIds.has(l.project_id) : l.domain_id === domainId));
    }
    if (ctx.projectId) {
      if (filter.projectId !== undefined && filter.projectId !== ctx.projectId) return [];
      return listLimitRows(this.db, { ...filter, projectId: ctx.projectId });
    }
    return [];
  }
}

/** Keystone's _assert_resource_exist for a registered limit (or a change to one). */
async function assertReferencesExist(db: Queryable, ref: { service_id?: string; region_id?: string | null }, target: string): Promise<void> {
  if (ref.service_id !== undefined && !(await getServiceRow(db, ref.service_id))) throw notValid('service_id', target);
  if (ref.region_id != null && !(await getRegionRow(db, ref.region_id))) throw notValid('region_id', target);
}

/** Checks a new limit's service, region and project or domain; returns whose limit it is. */
async function assertLimitReferencesExist(db: Queryable, input: LimitInput): Promise<{ projectId: string | null; domainId: string | null }> {
  await assertReferencesExist(db, input, 'limit');
  if (input.project_id !== undefined) {
    const project = await getProjectRow(db, input.project_id);
    if (!project) throw notValid('project_id', 'limit');
    return project.is_domain === 1 ? { projectId: null, domainId: project.id } : { projectId: project.id, domainId: null };
  }
  const domain = input.domain_id !== undefined ? await getProjectRow(db, input.domain_id) : undefined;
  if (!domain || domain.is_domain !== 1) throw notValid('domain_id', 'limit');
  return { projectId: null, domainId: domain.id };
}

/** One registered limit per (service, region, resource); `row` itself does not count. */
async function assertRegisteredUnique(db: Queryable, row: RegisteredLimitRow): Promise<void> {
  const same = await listRegisteredLimitRows(db, { serviceId: row.service_id, regionId: row.region_id, resourceName: row.resource_name });
  if (same.some((r) => r.id !== row.id)) throw duplicateOf('registered_limit');
}
