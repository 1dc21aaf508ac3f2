import { chain, dropTable } from './nft.js';

/**
 * Keeps external networks' bridges off the host's real uplinks: the host carries an
 * address on an external bridge (so it reaches floating IPs), and a host that forwards
 * packets (Docker does switch forwarding on) would otherwise route tenant traffic out of
 * its real interfaces. Traffic bridged within an external bridge passes; anything
 * routed between it and any other interface is dropped. No bridges: no table.
 */
export function externalGuardScript(table: string, bridges: readonly string[]): string {
  const lines = [...dropTable('inet', table)];
  if (bridges.length > 0) {
    const rules = bridges.flatMap((b) => [`iifname "${b}" oifname != "${b}" drop`, `oifname "${b}" iifname != "${b}" drop`]);
    lines.push(`table inet ${table} {`, ...chain('forward', rules, 'type filter hook forward priority -10; policy accept;'), '}');
  }
  return [...lines, ''].join('\n');
}
