import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ApiVersion } from '../../core/http/microversion.js';
import { findCandidates, type CandidateQuery, type CandidateResult, type RequestGroup } from '../domain/candidates.js';
import { capacityOf } from '../domain/capacity.js';
import { NO_AGGREGATES, NO_TRAITS } from '../domain/provider-facts.js';
import { requireClasses } from '../domain/resource-classes.js';
import { requireTraits } from '../domain/traits.js';
import { badRequest } from '../errors.js';
import type { PlacementService } from '../service.js';
import type { Guard } from './index.js';
import { parseMemberOf, parseResources, parseTraits, single, traitNames, values, type Query } from './query.js';
import { canonicalUuid, isUuid } from './validate.js';
import { amounts } from './views.js';

const GROUP_KEYS = ['resources', 'required', 'member_of', 'in_tree'] as const;

/** Which request-group parameters a microversion accepts (the gates of GET /allocation_candidates). */
function groupKeyAllowed(key: string, v: ApiVersion): boolean {
  if (key === 'resources') return true;
  if (key === 'required') return v.atLeast('1.17');
  if (key === 'member_of') return v.atLeast('1.21');
  return v.atLeast('1.31');
}

/** Splits `resources1`, `required_NET` ... into (key, suffix); numeric suffixes from 1.25, strings from 1.33. */
function splitKey(param: string, v: ApiVersion): { key: string; suffix: string } | undefined {
  for (const key of GROUP_KEYS) {
    if (!param.startsWith(key) || !groupKeyAllowed(key, v)) continue;
    const suffix = param.slice(key.length);
    if (suffix === '') return { key, suffix };
    if (!v.atLeast('1.25')) return undefined;
    if (v.atLeast('1.33') ? /^[a-zA-Z0-9_-]{1,64}$/.test(suffix) : /^[1-9][0-9]*$/.test(suffix)) return { key, suffix };
  }
  return undefined;
}

function parseQuery(request: FastifyRequest): CandidateQuery {
  const v = request.apiVersion;
  const q = request.query as Query;
  const raw = new Map<string, Map<string, string[]>>();
  const others = new Set(['limit', 'group_policy', 'root_required', 'same_subtree']);
  for (const param of Object.keys(q)) {
    const split = splitKey(param, v);
    const otherAllowed = (param === 'limit' && v.atLeast('1.16')) || (param === 'group_policy' && v.atLeast('1.25'))
      || (param === 'root_required' && v.atLeast('1.35')) || (param === 'same_subtree' && v.atLeast('1.36'));
    if (!split && !(others.has(param) && otherAllowed)) throw badRequest(`Invalid query string parameters: Additional properties are not allowed ('${param}' was unexpected)`);
    if (!split) continue;
    const group = raw.get(split.suffix) ?? new Map<string, string[]>();
    group.set(split.key, values(q, param));
    raw.set(split.suffix, group);
  }
  const groups: RequestGroup[] = [];
  for (const [suffix, params] of raw) {
    const resources = params.get('resources');
    if (!resources) {
      const orphans = [...params.keys()].map((k) => `${k}${suffix}`);
      if (params.has('required')) throw badRequest(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: ${orphans.join(', ')}`);
      throw badRequest(`All member_of parameters must be associated with resources.  Found the following orphaned member_of keys: ${orphans.join(', ')}`);
    }
    if (resources.length > 1) throw badRequest(`Invalid query string parameters: Query parameter resources${suffix} may only be given once.`);
    const inTree = params.get('in_tree')?.[0];
    if (inTree !== undefined && !isUuid(inTree)) throw badRequest(`Invalid query string parameters: '${inTree}' is not a 'uuid'`);
    groups.push({
      suffix, resources: parseResources(resources[0]!),
      traits: params.has('required') ? parseTraits(params.get('required')!, v, `required${suffix}`) : NO_TRAITS,
      memberOf: params.has('member_of') ? parseMemberOf(params.get('member_of')!, v, `member_of${suffix}`) : NO_AGGREGATES,
      ...(inTree !== undefined ? { inTree: canonicalUuid(inTree) } : {}),
    });
  }
  if (groups.length === 0) {
    throw badRequest(v.atLeast('1.25') ? 'At least one request group (`resources` or `resources{$S}`) is required.'
      : "Invalid query string parameters: 'resources' is a required property");
  }
  const policy = single(q, 'group_policy');
  if (policy !== undefined && policy !== 'none' && policy !== 'isolate') throw badRequest(`Invalid query string parameters: '${policy}' is not one of ['none', 'isolate']`);
  if (groups.filter((g) => g.suffix !== '').length > 1 && policy === undefined) {
    throw badRequest('The "group_policy" parameter is required when specifying more than one "resources{$S}" parameter.');
  }
  const limitText = single(q, 'limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = /^[1-9][0-9]*$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit)) throw badRequest(`Invalid query string parameters: '${limitText}' does not match '^[1-9][0-9]*$'`);
  }
  const rootRequired = single(q, 'root_required');
  const sameSubtree = values(q, 'same_subtree').map((s) => s.split(',').map((x) => x.trim()));
  for (const suffix of sameSubtree.flat()) {
    if (!raw.has(suffix) || suffix === '') throw badRequest(`Real suffixes must be specified in same_subtree: ${suffix}`);
  }
  return {
    groups, groupPolicy: policy === 'isolate' ? 'isolate' : 'none', ...(limit !== undefined ? { limit } : {}),
    rootTraits: rootRequired !== undefined ? parseTraits([rootRequired], v, 'root_required') : NO_TRAITS,
    sameSubtree, nested: v.atLeast('1.29'),
  };
}

function render(result: CandidateResult, query: CandidateQuery, v: ApiVersion): Record<string, unknown> {
  const allocationRequests = result.candidates.map((c) => {
    if (!v.atLeast('1.12')) {
      return { allocations: [...c.allocations].map(([uuid, a]) => ({ resource_provider: { uuid }, resources: amounts(a) })) };
    }
    const entry: Record<string, unknown> = { allocations: Object.fromEntries([...c.allocations].map(([uuid, a]) => [uuid, { resources: amounts(a) }])) };
    if (v.atLeast('1.34')) entry.mappings = Object.fromEntries(c.mappings);
    return entry;
  });
  const requested = new Set(query.groups.flatMap((g) => [...g.resources.keys()]));
  const summaries: Record<string, unknown> = {};
  for (const f of result.summaries) {
    const resources: Record<string, { capacity: number; used: number }> = {};
    for (const [rc, inv] of f.inventories) {
      if (!v.atLeast('1.27') && !requested.has(rc)) continue;
      resources[rc] = { capacity: capacityOf(inv), used: f.usage.get(rc) ?? 0 };
    }
    const summary: Record<string, unknown> = { resources };
    if (v.atLeast('1.17')) summary.traits = [...f.traits].sort();
    if (v.atLeast('1.29')) {
      summary.parent_provider_uuid = f.row.parent_uuid;
      summary.root_provider_uuid = f.row.root_uuid;
    }
    summaries[f.row.uuid] = summary;
  }
  return { allocation_requests: allocationRequests, provider_summaries: summaries };
}

export function registerAllocationCandidateRoutes(app: FastifyInstance, svc: PlacementService, authed: Guard): void {
  app.get('/allocation_candidates', { ...authed, config: { versions: { min: '1.10' } } }, async (request) => {
    svc.authorize(callerOf(request), 'placement:allocation_candidates:list');
    const query = parseQuery(request);
    await requireClasses(svc, query.groups.flatMap((g) => [...g.resources.keys()]), (e) => `Invalid resource class in resources parameter: ${e}`);
    await requireTraits(svc, [...query.groups.flatMap((g) => traitNames(g.traits)), ...traitNames(query.rootTraits)],
      (e) => `Invalid trait(s) in "required" parameter: ${e}`);
    const result = await findCandidates(svc, query);
    return render(result, query, request.apiVersion);
  });
}
