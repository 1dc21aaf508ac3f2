import type { InstanceRow } from '../db/schema.js';
import { flavorOf, networkInfoOf, systemMetadataOf, type FlavorSnapshot } from '../domain/instance-model.js';
import { aggregateZones } from '../domain/availability-zones.js';
import { metadataOf } from '../domain/instances.js';
import type { ComputeService } from '../service.js';
import { passwordOf } from './password.js';
import type { MetadataSource } from './source.js';

/** What the compute database says of an instance: its metadata source but for its ports. */
export interface InstanceFacts {
  source: Omit<MetadataSource, 'vifs'>;
  /** Port ids in attach order, from the instance's network cache. */
  portOrder: string[];
}

/** A live instance's facts; null when there is no such instance or it is deleted (deleted instances are not served). */
export async function readInstanceFacts(svc: ComputeService, uuid: string, dhcpDomain: string | null): Promise<InstanceFacts | null> {
  const row = await svc.db.selectFrom('instances').selectAll().where('uuid', '=', uuid).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  const flavor = flavorOf(row);
  const cache = networkInfoOf(row);
  return {
    source: {
      uuid: row.uuid,
      ec2InstanceId: `i-${hex8(row.id)}`,
      // Nova numbers images in a table of its own; the image id's first 8 hex digits are as stable.
      ec2ImageId: row.image_ref ? `ami-${row.image_ref.replace(/-/g, '').slice(0, 8)}` : null,
      name: row.display_name,
      hostname: dhcpDomain ? `${row.hostname}.${dhcpDomain}` : row.hostname,
      launchIndex: row.launch_index,
      availabilityZone: await zoneOf(svc, row),
      projectId: row.project_id,
      reservationId: row.reservation_id,
      flavorName: flavor.name,
      blockDeviceMapping: blockDeviceMapping(row.root_device_name, flavor),
      securityGroups: JSON.parse(row.security_groups) as string[],
      meta: (await metadataOf(svc, [uuid])).get(uuid) ?? {},
      userData: row.user_data === null ? null : Buffer.from(row.user_data, 'base64'),
      key: await keyOf(svc, row),
      password: passwordOf(systemMetadataOf(row)),
      injectedFiles: (JSON.parse(systemMetadataOf(row)['injected_files'] ?? '[]') as Array<{ path: string; contents: string }>)
        .map((f) => ({ path: f.path, contents: Buffer.from(f.contents, 'base64') })),
      floatingIps: cache.flatMap((vif) => vif.ips.filter((ip) => ip.type === 'floating').map((ip) => ip.address)),
    },
    portOrder: cache.map((vif) => vif.portId),
  };
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * The zone asked for at boot, else that of the host it runs on (Nova records the host's
 * zone on the instance when it is scheduled; here it is derived the same way the API
 * shows it); null before it is scheduled.
 */
async function zoneOf(svc: ComputeService, row: InstanceRow): Promise<string | null> {
  if (row.availability_zone || !row.host) return row.availability_zone;
  return (await aggregateZones(svc)).get(row.host) ?? svc.settings.defaultAvailabilityZone;
}

/**
 * The key pair as recorded at boot (the instance keeps its own copy of the public key,
 * so deleting the key pair later changes nothing); its type from the key pair if it
 * still exists, else ssh.
 */
async function keyOf(svc: ComputeService, row: InstanceRow): Promise<MetadataSource['key']> {
  if (!row.key_name || !row.key_data) return null;
  const pair = await svc.db.selectFrom('key_pairs').select(['type', 'public_key']).where('user_id', '=', row.user_id).where('name', '=', row.key_name).executeTakeFirst();
  return { name: row.key_name, type: pair && pair.public_key === row.key_data ? pair.type : 'ssh', publicKey: row.key_data };
}

/**
 * EC2's block-device-mapping (Nova's instance_block_mapping): the root disk, and the
 * flavor's ephemeral and swap disks on the next virtio devices as the libvirt driver
 * names them. No root device name: Nova's legacy defaults.
 */
export function blockDeviceMapping(rootDevice: string | null, flavor: Pick<FlavorSnapshot, 'ephemeral_gb' | 'swap'>): Record<string, string> {
  if (!rootDevice) return { ami: 'sda1', ephemeral0: 'sda2', root: '/dev/sda1', swap: 'sda3' };
  const mapping: Record<string, string> = { ami: rootDevice.replace(/^\/dev\//, ''), root: rootDevice };
  const prefix = rootDevice.replace(/[a-z]$/, '');
  let letter = rootDevice.charCodeAt(rootDevice.length - 1);
  if (flavor.ephemeral_gb > 0) mapping.ephemeral0 = prefix + String.fromCharCode(++letter);
  if (flavor.swap > 0) mapping.swap = prefix + String.fromCharCode(++letter);
  return mapping;
}
