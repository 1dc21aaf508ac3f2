import type { RequestContext } from '../../core/auth/index.js';
import { deleteSubnetPoolRow, getSubnetPool, insertSubnetPool, listSubnetPools, poolAllocations, updateSubnetPoolRow } from '../db/subnet-pools.js';
import { badRequest, invalidInput, inUse, NeutronError, notFound } from '../errors.js';
import { bitsOf, formatCidr, parseCidr, type Cidr } from '../../core/net/address.js';
import { cidrCovers, firstFreePrefix, mergeCidrs } from '../ipam/prefixes.js';
import type { SubnetPool } from '../model.js';
import type { NetworkService } from '../service.js';
import { checkBools, checkStrings, ownerOf, rejectUnknown, toBool, type Body } from './attributes.js';
import { withinQuota } from './quotas.js';
import { subnetCidr } from './subnet-rules.js';

export const poolNotFound = (id: string): NeutronError => notFound('SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
const poolTarget = (p: Pick<SubnetPool, 'id' | 'projectId' | 'shared'>): Record<string, unknown> =>
  ({ id: p.id, tenant_id: p.projectId, project_id: p.projectId, shared: p.shared });

const CREATE = new Set(['name', 'description', 'prefixes', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'shared', 'is_default',
  'default_quota', 'address_scope_id', 'tenant_id', 'project_id']);
const UPDATE = new Set(['name', 'description', 'prefixes', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen', 'is_default', 'default_quota', 'address_scope_id']);

function prefixList(value: unknown): Cidr[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidInput('prefixes must be a non-empty list of CIDRs');
  const cidrs = value.map(subnetCidr);
  if (new Set(cidrs.map((c) => c.version)).size > 1) throw new NeutronError(400, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
  return mergeCidrs(cidrs);
}

function prefixLength(value: unknown, name: string, bits: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > bits) throw invalidInput(`'${String(value)}' is not a valid ${name}`);
  return n as number;
}

/** Neutron's prefix bounds: min <= default <= max. */
function checkBounds(pool: SubnetPool): void {
  const { minPrefixlen: min, defaultPrefixlen: def, maxPrefixlen: max } = pool;
  if (min > max) throw new NeutronError(400, 'IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: min_prefixlen=${min}, max_prefixlen=${max}.`);
  if (def < min) throw new NeutronError(400, 'IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: default_prefixlen=${def}, min_prefixlen=${min}.`);
  if (def > max) throw new NeutronError(400, 'IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: default_prefixlen=${def}, max_prefixlen=${max}.`);
}

function applyLengths(pool: SubnetPool, body: Body): void {
  const bits = bitsOf(pool.ipVersion);
  const min = prefixLength(body['min_prefixlen'], 'min_prefixlen', bits);
  const max = prefixLength(body['max_prefixlen'], 'max_prefixlen', bits);
  const def = prefixLength(body['default_prefixlen'], 'default_prefixlen', bits);
  if (min !== undefined) pool.minPrefixlen = min;
  if (max !== undefined) pool.maxPrefixlen = max;
  if (def !== undefined) pool.defaultPrefixlen = def;
  else if (min !== undefined && pool.defaultPrefixlen < min) pool.defaultPrefixlen = min;
  checkBounds(pool);
}

async function checkSingleDefault(svc: NetworkService, pool: SubnetPool): Promise<void> {
  if (!pool.isDefault) return;
  const other = (await listSubnetPools(svc.db)).find((p) => p.isDefault && p.ipVersion === pool.ipVersion && p.id !== pool.id);
  if (other) throw badRequest('subnetpool', `A default subnetpool for this IP family has already been set. Only one default may exist per IP family`);
}

export async function createSubnetPool(svc: NetworkService, ctx: RequestContext, body: Body): Promise<SubnetPool> {
  rejectUnknown(body, CREATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['shared', 'is_default']);
  if (body['address_scope_id'] !== undefined && body['address_scope_id'] !== null) throw badRequest('subnetpool', 'Address scopes are not implemented by this cloud');
  const prefixes = prefixList(body['prefixes']);
  const version = prefixes[0]!.version;
  const now = svc.clock.now();
  const pool: SubnetPool = {
    id: svc.ids.uuid(), projectId: ownerOf(body, ctx.projectId ?? null, svc.isAdmin(ctx)), name: (body['name'] as string | undefined) ?? '',
    description: (body['description'] as string | undefined) ?? '', ipVersion: version, prefixes: prefixes.map(formatCidr),
    // Neutron's defaults: any length from /8 (IPv4) or /64 (IPv6) down to a host, default the minimum.
    minPrefixlen: version === 4 ? 8 : 64, maxPrefixlen: bitsOf(version), defaultPrefixlen: version === 4 ? 8 : 64,
    shared: toBool(body['shared'], false), isDefault: toBool(body['is_default'], false),
    defaultQuota: (body['default_quota'] as number | null | undefined) ?? null, revisionNumber: 1, createdAt: now, updatedAt: now, tags: [],
  };
  applyLengths(pool, body);
  svc.authorize(ctx, 'create_subnetpool', poolTarget(pool));
  if (body['shared'] !== undefined) svc.authorize(ctx, 'create_subnetpool:shared', poolTarget(pool));
  if (body['is_default'] !== undefined) svc.authorize(ctx, 'create_subnetpool:is_default', poolTarget(pool));
  await checkSingleDefault(svc, pool);
  return withinQuota(svc, pool.projectId, 'subnetpool', async () => {
    await insertSubnetPool(svc.db, pool);
    return pool;
  });
}

export async function visibleSubnetPool(svc: NetworkService, ctx: RequestContext, id: string): Promise<SubnetPool> {
  const p = await getSubnetPool(svc.db, id);
  if (!p || !svc.allowed(ctx, 'get_subnetpool', poolTarget(p))) throw poolNotFound(id);
  return p;
}

export async function visibleSubnetPools(svc: NetworkService, ctx: RequestContext): Promise<SubnetPool[]> {
  return (await listSubnetPools(svc.db)).filter((p) => svc.allowed(ctx, 'get_subnetpool', poolTarget(p)));
}

export async function updateSubnetPool(svc: NetworkService, ctx: RequestContext, id: string, body: Body): Promise<SubnetPool> {
  rejectUnknown(body, UPDATE);
  checkStrings(body, { name: 255, description: 255 });
  checkBools(body, ['is_default']);
  return svc.networkLocks.run(`pool:${id}`, async () => {
    const pool = await visibleSubnetPool(svc, ctx, id);
    svc.authorize(ctx, 'update_subnetpool', poolTarget(pool));
    if (body['is_default'] !== undefined) svc.authorize(ctx, 'update_subnetpool:is_default', poolTarget(pool));
    if (body['name'] !== undefined) pool.name = body['name'] as string;
    if (body['description'] !== undefined) pool.description = body['description'] as string;
    if (body['prefixes'] !== undefined) {
      const next = prefixList(body['prefixes']);
      if (next[0]!.version !== pool.ipVersion) throw new NeutronError(400, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
      // Prefixes may grow, never shrink: every old prefix must stay covered.
      const old = pool.prefixes.map((p) => parseCidr(p)!);
      if (!old.every((o) => next.some((n) => cidrCovers(n, o)))) {
        throw new NeutronError(400, 'IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes`);
      }
      pool.prefixes = next.map(formatCidr);
    }
    applyLengths(pool, body);
    if (body['is_default'] !== undefined) pool.isDefault = toBool(body['is_default'], false);
    await checkSingleDefault(svc, pool);
    pool.revisionNumber += 1;
    pool.updatedAt = svc.clock.now();
    await updateSubnetPoolRow(svc.db, pool);
    return pool;
  });
}

export async function deleteSubnetPool(svc: NetworkService, ctx: RequestContext, id: string): Promise<void> {
  const pool = await visibleSubnetPool(svc, ctx, id);
  svc.authorize(ctx, 'delete_subnetpool', poolTarget(pool));
  const outcome = await svc.networkLocks.run(`pool:${id}`, () => deleteSubnetPoolRow(svc.db, id));
  if (outcome === 'not-found') throw poolNotFound(id);
  if (outcome === 'in-use') throw inUse('SubnetPoolInUse', `Unable to complete operation on subnet pool ${id}. Subnet pool has existing allocations.`);
}

/** The pool a subnet request names (subnetpool_id, or use_default_subnetpool). */
export async function requestedPool(svc: NetworkService, ctx: RequestContext, body: Body, ipVersion: 4 | 6): Promise<SubnetPool | undefined> {
  const id = body['subnetpool_id'];
  if (id !== undefined && id !== null) {
    const pool = await visibleSubnetPool(svc, ctx, String(id));
    if (pool.ipVersion !== ipVersion) throw invalidInput(`Cannot allocate IPv${ipVersion} subnet from IPv${pool.ipVersion} subnet pool`);
    return pool;
  }
  if (toBool(body['use_default_subnetpool'], false)) {
    const pool = (await visibleSubnetPools(svc, ctx)).find((p) => p.isDefault && p.ipVersion === ipVersion);
    if (!pool) throw badRequest('subnets', `No default subnetpool found for IPv${ipVersion}`);
    return pool;
  }
  return undefined;
}

/**
 * Carves a cidr out of a pool: the requested one if it lies inside the pool and is
 * free, else the first free block of the requested (or default) prefix length. Call
 * under the pool's lock, with the insert that claims it.
 */
export async function carveCidr(svc: NetworkService, pool: SubnetPool, requested: Cidr | undefined, prefixlenValue: unknown): Promise<Cidr> {
  const prefixes = pool.prefixes.map((p) => parseCidr(p)!);
  const taken = (await poolAllocations(svc.db, pool.id)).map((c) => parseCidr(c)!);
  const prefixlen = requested?.prefixlen ?? prefixLength(prefixlenValue, 'prefixlen', bitsOf(pool.ipVersion)) ?? pool.defaultPrefixlen;
  if (prefixlen < pool.minPrefixlen || prefixlen > pool.maxPrefixlen) {
    throw new NeutronError(400, 'IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: prefixlen=${prefixlen}, ${prefixlen < pool.minPrefixlen ? `min_prefixlen=${pool.minPrefixlen}` : `max_prefixlen=${pool.maxPrefixlen}`}.`);
  }
  if (requested) {
    if (!prefixes.some((p) => cidrCovers(p, requested)) || taken.some((t) => cidrCovers(t, requested) || cidrCovers(requested, t))) {
      throw new NeutronError(409, 'SubnetAllocationError', `Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.`);
    }
    return requested;
  }
  const free = firstFreePrefix(prefixes, taken, prefixlen);
  if (!free) throw new NeutronError(409, 'SubnetAllocationError', `Failed to allocate subnet: Insufficient prefix space to allocate subnet size /${prefixlen}.`);
  return free;
}
