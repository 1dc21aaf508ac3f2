import { free, type HostState } from './host-state.js';

/** One weigher: raw weight per host (higher is better) and its multiplier, as Nova's weighers. */
export interface HostWeigher {
  name: string;
  multiplier: number;
  weigh(host: HostState): number;
}

/** Spread by free memory, disk and CPU (Nova's RAMWeigher, DiskWeigher, CPUWeigher with multiplier 1.0), away from failing hosts. */
export const DEFAULT_WEIGHERS: readonly HostWeigher[] = [
  // soft-(anti-)affinity groups: members prefer (avoid) the hosts other members run on.
  { name: 'ServerGroupSoftAffinityWeigher', multiplier: 1.0, weigh: (h) => (h.group?.policy === 'soft-affinity' ? h.group.hosts.get(h.host) ?? 0 : 0) },
  { name: 'ServerGroupSoftAntiAffinityWeigher', multiplier: 1.0, weigh: (h) => (h.group?.policy === 'soft-anti-affinity' ? -(h.group.hosts.get(h.host) ?? 0) : 0) },
  { name: 'RAMWeigher', multiplier: 1.0, weigh: (h) => free(h, 'MEMORY_MB') },
  { name: 'DiskWeigher', multiplier: 1.0, weigh: (h) => free(h, 'DISK_GB') },
  { name: 'CPUWeigher', multiplier: 1.0, weigh: (h) => free(h, 'VCPU') },
  // Hosts whose recent builds failed go last, whatever their free room (Nova's build_failure_weight_multiplier).
  { name: 'BuildFailureWeigher', multiplier: 1_000_000, weigh: (h) => -h.node.failed_builds },
];

/**
 * Orders hosts best first: each weigher's raw weights are normalised to 0..1 across
 * the hosts, multiplied and summed, as nova.weights.BaseWeightHandler does.
 */
export function weighHosts(hosts: HostState[], weighers: readonly HostWeigher[] = DEFAULT_WEIGHERS): HostState[] {
  const total = new Map<HostState, number>(hosts.map((h) => [h, 0]));
  for (const w of weighers) {
    const raw = hosts.map((h) => w.weigh(h));
    const min = Math.min(...raw);
    const max = Math.max(...raw);
    hosts.forEach((h, i) => total.set(h, total.get(h)! + w.multiplier * (max === min ? 0 : (raw[i]! - min) / (max - min))));
  }
  return [...hosts].sort((a, b) => total.get(b)! - total.get(a)!);
}
