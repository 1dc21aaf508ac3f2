import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import { ROOT_DOMAIN, type ProjectTable } from './schema.js';
import { deleteTrustsOf } from './trusts.js';
import { deleteLimitsOf } from './limits.js';

export type ProjectRow = Selectable<ProjectTable>;

/** Domains and projects share one table, as in Keystone: a domain is a project with is_domain = 1. */
export async function getProjectRow(db: Queryable, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getDomainRow(db: Queryable, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('project').selectAll().where('id', '=', id).where('is_domain', '=', 1).executeTakeFirst();
}

export async function findDomainByName(db: Queryable, name: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('project').selectAll()
    .where('domain_id', '=', ROOT_DOMAIN).where('name', '=', name).where('is_domain', '=', 1).executeTakeFirst();
}

export async function findProjectByName(db: Queryable, name: string, domainId: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('project').selectAll()
    .where('domain_id', '=', domainId).where('name', '=', name).where('is_domain', '=', 0).executeTakeFirst();
}

/** The chain of parents of a project, nearest first (the domain itself excluded). */
export async function projectAncestors(db: Queryable, project: ProjectRow): Promise<ProjectRow[]> {
  const chain: ProjectRow[] = [];
  let parentId = project.parent_id;
  while (parentId && parentId !== project.domain_id && chain.length < 64) {
    const parent = await getProjectRow(db, parentId);
    if (!parent || parent.is_domain === 1) break;
    chain.push(parent);
    parentId = parent.parent_id;
  }
  return chain;
}

export async function projectTags(db: Queryable, projectId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_tag').select('name').where('project_id', '=', projectId).orderBy('name').execute();
  return rows.map((r) => r.name);
}

export type NewProjectRow = ProjectRow;

/** Exact-match filters of GET /v3/projects and /v3/domains; undefined means "any". */
export interface ProjectFilters {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  parentId?: string;
  isDomain?: boolean;
  ids?: readonly string[];
}

export async function listProjectRows(db: Queryable, f: ProjectFilters): Promise<ProjectRow[]> {
  let q = db.selectFrom('project').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
  if (f.parentId !== undefined) q = q.where('parent_id', '=', f.parentId);
  if (f.isDomain !== undefined) q = q.where('is_domain', '=', f.isDomain ? 1 : 0);
  if (f.ids !== undefined) {
    if (f.ids.length === 0) return [];
    q = q.where('id', 'in', [...f.ids]);
  }
  return q.orderBy('name').orderBy('id').execute();
}

export async function insertProject(db: Queryable, row: ProjectRow): Promise<void> {
  await db.insertInto('project').values(row).execute();
}

export async function updateProjectRow(db: Queryable, id: string, patch: Partial<Omit<ProjectRow, 'id'>>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('project').set(patch).where('id', '=', id).execute();
}

/** Direct children (regular projects whose parent is `id`). */
export async function childProjects(db: Queryable, id: string): Promise<ProjectRow[]> {
  return db.selectFrom('project').selectAll().where('parent_id', '=', id).where('is_domain', '=', 0).orderBy('name').execute();
}

/** Every project below `id`, breadth first (parents before their children). */
export async function projectSubtree(db: Queryable, id: string): Promise<ProjectRow[]> {
  const out: ProjectRow[] = [];
  let frontier = [id];
  for (let depth = 0; frontier.length > 0 && depth < 64; depth++) {
    const level = await db.selectFrom('project').selectAll().where('parent_id', 'in', frontier).where('is_domain', '=', 0).orderBy('name').execute();
    out.push(...level);
    frontier = level.map((p) => p.id);
  }
  return out;
}

/** Tags of many projects at once, keyed by project id (sorted by name). */
export async function tagsOfProjects(db: Queryable, ids: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (ids.length === 0) return map;
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('project_tag').select(['project_id', 'name'])
      .where('project_id', 'in', ids.slice(i, i + 500)).orderBy('name').execute();
    for (const r of rows) map.set(r.project_id, [...(map.get(r.project_id) ?? []), r.name]);
  }
  return map;
}

/** Replaces the tag set of a project. */
export async function setProjectTags(db: Queryable, projectId: string, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('project_tag').where('project_id', '=', projectId).execute();
  if (tags.length > 0) await db.insertInto('project_tag').values(tags.map((name) => ({ project_id: projectId, name }))).execute();
}

/**
 * Removes a project (or a domain's own row) and everything that only makes sense with
 * it: tags, role assignments on it, EC2/other credentials, trusts, application
 * credentials, endpoint associations and unified limits of it, and users' default_project_id
 * pointing at it. Callers delete children first.
 */
export async function deleteProjectRow(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('project_tag').where('project_id', '=', id).execute();
  await db.deleteFrom('assignment').where('target_id', '=', id).where('type', 'in', ['UserProject', 'GroupProject', 'UserDomain', 'GroupDomain']).execute();
  await db.deleteFrom('credential').where('project_id', '=', id).execute();
  await db.updateTable('user').set({ default_project_id: null }).where('default_project_id', '=', id).execute();
  await deleteTrustsOf(db, { projectId: id });
  await deleteLimitsOf(db, id);
  await db.deleteFrom('project_endpoint_group').where('project_id', '=', id).execute();
  await db.deleteFrom('project_endpoint').where('project_id', '=', id).execute();
  const appCreds = db.selectFrom('application_credential').select('id').where('project_id', '=', id);
  await db.deleteFrom('application_credential_role').where('application_credential_id', 'in', appCreds).execute();
  await db.deleteFrom('application_credential_access_rule').where('application_credential_id', 'in', appCreds).execute();
  await db.deleteFrom('application_credential').where('project_id', '=', id).execute();
  await db.deleteFrom('project').where('id', '=', id).execute();
}
