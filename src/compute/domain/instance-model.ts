import { badRequest } from '../errors.js';
import type { InstanceRow } from '../db/schema.js';

/** The flavor as recorded on the instance at boot (and swapped by resize). */
export interface FlavorSnapshot {
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  disabled: boolean;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

/** One entry of an instance's network cache: a port and what the API shows of it. */
export interface VifCacheEntry {
  portId: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  /** The network's MTU when the port was bound (older caches lack it). */
  mtu?: number;
  ips: Array<{ address: string; version: 4 | 6; type: 'fixed' | 'floating' }>;
  /** The user brought the port (networks: [{port}]): on delete it is unbound, not deleted. */
  preexisting: boolean;
}

/** What a server asked for: `auto`, `none`, or explicit networks, ports and addresses. */
export type RequestedNetworks = 'auto' | 'none' | Array<{ uuid?: string; port?: string; fixed_ip?: string; tag?: string }>;

export function flavorOf(row: Pick<InstanceRow, 'flavor'>): FlavorSnapshot {
  return JSON.parse(row.flavor) as FlavorSnapshot;
}

export function networkInfoOf(row: Pick<InstanceRow, 'network_info'>): VifCacheEntry[] {
  return JSON.parse(row.network_info) as VifCacheEntry[];
}

export function systemMetadataOf(row: Pick<InstanceRow, 'system_metadata'>): Record<string, string> {
  return JSON.parse(row.system_metadata) as Record<string, string>;
}

/** OS-DCF:diskConfig as the API shows it: AUTO when the instance asked for its root partition to be grown (kept in system metadata). */
export function diskConfigOf(row: Pick<InstanceRow, 'system_metadata'>): 'AUTO' | 'MANUAL' {
  return systemMetadataOf(row)['auto_disk_config'] === 'true' ? 'AUTO' : 'MANUAL';
}

/** The system metadata with the disk config set; AUTO is refused for images that disable it (auto_disk_config=disabled), as Nova does. */
export function withDiskConfig(sysmeta: Record<string, string>, config: 'AUTO' | 'MANUAL', imageProperties: Record<string, unknown>, imageId: string | null): Record<string, string> {
  if (config === 'AUTO' && String(imageProperties['auto_disk_config'] ?? '').toLowerCase() === 'disabled') {
    throw badRequest(`Requested image ${imageId} has automatic disk resize disabled.`);
  }
  return { ...sysmeta, auto_disk_config: config === 'AUTO' ? 'true' : 'false' };
}
