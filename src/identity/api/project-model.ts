import { Type, type Static } from '@sinclair/typebox';
import { ConflictError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { extraAttributes, mergeOptions } from '../attributes.js';
import { forbidden, validation } from '../errors.js';
import { isUniqueViolation, parseJson, toBool, type Queryable } from '../store/db.js';
import { getDomainRow, getProjectRow, insertProject, projectSubtree, setProjectTags, updateProjectRow, type ProjectRow } from '../store/projects.js';
import { ROOT_DOMAIN } from '../store/schema.js';

/**
 * The rules shared by the project and domain APIs (a domain is a project acting as a
 * domain): request schemas, extra attributes and options, creation and update checks.
 */

/** Keystone's [DEFAULT] max_project_tree_depth (5), plus one for the domain level. */
const MAX_DEPTH = 6;

export const TagName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^,/]*$' });
export const TagList = Type.Array(TagName, { maxItems: 80, uniqueItems: true });
export const Name64 = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
const Description = Type.Union([Type.String(), Type.Null()]);
export const ResourceOptions = Type.Object({ immutable: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])) }, { additionalProperties: false });

const projectProps = {
  name: Name64,
  description: Type.Optional(Description),
  domain_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
  is_domain: Type.Optional(Type.Boolean()),
  tags: Type.Optional(TagList),
  options: Type.Optional(ResourceOptions),
};
export const ProjectCreate = Type.Object({ project: Type.Object(projectProps, { additionalProperties: true }) });
export const ProjectUpdate = Type.Object({
  project: Type.Partial(Type.Object(projectProps, { additionalProperties: true }), { additionalProperties: true, minProperties: 1 }),
});
export type ProjectCreateBody = Static<typeof ProjectCreate>['project'];
export type ProjectUpdateBody = Static<typeof ProjectUpdate>['project'];

/** Attributes with their own column (or meaning); everything else is "extra". */
const KNOWN = ['id', 'name', 'description', 'domain_id', 'parent_id', 'enabled', 'is_domain', 'tags', 'options', 'links'];

export const extraOf = (body: Record<string, unknown>, known: readonly string[] = KNOWN): Record<string, unknown> =>
  extraAttributes(body, known);

/** Options live in the extra JSON under a reserved key, so no schema change is needed. */
export const OPTIONS_KEY = '__options';

export function optionsOf(row: ProjectRow): Record<string, unknown> {
  const o = parseJson(row.extra)[OPTIONS_KEY];
  return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
}


const conflictOf = (row: { name: string; id: string; is_domain: number }): ConflictError =>
  new ConflictError(row.is_domain === 1
    ? `Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: ${row.name}.`
    : `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${row.name}, project id ${row.id}.`);

/** The chain above a project: its parent, the parent's parent, ... up to and including its domain. */
export async function chainAbove(db: Queryable, parentId: string | null): Promise<ProjectRow[]> {
  const chain: ProjectRow[] = [];
  let cursor = parentId;
  while (cursor && chain.length < 100) {
    const row = await getProjectRow(db, cursor);
    if (!row) break;
    chain.push(row);
    cursor = row.parent_id;
  }
  return chain;
}

/** Runs a write; turns a unique violation into Keystone's project conflict. */
export async function storeProject<T>(row: { name: string; id: string; is_domain: number }, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflictOf(row);
    throw e;
  }
}

/** Validates and inserts a new project (or domain-project), returning the stored row. */
export async function createProject(svc: IdentityService, body: ProjectCreateBody, callerDomainId: string | undefined): Promise<ProjectRow> {
  const isDomain = body.is_domain === true;
  const id = svc.ids.hex();
  let domainId: string;
  let parentId: string | null;
  if (isDomain) {
    if (body.parent_id) throw validation('only root projects are allowed to act as domains.');
    domainId = ROOT_DOMAIN;
    parentId = null;
  } else {
    let parent: ProjectRow | undefined;
    if (body.parent_id) {
      parent = await getProjectRow(svc.db, body.parent_id);
      if (!parent) throw validation(`Could not find project: ${body.parent_id}.`);
    }
    domainId = body.domain_id ?? (parent ? (parent.is_domain === 1 ? parent.id : parent.domain_id) : undefined) ?? callerDomainId ?? 'default';
    const domain = await getDomainRow(svc.db, domainId);
    if (!domain) throw validation(`Could not find domain: ${domainId}.`);
    parent ??= domain;
    parentId = parent.id;
    if (parent.is_domain === 1 && parent.id !== domainId) {
      throw validation(`Cannot create project, the parent (${parent.id}) is acting as a domain, but this project's domain id (${domainId}) does not match the parent's id.`);
    }
    if (parent.is_domain === 0 && parent.domain_id !== domainId) {
      throw validation(`Cannot create project, since it specifies its domain_id ${domainId}, but specifies a parent in a different domain (${parent.domain_id}).`);
    }
    const chain = await chainAbove(svc.db, parent.id);
    const disabled = chain.find((p) => !toBool(p.enabled));
    if (disabled) throw validation(`cannot create a project in a branch containing a disabled project: ${disabled.id}`);
    if (chain.length + 1 > MAX_DEPTH) throw forbidden(`Max hierarchy depth reached for ${parent.id} branch.`);
  }
  const options = mergeOptions({}, body.options as Record<string, unknown> | undefined);
  const extra = extraOf(body as Record<string, unknown>);
  const row: ProjectRow = {
    id, name: body.name.trim(), domain_id: domainId, parent_id: parentId, is_domain: isDomain ? 1 : 0,
    enabled: body.enabled === false ? 0 : 1, description: body.description ?? '',
    extra: JSON.stringify(Object.keys(options).length ? { ...extra, [OPTIONS_KEY]: options } : extra),
  };
  await storeProject(row, () => svc.db.transaction().execute(async (tx) => {
    await insertProject(tx, row);
    await setProjectTags(tx, id, (body.tags ?? []).map((t) => t.trim()));
  }));
  return row;
}

/**
 * Applies a PATCH to a project or domain-project with Keystone's rules: no moving
 * between domains or parents, no enabling under a disabled parent, no disabling a
 * project whose subtree is still enabled. Disabling revokes the tokens scoped to it.
 */
export async function updateProject(svc: IdentityService, row: ProjectRow, body: ProjectUpdateBody & Record<string, unknown>): Promise<ProjectRow> {
  const id = row.id;
  if (body['id'] !== undefined && body['id'] !== id) throw validation('Cannot change ID');
  const currentDomain = row.domain_id === ROOT_DOMAIN ? null : row.domain_id;
  if (body.domain_id !== undefined && body.domain_id !== currentDomain) throw validation('Cannot change Domain ID');
  if (body.parent_id !== undefined && body.parent_id !== row.parent_id) throw forbidden('Update of `parent_id` is not allowed.');
  if (body.is_domain !== undefined && body.is_domain !== toBool(row.is_domain)) throw validation('Update of `is_domain` is not allowed.');
  const currentOptions = optionsOf(row);
  const kind = row.is_domain === 1 ? 'domain' : 'project';
  if (currentOptions['immutable'] === true && !(body.options && 'immutable' in body.options && Object.keys(body).length === 1)) {
    throw forbidden(`Unable to update immutable ${kind} resource: \`${id}\`. Immutable option is set.`);
  }
  const wasEnabled = toBool(row.enabled);
  const enabled = body.enabled ?? wasEnabled;
  if (!wasEnabled && enabled) {
    const disabledParent = (await chainAbove(svc.db, row.parent_id)).find((p) => p.is_domain === 0 && !toBool(p.enabled));
    if (disabledParent) throw forbidden(`Cannot enable project ${id} since it has disabled parents`);
  }
  if (wasEnabled && !enabled && row.is_domain === 0) {
    if ((await projectSubtree(svc.db, id)).some((p) => toBool(p.enabled))) {
      throw forbidden(`Cannot disable project ${id} since its subtree contains enabled projects.`);
    }
  }
  const { [OPTIONS_KEY]: _o, ...oldExtra } = parseJson(row.extra);
  const options = mergeOptions(currentOptions, body.options as Record<string, unknown> | undefined);
  const extra = { ...oldExtra, ...extraOf(body) };
  const next: ProjectRow = {
    ...row,
    name: body.name !== undefined ? body.name.trim() : row.name,
    description: body.description !== undefined ? body.description : row.description,
    enabled: enabled ? 1 : 0,
    extra: JSON.stringify(Object.keys(options).length ? { ...extra, [OPTIONS_KEY]: options } : extra),
  };
  await storeProject(next, () => svc.db.transaction().execute(async (tx) => {
    const { id: _id, ...patch } = next;
    await updateProjectRow(tx, id, patch);
    if (body.tags !== undefined) await setProjectTags(tx, id, body.tags.map((t) => t.trim()));
  }));
  if (wasEnabled && !enabled) await svc.revocations.revoke(row.is_domain === 1 ? { domain_id: id } : { project_id: id });
  return next;
}

