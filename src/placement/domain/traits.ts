import { sql } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import { STANDARD_TRAITS } from '../data/standard-traits.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { PlacementService } from '../service.js';
import { bumpGeneration, requireProvider } from './providers.js';

const STANDARD = new Set(STANDARD_TRAITS);
export const CUSTOM_TRAIT_PATTERN = /^CUSTOM_[A-Z0-9_]+$/;

export function isStandardTrait(name: string): boolean {
  return STANDARD.has(name);
}

/** Raises 400 "No such trait(s): A, B." unless every name is a known trait. */
export async function requireTraits(svc: PlacementService, names: Iterable<string>, wrap: (err: string) => string = (e) => e): Promise<void> {
  const unknown = await svc.customTraits.missing([...names].filter((n) => !STANDARD.has(n)));
  if (unknown.length > 0) throw badRequest(wrap(`No such trait(s): ${unknown.sort().join(', ')}.`));
}

export interface TraitFilter {
  /** `in:A,B` */
  names?: string[];
  /** `startswith:CUSTOM_` */
  prefix?: string;
  /** true: only traits some provider has; false: only traits no provider has. */
  associated?: boolean;
}

export async function listTraits(svc: PlacementService, filter: TraitFilter): Promise<string[]> {
  const custom = (await svc.db.selectFrom('traits').select('name').execute()).map((r) => r.name);
  let all = [...STANDARD_TRAITS, ...custom];
  if (filter.names) {
    const wanted = new Set(filter.names);
    all = all.filter((n) => wanted.has(n));
  }
  if (filter.prefix !== undefined) all = all.filter((n) => n.startsWith(filter.prefix!));
  if (filter.associated !== undefined) {
    const used = new Set((await svc.db.selectFrom('provider_traits').select('trait').distinct().execute()).map((r) => r.trait));
    all = all.filter((n) => used.has(n) === filter.associated);
  }
  return all.sort();
}

export async function traitExists(svc: PlacementService, name: string): Promise<boolean> {
  return STANDARD.has(name) || (await svc.customTraits.missing([name])).length === 0;
}

/** Creates a custom trait; false when it already existed (PUT is idempotent). */
export async function createTrait(svc: PlacementService, name: string): Promise<boolean> {
  if (!CUSTOM_TRAIT_PATTERN.test(name) || name.length > 255) {
    throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
  }
  try {
    await svc.db.insertInto('traits').values({ name, created_at: svc.now() }).execute();
  } catch (e) {
    if (isUniqueViolation(e)) return false;
    throw e;
  }
  svc.customTraits.add(name);
  return true;
}

export async function deleteTrait(svc: PlacementService, name: string): Promise<void> {
  if (STANDARD.has(name)) throw badRequest(`Cannot delete standard trait ${name}.`);
  if (!(await traitExists(svc, name))) throw notFound(`No such trait(s): ${name}.`);
  const used = await svc.db.selectFrom('provider_traits').select(sql<number>`1`.as('one')).where('trait', '=', name).limit(1).executeTakeFirst();
  if (used) throw conflict(`The trait ${name} is in use by a resource provider.`);
  await svc.db.deleteFrom('traits').where('name', '=', name).execute();
  svc.customTraits.forget(name);
}

export async function providerTraits(svc: PlacementService, uuid: string): Promise<{ traits: string[]; generation: number }> {
  const provider = await requireProvider(svc.db, uuid);
  const rows = await svc.db.selectFrom('provider_traits').select('trait').where('provider_uuid', '=', uuid).execute();
  return { traits: rows.map((r) => r.trait).sort(), generation: provider.generation };
}

/** Replaces a provider's traits if `generation` is still current; returns the new generation. */
export async function setProviderTraits(svc: PlacementService, uuid: string, traits: string[], generation: number): Promise<number> {
  await requireProvider(svc.db, uuid);
  await requireTraits(svc, traits);
  return svc.db.transaction().execute(async (tx) => {
    const next = await bumpGeneration(tx, uuid, generation, svc.now());
    await tx.deleteFrom('provider_traits').where('provider_uuid', '=', uuid).execute();
    const unique = [...new Set(traits)];
    if (unique.length > 0) await tx.insertInto('provider_traits').values(unique.map((trait) => ({ provider_uuid: uuid, trait }))).execute();
    return next;
  });
}

export async function clearProviderTraits(svc: PlacementService, uuid: string): Promise<void> {
  const provider = await requireProvider(svc.db, uuid);
  await svc.db.transaction().execute(async (tx) => {
    await bumpGeneration(tx, uuid, provider.generation, svc.now());
    await tx.deleteFrom('provider_traits').where('provider_uuid', '=', uuid).execute();
  });
}
