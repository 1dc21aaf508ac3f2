import type { QuotaResource } from './db/quotas.js';

/** What the network service needs from its configuration, already resolved. */
export interface NetworkSettings {
  physnetMtu: number;
  /** null means lists are not capped. */
  paginationMaxLimit: number | null;
  tenantNetworkTypes: readonly string[];
  vniRanges: ReadonlyArray<{ min: number; max: number }>;
  /** Base MAC of generated port MACs (Neutron's base_mac). */
  baseMac: string;
  maxDnsNameservers: number;
  maxSubnetHostRoutes: number;
  maxFixedIpsPerPort: number;
  /** Seconds without a heartbeat after which an agent is down. */
  agentDownTime: number;
  /** Limits of projects without their own ([quotas] quota_<resource>); -1 is unlimited. */
  defaultQuotas: Readonly<Record<QuotaResource, number>>;
}
