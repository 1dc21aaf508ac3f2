import type { InstanceRow } from '../db/schema.js';
import { tapName, type InstanceSpec, type VifInfo } from '../virt/driver.js';
import { networkInfoOf, systemMetadataOf, type FlavorSnapshot } from './instance-model.js';

/**
 * What a driver needs to (re)create an instance's guest, from its record and a flavor
 * (the current one, or the new one of a resize). Agents have no database, so the
 * conductor and API send them this.
 */
export function instanceSpecOf(row: InstanceRow, flavor: FlavorSnapshot, meta: Record<string, string> = {}): InstanceSpec {
  const sysmeta = systemMetadataOf(row);
  return {
    uuid: row.uuid, name: row.display_name, hostname: row.hostname, vcpus: flavor.vcpus, memoryMb: flavor.memory_mb, rootGb: flavor.root_gb,
    ephemeralGb: flavor.ephemeral_gb, swapMb: flavor.swap, extraSpecs: flavor.extra_specs, imageId: row.image_ref,
    imageProperties: JSON.parse(sysmeta['image_properties'] ?? '{}') as Record<string, string>, userData: row.user_data, keyData: row.key_data,
    configDrive: row.config_drive === 1, metadata: { uuid: row.uuid, name: row.display_name, meta },
  };
}

/** The instance's ports as the driver plugs them, from its network cache. */
export function vifsOf(row: Pick<InstanceRow, 'network_info'>): VifInfo[] {
  return networkInfoOf(row).map((p) => ({
    portId: p.portId, macAddress: p.macAddress, networkId: p.networkId, devname: tapName(p.portId), mtu: p.mtu ?? 1500, fixedIps: p.ips.map((i) => i.address),
  }));
}
