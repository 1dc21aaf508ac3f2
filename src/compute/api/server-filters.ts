import type { RequestContext } from '../../core/auth/index.js';
import type { ApiVersion } from '../../core/http/index.js';
import type { ServerFilters } from '../domain/server-list.js';
import { vmStatesForStatus } from '../domain/states.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import { pageParams } from './paging.js';
import { parseBoolean } from './validate.js';

type Query = Record<string, string | string[] | undefined>;

const last = (q: Query, k: string): string | undefined => (Array.isArray(q[k]) ? (q[k] as string[]).at(-1) : (q[k] as string | undefined));
const list = (q: Query, k: string): string[] | undefined => last(q, k)?.split(',').map((t) => t.trim()).filter(Boolean);

function regex(text: string, what: string): RegExp {
  try {
    return new RegExp(text);
  } catch {
    throw badRequest(`Invalid ${what} regular expression: ${text}`);
  }
}

/**
 * GET /servers query parameters as Nova reads them: admin-only filters are ignored for
 * others (as Nova drops them), all_tenants widens an admin's view to every project.
 */
export function serverFilters(svc: ComputeService, ctx: RequestContext, q: Query, v: ApiVersion): ServerFilters {
  const admin = svc.isAdmin(ctx);
  const allTenants = last(q, 'all_tenants');
  const everyone = admin && allTenants !== undefined && (allTenants === '' || parseBoolean(allTenants) !== false);
  // tenant_id / project_id narrow an admin's all_tenants listing; without all_tenants Nova ignores them.
  const project = everyone ? last(q, 'project_id') ?? last(q, 'tenant_id') : undefined;
  const f: ServerFilters = { projectId: everyone ? (project ?? null) : ctx.projectId ?? '', ...pageParams(q) };
  const name = last(q, 'name');
  if (name !== undefined) f.name = regex(name, 'name');
  const status = last(q, 'status');
  if (status !== undefined) {
    // An unknown status matches nothing (an empty list, as Nova answers), not an error.
    f.vmStates = vmStatesForStatus(status);
  }
  const image = last(q, 'image');
  if (image !== undefined) f.image = image.split('/').pop()!;
  const flavor = last(q, 'flavor');
  if (flavor !== undefined) f.flavor = flavor.split('/').pop()!;
  const host = last(q, 'host');
  if (host !== undefined && admin) f.host = host;
  const since = last(q, 'changes-since');
  if (since !== undefined) {
    const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(since) ? Date.parse(since) : NaN;
    if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`);
    f.changesSince = new Date(t).toISOString();
  }
  const reservation = last(q, 'reservation_id');
  if (reservation !== undefined) f.reservationId = reservation;
  const ip = last(q, 'ip');
  if (ip !== undefined) f.ip = regex(ip.replace(/\./g, '\\.'), 'ip');
  const ip6 = last(q, 'ip6');
  if (ip6 !== undefined) f.ip6 = regex(ip6, 'ip6');
  if (v.atLeast('2.26')) {
    const tags = list(q, 'tags');
    if (tags) f.tags = tags;
    const any = list(q, 'tags-any');
    if (any) f.tagsAny = any;
    const not = list(q, 'not-tags');
    if (not) f.notTags = not;
    const notAny = list(q, 'not-tags-any');
    if (notAny) f.notTagsAny = notAny;
  }
  const user = last(q, 'user_id');
  if (user !== undefined && admin) f.userId = user;
  const locked = last(q, 'locked');
  if (locked !== undefined && v.atLeast('2.73')) {
    const b = parseBoolean(locked);
    if (b === undefined) throw badRequest(`Unrecognized value '${locked}', acceptable values are 'true' or 'false'`);
    f.locked = b;
  }
  return f;
}

