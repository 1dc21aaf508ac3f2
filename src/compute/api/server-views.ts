import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { InstanceRow } from '../db/schema.js';
import { diskConfigOf, flavorOf, networkInfoOf } from '../domain/instance-model.js';
import { statusOf } from '../domain/states.js';
import type { ComputeService } from '../service.js';
import { resourceLinks } from './links.js';
import { novaTime } from './services.js';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** What a detailed server view needs besides the instance row, loaded once per page. */
export interface ServerExtras {
  metadata: Map<string, Record<string, string>>;
  tags: Map<string, string[]>;
  faults: Map<string, { code: number; message: string; details: string; created_at: string }>;
  /** The server group each server is in (2.71). */
  groups: Map<string, string>;
}

/** Nova's hostId: a per-project hash of the host, so users can tell co-located servers apart without seeing hosts. */
export function hostIdOf(row: InstanceRow): string {
  return row.host ? createHash('sha224').update(`${row.project_id}${row.host}`).digest('hex') : '';
}

/** Addresses by network name; the core view (update, rebuild) leaves out the OS-EXT-IPS fields. */
function addresses(row: InstanceRow, extended = true): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const vif of networkInfoOf(row)) {
    const list = (out[vif.networkName] ??= []);
    for (const ip of vif.ips) {
      list.push(extended ? { version: ip.version, addr: ip.address, 'OS-EXT-IPS:type': ip.type, 'OS-EXT-IPS-MAC:mac_addr': vif.macAddress } : { version: ip.version, addr: ip.address });
    }
  }
  return out;
}

export function serverSummary(request: FastifyRequest, row: InstanceRow): Record<string, unknown> {
  return { id: row.uuid, name: row.display_name, links: resourceLinks(request, 'servers', row.uuid) };
}

/** GET /servers/{id} as Nova shows it at the request's microversion and to this caller. */
export function serverView(svc: ComputeService, request: FastifyRequest, row: InstanceRow, extras: ServerExtras, admin: boolean, basic = false): Record<string, unknown> {
  const v = request.apiVersion;
  const flavor = flavorOf(row);
  const status = statusOf(row.vm_state, row.task_state);
  const view: Record<string, unknown> = {
    id: row.uuid, name: row.display_name, status, tenant_id: row.project_id, user_id: row.user_id,
    metadata: extras.metadata.get(row.uuid) ?? {}, hostId: hostIdOf(row),
    image: row.image_ref ? { id: row.image_ref, links: [{ rel: 'bookmark', href: resourceLinks(request, 'images', row.image_ref)[1]!.href }] } : '',
    flavor: v.atLeast('2.47')
      ? { vcpus: flavor.vcpus, ram: flavor.memory_mb, disk: flavor.root_gb, ephemeral: flavor.ephemeral_gb, swap: flavor.swap, original_name: flavor.name, extra_specs: flavor.extra_specs }
      : { id: flavor.flavorid, links: [{ rel: 'bookmark', href: resourceLinks(request, 'flavors', flavor.flavorid)[1]!.href }] },
    created: row.created_at.replace(/\.\d{3}Z$/, 'Z'), updated: (row.updated_at ?? row.created_at).replace(/\.\d{3}Z$/, 'Z'),
    addresses: addresses(row, !basic), accessIPv4: row.access_ip_v4 ?? '', accessIPv6: row.access_ip_v6 ?? '',
    links: resourceLinks(request, 'servers', row.uuid), 'OS-DCF:diskConfig': diskConfigOf(row),
  };
  // Nova shows progress only while it means something.
  if (PROGRESS_STATUSES.has(status)) view.progress = row.progress;
  if (basic) {
    // PUT and rebuild answered with the core view only until 2.75.
    if (v.atLeast('2.9')) view.locked = row.locked_by !== null;
    if (v.atLeast('2.19')) view.description = row.display_description;
    if (v.atLeast('2.26')) view.tags = extras.tags.get(row.uuid) ?? [];
    if (v.atLeast('2.73')) view.locked_reason = null;
    return view;
  }
  const groups = JSON.parse(row.security_groups) as string[];
  Object.assign(view, {
    'OS-EXT-AZ:availability_zone': row.host ? (row.availability_zone ?? svc.settings.defaultAvailabilityZone) : '',
    config_drive: row.config_drive ? 'True' : '', key_name: row.key_name,
    'OS-SRV-USG:launched_at': novaTime(row.launched_at), 'OS-SRV-USG:terminated_at': novaTime(row.terminated_at),
    'OS-EXT-STS:task_state': row.task_state, 'OS-EXT-STS:vm_state': row.vm_state, 'OS-EXT-STS:power_state': row.power_state,
    'os-extended-volumes:volumes_attached': [],
  });
  // A server without groups shows none at all, as Nova leaves the key out.
  if (groups.length > 0) view.security_groups = groups.map((name) => ({ name }));
  if (admin) {
    Object.assign(view, { 'OS-EXT-SRV-ATTR:host': row.host, 'OS-EXT-SRV-ATTR:hypervisor_hostname': row.node, 'OS-EXT-SRV-ATTR:instance_name': `instance-${row.id.toString(16).padStart(8, '0')}` });
    if (v.atLeast('2.3')) {
      Object.assign(view, {
        'OS-EXT-SRV-ATTR:hostname': row.hostname, 'OS-EXT-SRV-ATTR:reservation_id': row.reservation_id, 'OS-EXT-SRV-ATTR:launch_index': row.launch_index,
        'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '', 'OS-EXT-SRV-ATTR:root_device_name': row.root_device_name, 'OS-EXT-SRV-ATTR:user_data': row.user_data,
      });
    }
  } else if (v.atLeast('2.90')) {
    view['OS-EXT-SRV-ATTR:hostname'] = row.hostname;
  }
  if (v.atLeast('2.9')) view.locked = row.locked_by !== null;
  if (v.atLeast('2.19')) view.description = row.display_description;
  if (v.atLeast('2.26')) view.tags = extras.tags.get(row.uuid) ?? [];
  if (v.atLeast('2.63')) view.trusted_image_certificates = null;
  if (v.atLeast('2.71')) view.server_groups = extras.groups.has(row.uuid) ? [extras.groups.get(row.uuid)] : [];
  if (v.atLeast('2.73')) view.locked_reason = null;
  const fault = extras.faults.get(row.uuid);
  if (fault && (row.vm_state === 'error' || status === 'ERROR')) {
    view.fault = { code: fault.code, created: fault.created_at.replace(/\.\d{3}Z$/, 'Z'), message: fault.message, ...(admin ? { details: fault.details } : {}) };
  }
  return view;
}
