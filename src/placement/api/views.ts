import type { ApiVersion } from '../../core/http/microversion.js';
import type { InventoryRow, ProviderRow } from '../db/schema.js';

export function providerPath(uuid: string): string {
  return `/resource_providers/${uuid}`;
}

/** A provider as GET /resource_providers/{uuid} shows it at this microversion. */
export function providerView(row: ProviderRow, v: ApiVersion): Record<string, unknown> {
  const self = providerPath(row.uuid);
  const rels = ['inventories', 'usages'];
  if (v.atLeast('1.1')) rels.push('aggregates');
  if (v.atLeast('1.6')) rels.push('traits');
  if (v.atLeast('1.11')) rels.push('allocations');
  const view: Record<string, unknown> = {
    uuid: row.uuid, name: row.name, generation: row.generation,
    links: [{ rel: 'self', href: self }, ...rels.map((rel) => ({ rel, href: `${self}/${rel}` }))],
  };
  if (v.atLeast('1.14')) {
    view.parent_provider_uuid = row.parent_uuid;
    view.root_provider_uuid = row.root_uuid;
  }
  return view;
}

export function inventoryView(row: InventoryRow): Record<string, number> {
  return {
    total: row.total, reserved: row.reserved, min_unit: row.min_unit, max_unit: row.max_unit,
    step_size: row.step_size, allocation_ratio: row.allocation_ratio,
  };
}

export function resourceClassView(name: string): Record<string, unknown> {
  return { name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] };
}

/** Map<string, Map<string, number>> -> plain nested objects. */
export function amounts(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries(m);
}
