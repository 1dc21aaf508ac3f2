import type { ProviderRow } from '../db/schema.js';
import type { PlacementService } from '../service.js';
import { fits } from './capacity.js';
import { aggregatesMatch, loadProviderFacts, NO_AGGREGATES, NO_TRAITS, traitsMatch, type AggregateQuery, type TraitQuery } from './provider-facts.js';

/** GET /resource_providers filters. */
export interface ProviderFilter {
  uuid?: string;
  name?: string;
  inTree?: string;
  memberOf?: AggregateQuery;
  traits?: TraitQuery;
  /** Providers with room for each amount (1.4). */
  resources?: Map<string, number>;
}

export async function listProviders(svc: PlacementService, filter: ProviderFilter): Promise<ProviderRow[]> {
  const facts = await loadProviderFacts(svc.db, filter.resources ? { classes: [...filter.resources.keys()] } : {});
  const treeRoot = filter.inTree !== undefined ? facts.get(filter.inTree)?.row.root_uuid ?? null : undefined;
  const out: ProviderRow[] = [];
  for (const f of facts.values()) {
    if (filter.uuid !== undefined && f.row.uuid !== filter.uuid) continue;
    if (filter.name !== undefined && f.row.name !== filter.name) continue;
    if (treeRoot !== undefined && f.row.root_uuid !== treeRoot) continue;
    if (!aggregatesMatch(f.aggregates, filter.memberOf ?? NO_AGGREGATES)) continue;
    if (!traitsMatch(f.traits, filter.traits ?? NO_TRAITS)) continue;
    if (filter.resources && ![...filter.resources].every(([rc, n]) => {
      const inv = f.inventories.get(rc);
      return inv !== undefined && fits(inv, f.usage.get(rc) ?? 0, n);
    })) continue;
    out.push(f.row);
  }
  return out;
}
