import { sql } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { PlacementService } from '../service.js';

/** os-resource-classes' standard classes, in their canonical order. */
export const STANDARD_RESOURCE_CLASSES: readonly string[] = [
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD', 'NUMA_MEMORY_MB',
  'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC', 'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU',
  'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU', 'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
  'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
];
const STANDARD = new Set(STANDARD_RESOURCE_CLASSES);

/** The form of a custom class name (the API schemas' pattern). */
export const CUSTOM_CLASS_PATTERN = /^CUSTOM_[A-Z0-9_]+$/;

export function isStandardClass(name: string): boolean {
  return STANDARD.has(name);
}

/** Names among `names` that are neither standard nor existing custom classes. */
export async function unknownClasses(svc: PlacementService, names: Iterable<string>): Promise<string[]> {
  return svc.customClasses.missing([...names].filter((n) => !STANDARD.has(n)));
}

/** Raises 400 "No such resource class X." style errors through `wrap` when a class is unknown. */
export async function requireClasses(svc: PlacementService, names: Iterable<string>, wrap: (err: string) => string): Promise<void> {
  const unknown = await unknownClasses(svc, names);
  if (unknown.length > 0) throw badRequest(wrap(`No such resource class ${unknown[0]}.`));
}

export async function listClasses(svc: PlacementService): Promise<string[]> {
  const custom = await svc.db.selectFrom('resource_classes').select('name').orderBy('name').execute();
  return [...STANDARD_RESOURCE_CLASSES, ...custom.map((r) => r.name)];
}

export async function showClass(svc: PlacementService, name: string): Promise<string> {
  if ((await unknownClasses(svc, [name])).length > 0) throw notFound(`No such resource class ${name}.`);
  return name;
}

/** Creates a custom class; false when it existed already (and `idempotent`). */
export async function createClass(svc: PlacementService, name: string, idempotent: boolean): Promise<boolean> {
  if (STANDARD.has(name)) {
    if (idempotent) return false;
    throw conflict(`Conflicting resource class already exists: ${name}`);
  }
  const now = svc.now();
  try {
    await svc.db.insertInto('resource_classes').values({ name, created_at: now, updated_at: now }).execute();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    if (idempotent) return false;
    throw conflict(`Conflicting resource class already exists: ${name}`);
  }
  svc.customClasses.add(name);
  return true;
}

/** Renames a custom class (microversions 1.2 to 1.6). */
export async function renameClass(svc: PlacementService, name: string, to: string): Promise<void> {
  if (STANDARD.has(name)) throw badRequest(`Cannot update standard resource class ${name}`);
  if (STANDARD.has(to)) throw conflict(`Resource class already exists: ${to}`);
  await showClass(svc, name);
  try {
    await svc.db.transaction().execute(async (tx) => {
      await tx.updateTable('resource_classes').set({ name: to, updated_at: svc.now() }).where('name', '=', name).execute();
      await tx.updateTable('inventories').set({ resource_class: to }).where('resource_class', '=', name).execute();
      await tx.updateTable('allocations').set({ resource_class: to }).where('resource_class', '=', name).execute();
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Resource class already exists: ${to}`);
    throw e;
  }
  svc.customClasses.forget(name);
  svc.customClasses.add(to);
}

export async function deleteClass(svc: PlacementService, name: string): Promise<void> {
  if (STANDARD.has(name)) throw badRequest(`Cannot delete standard resource class ${name}.`);
  await showClass(svc, name);
  const used = await svc.db.selectFrom('inventories').select(sql<number>`1`.as('one')).where('resource_class', '=', name).limit(1).executeTakeFirst();
  if (used) throw conflict(`Unable to delete resource class ${name}. The resource class is in use in inventory.`);
  await svc.db.deleteFrom('resource_classes').where('name', '=', name).execute();
  svc.customClasses.forget(name);
}
