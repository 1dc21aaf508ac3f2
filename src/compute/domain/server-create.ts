import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../core/auth/index.js';
import { RemoteApiError } from '../../core/http/index.js';
import type { ImageInfo } from '../../image/contract/client.js';
import { CONDUCTOR_TOPIC } from '../rpc/contract.js';
import { badRequest, conflict, forbidden } from '../errors.js';
import type { ComputeService } from '../service.js';
import { flavorSnapshotOf, getFlavor } from './flavors.js';
import { startAction } from './instance-actions.js';
import { withDiskConfig, type FlavorSnapshot, type RequestedNetworks } from './instance-model.js';
import { getKeyPair } from './keypairs.js';
import { checkInjectedFiles, instancesThatFit, limitsFor, usageOf } from './quotas.js';
import { groupForBoot } from './server-groups.js';
import { knownZones } from './availability-zones.js';
import { TaskState, VmState } from './states.js';

export interface NewServer {
  name: string;
  imageRef: string | null;
  flavorRef: string;
  networks: RequestedNetworks;
  keyName: string | null;
  securityGroups: string[];
  userData: string | null;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  minCount: number;
  maxCount: number;
  configDrive: boolean;
  accessIPv4: string | null;
  accessIPv6: string | null;
  description: string | null;
  tags: string[];
  hostname: string | null;
  hints: Record<string, unknown>;
  adminPass: string | null;
  /** OS-DCF:diskConfig; MANUAL when not given. */
  diskConfig: 'AUTO' | 'MANUAL';
  /** Files to inject (personality, until 2.57): path and base64 contents; the config drive and metadata service carry them. */
  personality: Array<{ path: string; contents: string }>;
}

export interface CreatedServers {
  uuids: string[];
  reservationId: string;
  adminPass: string;
}

/** A new admin password as Nova makes one (12 characters, from a secure random source). */
export function generatePassword(): string {
  return randomBytes(9).toString('base64url').slice(0, 12);
}

/** The last path segment of an id-or-URL reference (imageRef, flavorRef may be links). */
const refId = (ref: string): string => ref.replace(/\/+$/, '').split('/').pop() ?? ref;

/** Nova's sanitize_hostname: lower case, [a-z0-9-] only, at most 63 characters. */
export function sanitizeHostname(name: string, fallback: string): string {
  const h = name.toLowerCase().replace(/[ _.]/g, '-').replace(/[^a-z0-9-]/g, '').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return h || fallback;
}

/**
 * POST /servers: checks everything a user can get wrong (flavor, image, key, networks,
 * ports, groups, zone, quota) before anything is recorded, then records the instances
 * in BUILD/scheduling and hands them to the conductor. Quota counting and the inserts
 * share a per-project lock, so parallel boots never exceed the quota.
 */
export async function createServers(svc: ComputeService, ctx: RequestContext, input: NewServer, requestId: string): Promise<CreatedServers> {
  const flavorRow = await getFlavor(svc, ctx, refId(input.flavorRef)).catch(() => { throw badRequest('Invalid flavorRef provided.'); });
  if (flavorRow.disabled) throw badRequest('Flavor is disabled.');
  const flavor = await flavorSnapshotOf(svc, flavorRow);
  const image = input.imageRef ? await checkImage(svc, ctx, refId(input.imageRef), flavor) : null;
  const key = input.keyName ? await getKeyPair(svc, ctx.userId, input.keyName).catch(() => { throw badRequest('Invalid key_name provided.'); }) : null;
  await checkNetworks(svc, ctx, input);
  const groupNames = await checkSecurityGroups(svc, ctx, input.securityGroups);
  const { zone, forcedHost } = await checkZone(svc, ctx, input.availabilityZone);
  const projectId = ctx.projectId ?? '';
  const limits = await limitsFor(svc, projectId, ctx.userId);
  if (limits.metadata_items >= 0 && Object.keys(input.metadata).length > limits.metadata_items) {
    throw forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(input.metadata).length}, but already used 0 of ${limits.metadata_items} metadata_items`);
  }
  const injected = checkInjectedFiles(limits, input.personality);
  const reservationId = `r-${randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 8)}`;
  const adminPass = input.adminPass ?? generatePassword();
  const imageProps = image ? Object.fromEntries(Object.entries(image).filter(([, v]) => typeof v === 'string')) : {};
  const sysmeta: Record<string, string> = withDiskConfig({}, input.diskConfig, imageProps, image?.id ?? null);
  if (image) sysmeta.image_properties = JSON.stringify(Object.fromEntries(Object.entries(image).filter(([, v]) => typeof v === 'string')));
  if (forcedHost) sysmeta.forced_host = forcedHost;
  if (injected.length > 0) sysmeta.injected_files = JSON.stringify(injected);
  const groupUuid = typeof input.hints.group === 'string' ? input.hints.group : null;
  const uuids = await svc.quotaLocks.run(projectId, async () => {
    const count = instancesThatFit(limits, await usageOf(svc, projectId), flavor, input.minCount, input.maxCount);
    if (groupUuid) await groupForBoot(svc, ctx, groupUuid, count);
    const now = svc.now();
    const made: string[] = [];
    await svc.db.transaction().execute(async (tx) => {
      for (let i = 0; i < count; i++) {
        const uuid = svc.ids.uuid();
        const name = count > 1 ? `${input.name}-${i + 1}` : input.name;
        await tx.insertInto('instances').values({
          uuid, project_id: projectId, user_id: ctx.userId, display_name: name, display_description: input.description,
          hostname: input.hostname && count === 1 ? input.hostname : sanitizeHostname(name, `server-${uuid}`), host: null, node: null,
          availability_zone: zone, vm_state: VmState.BUILDING, task_state: TaskState.SCHEDULING, power_state: 0, flavor: JSON.stringify(flavor),
          vcpus: flavor.vcpus, memory_mb: flavor.memory_mb, image_ref: image ? image.id : null, key_name: key?.name ?? null, key_data: key?.public_key ?? null,
          user_data: input.userData, config_drive: input.configDrive ? 1 : 0, access_ip_v4: input.accessIPv4, access_ip_v6: input.accessIPv6, locked_by: null,
          reservation_id: reservationId, launch_index: i, launched_at: null, terminated_at: null, progress: 0, root_device_name: '/dev/vda',
          security_groups: JSON.stringify([...new Set(groupNames)]), requested_networks: JSON.stringify(input.networks),
          network_info: '[]', system_metadata: JSON.stringify(sysmeta), scheduler_hints: JSON.stringify(input.hints), created_at: now, updated_at: now, deleted_at: null,
        }).execute();
        const meta = Object.entries(input.metadata);
        if (meta.length) await tx.insertInto('instance_metadata').values(meta.map(([key, value]) => ({ instance_uuid: uuid, key, value }))).execute();
        if (groupUuid) await tx.insertInto('server_group_members').values({ group_uuid: groupUuid, instance_uuid: uuid }).execute();
        if (input.tags.length) await tx.insertInto('instance_tags').values([...new Set(input.tags)].map((tag) => ({ instance_uuid: uuid, tag }))).execute();
        made.push(uuid);
      }
    });
    return made;
  });
  for (const uuid of uuids) await startAction(svc, uuid, 'create', { requestId, userId: ctx.userId, projectId });
  await svc.bus.cast({ topic: CONDUCTOR_TOPIC }, 'build_instances', { uuids, request_id: requestId });
  return { uuids, reservationId, adminPass };
}

/** Nova's flavor-against-image checks (min_ram, min_disk, image size), for a boot and a resize. */
export function checkImageFitsFlavor(image: Pick<ImageInfo, 'min_ram' | 'min_disk' | 'size'>, flavor: FlavorSnapshot): void {
  if ((image.min_ram ?? 0) > flavor.memory_mb) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0) {
    if ((image.min_disk ?? 0) > flavor.root_gb) {
      throw badRequest(`Flavor's disk is too small for requested image. Flavor disk is ${flavor.root_gb * 1024 ** 3} bytes, minimum required by the image is ${image.min_disk * 1024 ** 3} bytes.`);
    }
    if ((image.size ?? 0) > flavor.root_gb * 1024 ** 3) {
      throw badRequest(`Flavor's disk is too small for requested image. Flavor disk is ${flavor.root_gb * 1024 ** 3} bytes, image is ${image.size} bytes.`);
    }
  }
}

async function checkImage(svc: ComputeService, ctx: RequestContext, id: string, flavor: FlavorSnapshot): Promise<ImageInfo> {
  let image: ImageInfo;
  try {
    image = await svc.clients.image(ctx.token).image(id);
  } catch (e) {
    if (e instanceof RemoteApiError && e.status === 404) throw badRequest(`Image ${id} could not be found.`);
    throw e;
  }
  if (image.status !== 'active') throw badRequest(`Image ${id} is not active.`);
  checkImageFitsFlavor(image, flavor);
  return image;
}

async function checkNetworks(svc: ComputeService, ctx: RequestContext, input: NewServer): Promise<void> {
  const net = svc.clients.network(ctx.token);
  if (input.networks === 'none') return;
  if (input.networks === 'auto') {
    if ((await net.autoNetworks(ctx.projectId ?? '')).length > 1) throw conflict('Multiple possible networks found, use a Network ID to be more specific.');
    return;
  }
  for (const entry of input.networks) {
    if (entry.port) {
      if (input.maxCount > 1) throw badRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
      const port = await net.port(entry.port).catch((e: unknown) => {
        if (e instanceof RemoteApiError && e.status === 404) throw badRequest(`Port ${entry.port} could not be found.`);
        throw e;
      });
      if (port.device_id) throw conflict(`Port ${entry.port} is still in use.`);
    } else if (entry.uuid) {
      await net.network(entry.uuid).catch((e: unknown) => {
        if (e instanceof RemoteApiError && e.status === 404) throw badRequest(`Network ${entry.uuid} could not be found.`);
        throw e;
      });
    }
  }
}

/** The requested groups (by name or id) as names, which is how servers show them; 400 for one that does not exist. */
async function checkSecurityGroups(svc: ComputeService, ctx: RequestContext, names: string[]): Promise<string[]> {
  if (names.length === 0) return ['default'];
  const groups = await svc.clients.network(ctx.token).securityGroups({ tenant_id: ctx.projectId ?? '' });
  return names.map((name) => {
    const group = groups.find((g) => g.id === name) ?? groups.find((g) => g.name === name);
    if (!group) throw badRequest(`Security group ${name} not found for project ${ctx.projectId}.`);
    return group.name;
  });
}

/** `zone`, `zone:host` or `zone::node`; forcing a host is for admins (policy servers:create:forced_host). */
async function checkZone(svc: ComputeService, ctx: RequestContext, text: string | null): Promise<{ zone: string | null; forcedHost: string | null }> {
  if (!text) return { zone: null, forcedHost: null };
  const [zone, host, node] = text.split(':');
  const forced = host || node || null;
  if (forced) svc.authorize(ctx, 'os_compute_api:servers:create:forced_host');
  const zones = await knownZones(svc);
  if (zone && !zones.has(zone)) throw badRequest('The requested availability zone is not available');
  return { zone: zone || null, forcedHost: host || null };
}
