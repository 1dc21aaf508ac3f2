import type { IdentityDb } from './store/db.js';
import { parseJson } from './store/db.js';
import { enabledServicesAndEndpoints } from './store/catalog.js';

export interface CatalogEntry {
  endpoints: Array<{ id: string; interface: string; region_id: string | null; url: string; region: string | null }>;
  id: string;
  type: string;
  name: string;
}

/** The service catalog put in tokens; rebuilt only after the catalog changes. */
export class CatalogBuilder {
  private cached: CatalogEntry[] | undefined;

  constructor(private readonly db: IdentityDb) {}

  invalidate(): void {
    this.cached = undefined;
  }

  async build(): Promise<CatalogEntry[]> {
    if (this.cached) return this.cached;
    const { services, endpoints } = await enabledServicesAndEndpoints(this.db);
    const entries: CatalogEntry[] = [];
    for (const service of services) {
      const mine = endpoints.filter((e) => e.service_id === service.id);
      entries.push({
        endpoints: mine.map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, url: e.url, region: e.region_id })),
        id: service.id,
        type: service.type,
        name: service.name ?? String(parseJson(service.extra)['name'] ?? ''),
      });
    }
    this.cached = entries;
    return entries;
  }
}
