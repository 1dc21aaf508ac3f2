import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Conntrack zones, one per network, kept on disk: a restarted agent must give each
 * network the zone its live connections are tracked in, or their next packets would
 * look new and meet the filters as strangers.
 */
export class ZoneBook {
  private readonly zones: Map<string, number>;

  constructor(private readonly file: string) {
    let saved: Record<string, number> = {};
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      // No book yet (first start) or an unreadable one: zones are handed out afresh.
    }
    this.zones = new Map(Object.entries(saved).filter(([, z]) => Number.isInteger(z) && z > 0 && z < 65536));
  }

  zoneOf(networkId: string): number {
    const known = this.zones.get(networkId);
    if (known !== undefined) return known;
    const used = new Set(this.zones.values());
    let zone = 1;
    while (used.has(zone)) zone++;
    if (zone > 65535) throw new Error('no conntrack zone left on this host');
    this.zones.set(networkId, zone);
    this.save();
    return zone;
  }

  /** Forgets networks no longer on this host. */
  keepOnly(networkIds: ReadonlySet<string>): void {
    let changed = false;
    for (const id of [...this.zones.keys()]) if (!networkIds.has(id)) { this.zones.delete(id); changed = true; }
    if (changed) this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(this.zones)));
    renameSync(temp, this.file);
  }
}
