import type { Kysely } from 'kysely';
import type { SubnetPool } from '../model.js';
import type { NetworkTables, SubnetPoolRow } from './schema.js';
import { resourceRows } from './row-store.js';
import { dropTags } from './tags.js';

type Db = Kysely<NetworkTables>;

function fromRow(r: SubnetPoolRow, tags: string[]): SubnetPool {
  return {
    id: r.id, projectId: r.project_id, name: r.name, description: r.description, ipVersion: r.ip_version as 4 | 6,
    prefixes: JSON.parse(r.prefixes) as string[], defaultPrefixlen: r.default_prefixlen, minPrefixlen: r.min_prefixlen, maxPrefixlen: r.max_prefixlen,
    shared: r.shared === 1, isDefault: r.is_default === 1, defaultQuota: r.default_quota, revisionNumber: r.revision_number,
    createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), tags,
  };
}

function toRow(p: SubnetPool): SubnetPoolRow {
  return {
    id: p.id, project_id: p.projectId, name: p.name, description: p.description, ip_version: p.ipVersion, prefixes: JSON.stringify(p.prefixes),
    default_prefixlen: p.defaultPrefixlen, min_prefixlen: p.minPrefixlen, max_prefixlen: p.maxPrefixlen, shared: p.shared ? 1 : 0,
    is_default: p.isDefault ? 1 : 0, default_quota: p.defaultQuota, revision_number: p.revisionNumber,
    created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString(),
  };
}

const pools = resourceRows('subnetpools', fromRow, toRow);

export const getSubnetPool = pools.get;
export const listSubnetPools = pools.list;
export const insertSubnetPool = pools.insert;
export const updateSubnetPoolRow = pools.update;

/** The cidrs already carved from a pool (by any project, on any network). */
export async function poolAllocations(db: Db, poolId: string): Promise<string[]> {
  const rows = await db.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', poolId).execute();
  return rows.map((r) => r.cidr);
}

/** Deletes a pool unless subnets were carved from it. */
export async function deleteSubnetPoolRow(db: Db, id: string): Promise<'deleted' | 'not-found' | 'in-use'> {
  return db.transaction().execute(async (tx): Promise<'deleted' | 'not-found' | 'in-use'> => {
    if (await tx.selectFrom('subnets').select('id').where('subnetpool_id', '=', id).executeTakeFirst()) return 'in-use';
    await dropTags(tx, id);
    const r = await tx.deleteFrom('subnetpools').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0 ? 'deleted' : 'not-found';
  });
}
