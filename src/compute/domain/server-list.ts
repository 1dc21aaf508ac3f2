import type { InstanceRow } from '../db/schema.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import { flavorOf, networkInfoOf } from './instance-model.js';

export interface ServerFilters {
  /** null: every project (admin with all_tenants). */
  projectId: string | null;
  name?: RegExp;
  vmStates?: string[];
  image?: string;
  flavor?: string;
  host?: string;
  changesSince?: string;
  reservationId?: string;
  ip?: RegExp;
  ip6?: RegExp;
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
  userId?: string;
  locked?: boolean;
  limit?: number;
  marker?: string;
}

/** Live servers matching the filters, newest first (Nova's default created_at desc), paged by marker. */
export async function listServers(svc: ComputeService, f: ServerFilters): Promise<InstanceRow[]> {
  let q = svc.db.selectFrom('instances').selectAll();
  // changes-since also shows servers deleted since then (as DELETED).
  q = f.changesSince ? q.where('updated_at', '>=', f.changesSince) : q.where('deleted_at', 'is', null);
  if (f.projectId !== null) q = q.where('project_id', '=', f.projectId);
  if (f.vmStates) q = q.where('vm_state', 'in', f.vmStates.length ? f.vmStates : ['-']);
  if (f.image) q = q.where('image_ref', '=', f.image);
  if (f.host) q = q.where('host', '=', f.host);
  if (f.reservationId) q = q.where('reservation_id', '=', f.reservationId);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  if (f.locked !== undefined) q = q.where('locked_by', f.locked ? 'is not' : 'is', null);
  let rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  if (f.name) rows = rows.filter((r) => f.name!.test(r.display_name));
  if (f.flavor) rows = rows.filter((r) => flavorOf(r).flavorid === f.flavor);
  if (f.ip || f.ip6) {
    rows = rows.filter((r) => networkInfoOf(r).some((vif) => vif.ips.some((ip) => (ip.version === 4 ? f.ip : f.ip6)?.test(ip.address))));
  }
  if (f.tags || f.tagsAny || f.notTags || f.notTagsAny) {
    const tagRows = await svc.db.selectFrom('instance_tags').selectAll().where('instance_uuid', 'in', rows.length ? rows.map((r) => r.uuid) : ['-']).execute();
    const tags = new Map<string, Set<string>>();
    for (const t of tagRows) (tags.get(t.instance_uuid) ?? tags.set(t.instance_uuid, new Set()).get(t.instance_uuid)!).add(t.tag);
    rows = rows.filter((r) => {
      const has = tags.get(r.uuid) ?? new Set<string>();
      return (!f.tags || f.tags.every((t) => has.has(t))) && (!f.tagsAny || f.tagsAny.some((t) => has.has(t)))
        && (!f.notTags || !f.notTags.every((t) => has.has(t))) && (!f.notTagsAny || !f.notTagsAny.some((t) => has.has(t)));
    });
  }
  if (f.marker !== undefined) {
    const at = rows.findIndex((r) => r.uuid === f.marker);
    if (at < 0) throw badRequest(`marker [${f.marker}] not found`);
    rows = rows.slice(at + 1);
  }
  return f.limit !== undefined ? rows.slice(0, f.limit) : rows;
}
