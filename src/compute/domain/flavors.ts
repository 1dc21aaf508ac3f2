import type { FlavorSnapshot } from './instance-model.js';
import { sql } from 'kysely';
import type { RequestContext } from '../../core/auth/index.js';
import { isUniqueViolation } from '../../core/db/index.js';
import type { FlavorRow } from '../db/schema.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';

export interface NewFlavor {
  name: string;
  flavorid?: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  description: string | null;
}

export const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`);

/**
 * The flavor by its public id. Callers who are not admins see only public flavors
 * and private ones their project was given access to, as in Nova's queries.
 */
export async function getFlavor(svc: ComputeService, ctx: RequestContext | null, flavorid: string): Promise<FlavorRow> {
  const row = await svc.db.selectFrom('flavors').selectAll().where('flavorid', '=', flavorid).executeTakeFirst();
  if (!row || (ctx && !(await visibleTo(svc, ctx, row)))) throw flavorNotFound(flavorid);
  return row;
}

async function visibleTo(svc: ComputeService, ctx: RequestContext, row: FlavorRow): Promise<boolean> {
  if (row.is_public || svc.isAdmin(ctx)) return true;
  const access = await svc.db.selectFrom('flavor_projects').select('project_id')
    .where('flavor_id', '=', row.id).where('project_id', '=', ctx.projectId ?? '').executeTakeFirst();
  return access !== undefined;
}

/** The flavor as an instance records it (and keeps it, whatever later happens to the flavor). */
export async function flavorSnapshotOf(svc: ComputeService, row: FlavorRow): Promise<FlavorSnapshot> {
  return {
    flavorid: row.flavorid, name: row.name, memory_mb: row.memory_mb, vcpus: row.vcpus, root_gb: row.root_gb, ephemeral_gb: row.ephemeral_gb, swap: row.swap,
    rxtx_factor: row.rxtx_factor, disabled: row.disabled === 1, is_public: row.is_public === 1, description: row.description,
    extra_specs: (await extraSpecsOf(svc, [row.id])).get(row.id) ?? {},
  };
}

export interface FlavorQuery {
  /** true: public (and, for a project, those shared with it); false: private only; null: all. */
  isPublic: boolean | null;
  /** Non-admins never see disabled flavors. */
  includeDisabled: boolean;
  minRam?: number;
  minDisk?: number;
  name?: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit?: number;
  marker?: string;
}

export async function listFlavors(svc: ComputeService, ctx: RequestContext, q: FlavorQuery): Promise<FlavorRow[]> {
  let query = svc.db.selectFrom('flavors').selectAll();
  if (q.isPublic === true) {
    const project = ctx.projectId ?? '';
    query = query.where((eb) => eb.or([
      eb('is_public', '=', 1),
      eb.exists(eb.selectFrom('flavor_projects').select(sql<number>`1`.as('one'))
        .whereRef('flavor_projects.flavor_id', '=', 'flavors.id').where('flavor_projects.project_id', '=', project)),
    ]));
  } else if (q.isPublic === false) query = query.where('is_public', '=', 0);
  if (!q.includeDisabled) query = query.where('disabled', '=', 0);
  if (q.minRam !== undefined) query = query.where('memory_mb', '>=', q.minRam);
  if (q.minDisk !== undefined) query = query.where('root_gb', '>=', q.minDisk);
  if (q.name !== undefined) query = query.where('name', '=', q.name);
  let rows = await query.execute();
  const key = q.sortKey as keyof FlavorRow;
  const dir = q.sortDir === 'desc' ? -1 : 1;
  rows.sort((a, b) => dir * compare(a[key], b[key]) || compare(a.id, b.id));
  if (q.marker !== undefined) {
    const at = rows.findIndex((r) => r.flavorid === q.marker);
    if (at < 0) throw badRequest(`marker [${q.marker}] not found`);
    rows = rows.slice(at + 1);
  }
  return q.limit !== undefined ? rows.slice(0, q.limit) : rows;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}

export async function createFlavor(svc: ComputeService, input: NewFlavor): Promise<FlavorRow> {
  const flavorid = input.flavorid ?? svc.ids.uuid();
  const byName = await svc.db.selectFrom('flavors').select('id').where('name', '=', input.name).executeTakeFirst();
  if (byName) throw conflict(`Flavor with name ${input.name} already exists.`);
  const byId = await svc.db.selectFrom('flavors').select('id').where('flavorid', '=', flavorid).executeTakeFirst();
  if (byId) throw conflict(`Flavor with ID ${flavorid} already exists.`);
  const values = {
    flavorid, name: input.name, memory_mb: input.memory_mb, vcpus: input.vcpus, root_gb: input.root_gb, ephemeral_gb: input.ephemeral_gb,
    swap: input.swap, rxtx_factor: input.rxtx_factor, vcpu_weight: null, disabled: 0, is_public: input.is_public ? 1 : 0,
    description: input.description, created_at: svc.now(), updated_at: null,
  };
  try {
    await svc.db.insertInto('flavors').values(values).execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Flavor with name ${input.name} already exists.`);
    throw e;
  }
  return getFlavor(svc, null, flavorid);
}

export async function updateFlavorDescription(svc: ComputeService, flavorid: string, description: string | null): Promise<FlavorRow> {
  const row = await getFlavor(svc, null, flavorid);
  await svc.db.updateTable('flavors').set({ description, updated_at: svc.now() }).where('id', '=', row.id).execute();
  return { ...row, description };
}

export async function deleteFlavor(svc: ComputeService, flavorid: string): Promise<void> {
  const row = await getFlavor(svc, null, flavorid);
  await svc.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('flavor_extra_specs').where('flavor_id', '=', row.id).execute();
    await tx.deleteFrom('flavor_projects').where('flavor_id', '=', row.id).execute();
    await tx.deleteFrom('flavors').where('id', '=', row.id).execute();
  });
}

export async function flavorAccess(svc: ComputeService, flavorid: string): Promise<string[]> {
  const row = await getFlavor(svc, null, flavorid);
  if (row.is_public) throw notFound('Access list not available for public flavors.');
  const rows = await svc.db.selectFrom('flavor_projects').select('project_id').where('flavor_id', '=', row.id).orderBy('project_id').execute();
  return rows.map((r) => r.project_id);
}

export async function addFlavorAccess(svc: ComputeService, flavorid: string, project: string): Promise<string[]> {
  const row = await getFlavor(svc, null, flavorid);
  if (row.is_public) throw conflict('Can not add access to a public flavor.');
  try {
    await svc.db.insertInto('flavor_projects').values({ flavor_id: row.id, project_id: project }).execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Flavor access already exists for flavor ${flavorid} and project ${project} combination.`);
    throw e;
  }
  return flavorAccess(svc, flavorid);
}

export async function removeFlavorAccess(svc: ComputeService, flavorid: string, project: string): Promise<string[]> {
  const row = await getFlavor(svc, null, flavorid);
  const r = await svc.db.deleteFrom('flavor_projects').where('flavor_id', '=', row.id).where('project_id', '=', project).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound(`Flavor access not found for ${flavorid} / ${project} combination.`);
  return row.is_public ? [] : flavorAccess(svc, flavorid);
}

export async function extraSpecsOf(svc: ComputeService, flavorIds: number[]): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>(flavorIds.map((id) => [id, {}]));
  if (flavorIds.length === 0) return out;
  for (const r of await svc.db.selectFrom('flavor_extra_specs').selectAll().where('flavor_id', 'in', flavorIds).orderBy('key').execute()) {
    out.get(r.flavor_id)![r.key] = r.value;
  }
  return out;
}

/** Adds or replaces extra specs (POST merges, PUT of one key replaces it). */
export async function setExtraSpecs(svc: ComputeService, flavor: FlavorRow, specs: Record<string, string>): Promise<void> {
  await svc.db.transaction().execute(async (tx) => {
    const keys = Object.keys(specs);
    if (keys.length === 0) return;
    await tx.deleteFrom('flavor_extra_specs').where('flavor_id', '=', flavor.id).where('key', 'in', keys).execute();
    await tx.insertInto('flavor_extra_specs').values(keys.map((key) => ({ flavor_id: flavor.id, key, value: specs[key]! }))).execute();
  });
}

export async function deleteExtraSpec(svc: ComputeService, flavor: FlavorRow, key: string): Promise<void> {
  const r = await svc.db.deleteFrom('flavor_extra_specs').where('flavor_id', '=', flavor.id).where('key', '=', key).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound(`Flavor ${flavor.flavorid} has no extra specs with key ${key}.`);
}
