import type { ComputeNodeRow, ServiceRow } from '../db/schema.js';
import type { ProviderSummary } from '../../placement/contract/client.js';

/** What filters and weighers know of one candidate host (Nova's HostState). */
export interface HostState {
  host: string;
  node: ComputeNodeRow;
  service: ServiceRow;
  up: boolean;
  availabilityZone: string;
  /** Metadata of each aggregate the host is in (AggregateInstanceExtraSpecsFilter). */
  aggregateMetadata: Array<Record<string, string>>;
  /** Placement's view of the node's capacity and usage. */
  summary: ProviderSummary;
  /** Instances on the host (for same/different host and group filters). */
  instances: Set<string>;
  /** The request's server group, for the soft (anti-)affinity weighers. */
  group?: { policy: string; hosts: Map<string, number> };
}

export function free(h: HostState, rc: string): number {
  const r = h.summary.resources[rc];
  return r ? r.capacity - r.used : 0;
}
