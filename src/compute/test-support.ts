import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { InProcessBus } from '../core/bus/index.js';
import { testTokens, type TestCaller } from '../core/auth/test-tokens.js';
import { systemClock } from '../core/clock.js';
import { dropServiceDatabase } from '../core/db/index.js';
import { randomIds } from '../core/ids.js';
import { createLogger } from '../core/log.js';
import { InProcessPlacementClient } from '../placement/contract/in-process.js';
import type { PlacementService } from '../placement/service.js';
import { openPlacement } from '../placement/setup.js';
import { createComputeApp } from './api/index.js';
import { ComputeController } from './conductor/controller.js';
import { ComputeAgent } from './manager/compute-agent.js';
import type { ComputeService } from './service.js';
import { DEFAULT_COMPUTE_TUNING, DEFAULT_QUOTAS, type ComputeSettings } from './settings.js';
import { openCompute } from './setup.js';
import { FakeDriver, type FakeDriverOptions } from './virt/fake/fake-driver.js';
import { ImageClient } from '../image/contract/client.js';
import { imageFixture } from '../image/test-support.js';
import { NetworkClient } from '../network/contract/client.js';
import { networkFixture } from '../network/test-support.js';

export interface ComputeFixture {
  app: FastifyInstance;
  svc: ComputeService;
  /** The network and image APIs the compute service talks to, over HTTP as when split. */
  networkUrl: string;
  imageUrl: string;
  placement: PlacementService;
  agents: ComputeAgent[];
  controller: ComputeController;
  close(): Promise<void>;
}

export interface ComputeFixtureOptions {
  settings?: Partial<ComputeSettings>;
  /** Compute hosts to run fake agents for (default none). */
  hosts?: string[];
  driver?: Partial<FakeDriverOptions>;
}

/** The compute API with placement, the conductor and fake compute agents on a temporary SQLite directory (or STRATUS_TEST_DATABASE_URL's server). */
export async function computeFixture(options: ComputeFixtureOptions = {}): Promise<ComputeFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-compute-test-'));
  const server = process.env.STRATUS_TEST_DATABASE_URL || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const suffix = randomBytes(6).toString('hex');
  const schemas = server ? { compute: `compute_${suffix}`, placement: `placement_${suffix}` } : undefined;
  const closers: Array<() => Promise<void>> = [];
  const cleanup = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (schemas) {
      await dropServiceDatabase(connection, 'compute', { name: schemas.compute }).catch(() => undefined);
      await dropServiceDatabase(connection, 'placement', { name: schemas.placement }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const log = createLogger({ level: 'silent' });
    const placement = await openPlacement({ connection, ...(schemas ? { schema: schemas.placement } : {}), clock: systemClock, ids: randomIds, log });
    closers.push(() => placement.database.close());
    const settings: ComputeSettings = { defaultQuotas: DEFAULT_QUOTAS, defaultAvailabilityZone: 'nova', ...DEFAULT_COMPUTE_TUNING, ...options.settings };
    const { svc, database } = await openCompute({
      connection, ...(schemas ? { schema: schemas.compute } : {}), settings, placement: new InProcessPlacementClient(placement.svc),
      clock: systemClock, ids: randomIds, log,
    });
    closers.push(() => database.close());
    const bus = new InProcessBus({ defaultTimeoutMs: 10_000 });
    closers.push(() => bus.close());
    // Real network and image services on loopback: compute reaches them only over HTTP.
    const network = await networkFixture();
    closers.push(() => network.close());
    const networkUrl = await network.app.listen({ host: '127.0.0.1', port: 0 });
    const image = await imageFixture();
    closers.push(() => image.close());
    const imageUrl = await image.app.listen({ host: '127.0.0.1', port: 0 });
    svc.connect(bus, {
      network: (token) => new NetworkClient(networkUrl, async () => token),
      image: (token) => new ImageClient(imageUrl, async () => token),
    });
    const serviceClients = { network: new NetworkClient(networkUrl, async () => 'admin'), image: new ImageClient(imageUrl, async () => 'admin') };
    const controller = new ComputeController(bus, svc, 'controller', log);
    await controller.start();
    closers.push(() => controller.stop());
    const agents: ComputeAgent[] = [];
    for (const host of options.hosts ?? []) {
      const agent = new ComputeAgent(bus, new FakeDriver({ vcpus: 8, memoryMb: 16384, localGb: 100, delayMs: 0, ...options.driver }), serviceClients, { host, reportInterval: 3600 }, log);
      await agent.start();
      closers.push(() => agent.stop());
      agents.push(agent);
    }
    const app = createComputeApp(svc, { bodyLimit: 114688, tokens: testTokens });
    await app.ready();
    closers.push(() => app.close());
    return { app, svc, placement: placement.svc, agents, controller, networkUrl, imageUrl, close: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

export type ComputeCall = (who: TestCaller, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, version?: string) => Promise<LightMyRequestResponse>;

/** `app.inject` as a caller at a microversion (default 2.1, as clients that name none get). */
export function computeCaller(f: () => ComputeFixture): ComputeCall {
  return (who, method, url, body, version) => f().app.inject({
    method, url,
    headers: { 'x-auth-token': who, 'content-type': 'application/json', ...(version ? { 'openstack-api-version': `compute ${version}` } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** The fault of a Nova error body: its name and message. */
export function novaFault(res: { json(): unknown }): { name: string; code: number; message: string } {
  const [name, body] = Object.entries(res.json() as Record<string, { code: number; message: string }>)[0]!;
  return { name, ...body };
}

/** A call to another service of the fixture over HTTP (image, network); throws on an error status. */
export async function restCall(base: string, who: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { 'x-auth-token': who, 'content-type': contentType },
    ...(body !== undefined ? { body: contentType === 'application/json' ? JSON.stringify(body) : new Uint8Array(body as Buffer) } : {}),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json().catch(() => undefined);
}

/** What most server tests boot from: a public image with data and demo's network with a subnet. */
export async function bootBasics(f: ComputeFixture, cidr = '10.1.0.0/24'): Promise<{ imageId: string; networkId: string }> {
  const image = await restCall(f.imageUrl, 'admin', 'POST', '/v2/images', { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' });
  await restCall(f.imageUrl, 'admin', 'PUT', `/v2/images/${image.id}/file`, Buffer.alloc(1024), 'application/octet-stream');
  const net = await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/networks', { network: { name: 'private' } });
  await restCall(f.networkUrl, 'demo', 'POST', '/v2.0/subnets', { subnet: { network_id: net.network.id, ip_version: 4, cidr } });
  return { imageId: image.id as string, networkId: net.network.id as string };
}

/** Polls a server until its status is one of `statuses` (DELETED: until it is gone). */
export async function waitForServer(call: ComputeCall, id: string, statuses: string[], who: TestCaller = 'admin'): Promise<any> {
  for (let i = 0; i < 250; i++) {
    const res = await call(who, 'GET', `/v2.1/servers/${id}`, undefined, '2.47');
    if (res.statusCode === 404 && statuses.includes('DELETED')) return null;
    const s = res.json().server;
    if (s && statuses.includes(s.status) && !s['OS-EXT-STS:task_state']) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server ${id} never reached ${statuses.join('/')}`);
}

/** Boots a server as demo on `networkId` and waits until it is ACTIVE (or ERROR). */
export async function bootServer(call: ComputeCall, boot: { imageId: string; networkId: string; flavorId: string }, name: string): Promise<any> {
  const res = await call('demo', 'POST', '/v2.1/servers', { server: { name, imageRef: boot.imageId, flavorRef: boot.flavorId, networks: [{ uuid: boot.networkId }] } });
  if (res.statusCode !== 202) throw new Error(`boot of ${name} answered ${res.statusCode}: ${res.body}`);
  return waitForServer(call, res.json().server.id, ['ACTIVE', 'ERROR']);
}

/** An admin-made public flavor; answers its id. */
export async function makeFlavor(call: ComputeCall, name: string, size: { ram: number; vcpus: number; disk: number }): Promise<string> {
  const res = await call('admin', 'POST', '/v2.1/flavors', { flavor: { name, ...size } });
  if (res.statusCode !== 200) throw new Error(`flavor ${name}: ${res.statusCode} ${res.body}`);
  return res.json().flavor.id as string;
}
