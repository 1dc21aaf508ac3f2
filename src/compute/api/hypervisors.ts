import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import type { ComputeNodeRow, ServiceRow } from '../db/schema.js';
import { listComputeNodes } from '../domain/compute-nodes.js';
import { isUp } from '../domain/services.js';
import { badRequest, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { endpointOf } from './links.js';
import { pageParams } from './paging.js';

type Node = { node: ComputeNodeRow; service: ServiceRow };

async function nodesWithServices(svc: ComputeService): Promise<Node[]> {
  const nodes = await listComputeNodes(svc);
  const services = new Map((await svc.db.selectFrom('services').selectAll().execute()).map((s) => [s.id, s]));
  return nodes.filter((n) => services.has(n.service_id)).map((node) => ({ node, service: services.get(node.service_id)! }));
}

function summary(svc: ComputeService, request: FastifyRequest, { node, service }: Node): Record<string, unknown> {
  return {
    id: request.apiVersion.atLeast('2.53') ? node.uuid : node.id, hypervisor_hostname: node.hypervisor_hostname,
    state: isUp(svc, service) ? 'up' : 'down', status: service.disabled ? 'disabled' : 'enabled',
  };
}

function detail(svc: ComputeService, request: FastifyRequest, n: Node): Record<string, unknown> {
  const v = request.apiVersion;
  const { node, service } = n;
  const view: Record<string, unknown> = {
    ...summary(svc, request, n), hypervisor_type: node.hypervisor_type, hypervisor_version: node.hypervisor_version, host_ip: node.host_ip,
    service: { host: service.host, id: v.atLeast('2.53') ? service.uuid : service.id, disabled_reason: service.disabled_reason },
  };
  // 2.88 dropped the resource figures (Placement is their source of truth).
  if (!v.atLeast('2.88')) {
    const freeRam = node.memory_mb - node.memory_mb_used;
    const freeDisk = node.local_gb - node.local_gb_used;
    Object.assign(view, {
      vcpus: node.vcpus, memory_mb: node.memory_mb, local_gb: node.local_gb, vcpus_used: node.vcpus_used, memory_mb_used: node.memory_mb_used,
      local_gb_used: node.local_gb_used, free_ram_mb: freeRam, free_disk_gb: freeDisk, current_workload: 0, running_vms: node.running_vms,
      disk_available_least: freeDisk, cpu_info: v.atLeast('2.28') ? JSON.parse(node.cpu_info) : node.cpu_info,
    });
  } else view.uptime = null;
  return view;
}

export function registerHypervisorRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  const list = async (request: FastifyRequest, detailed: boolean): Promise<Record<string, unknown>> => {
    svc.authorize(callerOf(request), detailed ? 'os_compute_api:os-hypervisors:list-detail' : 'os_compute_api:os-hypervisors:list');
    const v = request.apiVersion;
    const q = request.query as Record<string, string | undefined>;
    let nodes = await nodesWithServices(svc);
    const pattern = v.atLeast('2.53') ? q.hypervisor_hostname_pattern : undefined;
    if (pattern !== undefined) {
      nodes = nodes.filter((n) => n.node.hypervisor_hostname.includes(pattern));
      if (nodes.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    const page = v.atLeast('2.33') ? pageParams(q) : {};
    if (page.marker !== undefined) {
      const at = nodes.findIndex((n) => (v.atLeast('2.53') ? n.node.uuid : String(n.node.id)) === page.marker);
      if (at < 0) throw badRequest(`marker [${page.marker}] not found`);
      nodes = nodes.slice(at + 1);
    }
    if (page.limit !== undefined) nodes = nodes.slice(0, page.limit);
    const body: Record<string, unknown> = { hypervisors: nodes.map((n) => (detailed ? detail(svc, request, n) : summary(svc, request, n))) };
    if (page.limit !== undefined && nodes.length === page.limit && nodes.length > 0) {
      const last = nodes.at(-1)!.node;
      const url = new URL(request.url, endpointOf(request));
      url.searchParams.set('marker', v.atLeast('2.53') ? last.uuid : String(last.id));
      body.hypervisors_links = [{ rel: 'next', href: `${endpointOf(request)}/v2.1/os-hypervisors${detailed ? '/detail' : ''}?${url.searchParams.toString()}` }];
    }
    return body;
  };
  app.get('/v2.1/os-hypervisors', authed, (request) => list(request, false));
  app.get('/v2.1/os-hypervisors/detail', authed, (request) => list(request, true));

  app.get('/v2.1/os-hypervisors/statistics', { ...authed, config: { versions: { max: '2.87' } } }, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hypervisors:statistics');
    const nodes = (await nodesWithServices(svc)).map((n) => n.node);
    const sum = (f: (n: ComputeNodeRow) => number): number => nodes.reduce((a, n) => a + f(n), 0);
    return {
      hypervisor_statistics: {
        count: nodes.length, vcpus: sum((n) => n.vcpus), memory_mb: sum((n) => n.memory_mb), local_gb: sum((n) => n.local_gb),
        vcpus_used: sum((n) => n.vcpus_used), memory_mb_used: sum((n) => n.memory_mb_used), local_gb_used: sum((n) => n.local_gb_used),
        free_ram_mb: sum((n) => n.memory_mb - n.memory_mb_used), free_disk_gb: sum((n) => n.local_gb - n.local_gb_used),
        current_workload: 0, running_vms: sum((n) => n.running_vms), disk_available_least: sum((n) => n.local_gb - n.local_gb_used),
      },
    };
  });

  app.get<{ Params: { id: string } }>('/v2.1/os-hypervisors/:id', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hypervisors:show');
    const id = request.params.id;
    const v = request.apiVersion;
    const n = (await nodesWithServices(svc)).find((x) => (v.atLeast('2.53') ? x.node.uuid === id : String(x.node.id) === id));
    if (!n) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
    return { hypervisor: detail(svc, request, n) };
  });

  app.get<{ Params: { id: string } }>('/v2.1/os-hypervisors/:id/uptime', { ...authed, config: { versions: { max: '2.87' } } }, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hypervisors:uptime');
    const id = request.params.id;
    const v = request.apiVersion;
    const n = (await nodesWithServices(svc)).find((x) => (v.atLeast('2.53') ? x.node.uuid === id : String(x.node.id) === id));
    if (!n) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
    return { hypervisor: { ...summary(svc, request, n), uptime: ` ${new Date().toISOString().slice(11, 19)} up 0 days` } };
  });

  app.get<{ Params: { pattern: string } }>('/v2.1/os-hypervisors/:pattern/servers', { ...authed, config: { versions: { max: '2.52' } } }, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hypervisors:servers');
    const nodes = (await nodesWithServices(svc)).filter((n) => n.node.hypervisor_hostname.includes(request.params.pattern));
    if (nodes.length === 0) throw notFound(`No hypervisor matching '${request.params.pattern}' could be found.`);
    const instances = await svc.db.selectFrom('instances').select(['uuid', 'display_name', 'node']).where('deleted_at', 'is', null)
      .where('node', 'in', nodes.map((n) => n.node.hypervisor_hostname)).execute();
    return {
      hypervisors: nodes.map((n) => ({
        ...summary(svc, request, n),
        servers: instances.filter((i) => i.node === n.node.hypervisor_hostname).map((i) => ({ uuid: i.uuid, name: i.display_name })),
      })),
    };
  });

  app.get<{ Params: { pattern: string } }>('/v2.1/os-hypervisors/:pattern/search', { ...authed, config: { versions: { max: '2.52' } } }, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-hypervisors:search');
    const nodes = (await nodesWithServices(svc)).filter((n) => n.node.hypervisor_hostname.includes(request.params.pattern));
    if (nodes.length === 0) throw notFound(`No hypervisor matching '${request.params.pattern}' could be found.`);
    return { hypervisors: nodes.map((n) => summary(svc, request, n)) };
  });
}
