import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ApiVersion } from '../../core/http/index.js';
import { classLimits, classValue, limitsFor, QUOTA_RESOURCES, resetLimits, setClassLimits, setLimits, usageOf, type QuotaLimits } from '../domain/quotas.js';
import { badRequest } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { QuotaResource } from '../settings.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';

/** The network quotas Nova showed before 2.36 (nova-network's, now fixed values). */
const NETWORK_QUOTAS = { fixed_ips: -1, floating_ips: 10, security_group_rules: 20, security_groups: 10 } as const;
const FILE_QUOTAS: QuotaResource[] = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** Resources a quota set shows at this microversion. */
function shown(v: ApiVersion): QuotaResource[] {
  return QUOTA_RESOURCES.filter((r) => !(FILE_QUOTAS.includes(r) && v.atLeast('2.57')));
}

function quotaSet(v: ApiVersion, limits: QuotaLimits, each: (r: string, limit: number) => unknown = (_r, l) => l): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of shown(v)) out[r] = each(r, limits[r]);
  if (!v.atLeast('2.36')) for (const [r, l] of Object.entries(NETWORK_QUOTAS)) out[r] = each(r, l);
  return out;
}

const Update = Type.Object({
  quota_set: Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: -1, maximum: 2147483647 }), Type.String({ pattern: '^-?[0-9]+$' }), Type.Boolean()])),
}, { additionalProperties: false });

export function registerQuotaRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  type P = { Params: { project: string }; Querystring: { user_id?: string } };
  const userOf = (request: FastifyRequest<P>): string | undefined => request.query.user_id || undefined;

  app.get<P>('/v2.1/os-quota-sets/:project', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-sets:show', { project_id: request.params.project });
    const limits = await limitsFor(svc, request.params.project, userOf(request));
    return { quota_set: { id: request.params.project, ...quotaSet(request.apiVersion, limits) } };
  });

  app.get<P>('/v2.1/os-quota-sets/:project/defaults', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-sets:defaults', { project_id: request.params.project });
    return { quota_set: { id: request.params.project, ...quotaSet(request.apiVersion, await classLimits(svc, 'default')) } };
  });

  app.get<P>('/v2.1/os-quota-sets/:project/detail', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-sets:detail', { project_id: request.params.project });
    const limits = await limitsFor(svc, request.params.project, userOf(request));
    const usage = await usageOf(svc, request.params.project, userOf(request)) as unknown as Record<string, number>;
    return {
      quota_set: { id: request.params.project, ...quotaSet(request.apiVersion, limits, (r, limit) => ({ limit, in_use: usage[r] ?? 0, reserved: 0 })) },
    };
  });

  app.put<P>('/v2.1/os-quota-sets/:project', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-sets:update', { project_id: request.params.project });
    const { quota_set: body } = checkBody(Update, request.body);
    const allowed = new Set<string>([...shown(request.apiVersion), 'force', ...(request.apiVersion.atLeast('2.36') ? [] : Object.keys(NETWORK_QUOTAS))]);
    const unknown = Object.keys(body).find((k) => !allowed.has(k));
    if (unknown) throw badRequest(`Additional properties are not allowed ('${unknown}' was unexpected)`);
    const force = body.force === true || body.force === 'true' || body.force === 'True';
    const usage = await usageOf(svc, request.params.project, userOf(request)) as unknown as Record<string, number>;
    const values: Partial<QuotaLimits> = {};
    for (const [k, raw] of Object.entries(body)) {
      if (k === 'force' || !(QUOTA_RESOURCES as string[]).includes(k)) continue;
      const limit = Number(raw);
      if (!force && limit !== -1 && limit < (usage[k] ?? 0)) {
        throw badRequest(`Quota limit ${limit} for ${k} must be greater than or equal to already used and reserved ${usage[k]}.`);
      }
      values[k as QuotaResource] = limit;
    }
    await setLimits(svc, request.params.project, userOf(request), values);
    return { quota_set: quotaSet(request.apiVersion, await limitsFor(svc, request.params.project, userOf(request))) };
  });

  app.delete<P>('/v2.1/os-quota-sets/:project', authed, async (request, reply) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-sets:delete', { project_id: request.params.project });
    await resetLimits(svc, request.params.project, userOf(request));
    return reply.status(202).send();
  });

  // Quota classes: only `default` means anything (it changes every project's defaults), as in Nova.
  const classSet = async (v: ApiVersion, name: string): Promise<Record<string, unknown>> => {
    const limits = await classLimits(svc, name);
    const out: Record<string, unknown> = {};
    for (const r of shown(v)) if (v.atLeast('2.50') || (r !== 'server_groups' && r !== 'server_group_members')) out[r] = limits[r];
    if (!v.atLeast('2.50')) for (const [r, l] of Object.entries(NETWORK_QUOTAS)) out[r] = (await classValue(svc, name, r)) ?? l;
    return out;
  };
  app.get<{ Params: { name: string } }>('/v2.1/os-quota-class-sets/:name', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-class-sets:show');
    return { quota_class_set: { id: request.params.name, ...(await classSet(request.apiVersion, request.params.name)) } };
  });
  app.put<{ Params: { name: string } }>('/v2.1/os-quota-class-sets/:name', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-quota-class-sets:update');
    const body = checkBody(Type.Object({ quota_class_set: Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: -1, maximum: 2147483647 }), Type.String({ pattern: '^-?[0-9]+$' })])) }, { additionalProperties: false }), request.body).quota_class_set;
    const allowed = new Set(Object.keys(await classSet(request.apiVersion, request.params.name)));
    const unknown = Object.keys(body).find((k) => !allowed.has(k));
    if (unknown) throw badRequest(`Additional properties are not allowed ('${unknown}' was unexpected)`);
    await setClassLimits(svc, request.params.name, Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Number(v)])));
    return { quota_class_set: await classSet(request.apiVersion, request.params.name) };
  });

  app.get('/v2.1/limits', authed, async (request) => {
    const ctx = callerOf(request);
    svc.authorize(ctx, 'os_compute_api:limits');
    const asked = (request.query as { tenant_id?: string }).tenant_id;
    let project = ctx.projectId ?? '';
    if (asked && asked !== project && svc.allowed(ctx, 'os_compute_api:limits:other_project', { project_id: asked })) project = asked;
    const v = request.apiVersion;
    const l = await limitsFor(svc, project);
    const u = await usageOf(svc, project);
    const absolute: Record<string, number> = {
      maxServerMeta: l.metadata_items, maxTotalCores: l.cores, maxTotalInstances: l.instances, maxTotalKeypairs: l.key_pairs, maxTotalRAMSize: l.ram,
      maxServerGroups: l.server_groups, maxServerGroupMembers: l.server_group_members,
      totalCoresUsed: u.cores, totalInstancesUsed: u.instances, totalRAMUsed: u.ram, totalServerGroupsUsed: u.server_groups,
    };
    if (!v.atLeast('2.39')) absolute.maxImageMeta = l.metadata_items;
    if (!v.atLeast('2.57')) Object.assign(absolute, { maxPersonality: l.injected_files, maxPersonalitySize: l.injected_file_content_bytes });
    if (!v.atLeast('2.36')) {
      Object.assign(absolute, { maxSecurityGroupRules: NETWORK_QUOTAS.security_group_rules, maxSecurityGroups: NETWORK_QUOTAS.security_groups,
        maxTotalFloatingIps: NETWORK_QUOTAS.floating_ips, totalSecurityGroupsUsed: 0, totalFloatingIpsUsed: 0 });
    }
    return { limits: { rate: [], absolute } };
  });
}
