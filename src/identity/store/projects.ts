import type { Selectable } from 'kysely';
import type { Queryable } from './db.js';
import { ROOT_DOMAIN, type ProjectTable } from './schema.js';

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
