import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../core/clock.js';
import { randomIds } from '../../core/ids.js';
import { createLogger } from '../../core/log.js';
import type { FloatingIpInfo, NetworkInfo, PortInfo, SubnetInfo } from '../../network/contract/client.js';
import type { PlacementClient } from '../../placement/contract/client.js';
import type { Insertable } from 'kysely';
import type { InstanceTable } from '../db/schema.js';
import type { ComputeService } from '../service.js';
import { DEFAULT_COMPUTE_TUNING, DEFAULT_QUOTAS } from '../settings.js';
import { openCompute } from '../setup.js';
import { createMetadataApp } from './app.js';
import type { MetadataNetwork } from './network-facts.js';
import { MetadataService } from './service.js';
import type { MetadataSettings } from './settings.js';

type Query = Record<string, string | string[] | undefined>;
const wanted = (q: Query, key: string): string[] | undefined => (q[key] === undefined ? undefined : ([] as string[]).concat(q[key]));

/** The network service as the metadata service queries it, from lists the test fills; counts port queries. */
export class FakeNetwork implements MetadataNetwork {
  readonly portList: PortInfo[] = [];
  readonly subnetList: SubnetInfo[] = [];
  readonly networkList: NetworkInfo[] = [];
  readonly floatingIpList: FloatingIpInfo[] = [];
  portQueries = 0;

  async ports(q: Query = {}): Promise<PortInfo[]> {
    this.portQueries++;
    const ids = wanted(q, 'device_id');
    const nets = wanted(q, 'network_id');
    const ip = wanted(q, 'fixed_ips')?.[0]?.replace(/^ip_address=/, '');
    return this.portList.filter((p) => (!ids || ids.includes(p.device_id)) && (!nets || nets.includes(p.network_id))
      && (!ip || p.fixed_ips.some((f) => f.ip_address === ip)));
  }

  async subnets(q: Query = {}): Promise<SubnetInfo[]> {
    const ids = wanted(q, 'id');
    return this.subnetList.filter((s) => !ids || ids.includes(s.id));
  }

  async networks(q: Query = {}): Promise<NetworkInfo[]> {
    const ids = wanted(q, 'id');
    return this.networkList.filter((n) => !ids || ids.includes(n.id));
  }

  async floatingIps(q: Query = {}): Promise<FloatingIpInfo[]> {
    const ports = wanted(q, 'port_id');
    return this.floatingIpList.filter((f) => !ports || (f.port_id !== null && ports.includes(f.port_id)));
  }
}

export interface MetadataTestbed {
  svc: ComputeService;
  metadata: MetadataService;
  app: FastifyInstance;
  network: FakeNetwork;
  clock: ManualClock;
  /** Records an instance as the compute API would (ACTIVE, flavor m1.tiny); returns its uuid. */
  addInstance(over?: Partial<Insertable<InstanceTable>>): Promise<string>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'metadata-test-secret';

/** A compute database on a temporary SQLite directory, a fake network, and the metadata app over them. */
export async function metadataTestbed(settings: Partial<MetadataSettings> = {}): Promise<MetadataTestbed> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-metadata-test-'));
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  // The metadata service never schedules; a placement client that is never called will do.
  const { svc, database } = await openCompute({
    connection: `sqlite://${dir}`, placement: {} as PlacementClient, clock, ids: randomIds, log: createLogger({ level: 'silent' }),
    settings: { defaultQuotas: DEFAULT_QUOTAS, defaultAvailabilityZone: 'nova', ...DEFAULT_COMPUTE_TUNING },
  });
  const network = new FakeNetwork();
  const metadata = new MetadataService(svc, network, { sharedSecret: TEST_SECRET, cacheSeconds: 15, dhcpDomain: 'novalocal', trustForwardedFor: false, ...settings },
    (size) => Buffer.alloc(size, 1));
  const app = createMetadataApp(metadata, { bodyLimit: 114688 });
  await app.ready();
  const flavor = { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, disabled: false, is_public: true, description: null, extra_specs: {} };
  const addInstance = async (over: Partial<Insertable<InstanceTable>> = {}): Promise<string> => {
    const uuid = over.uuid ?? randomIds.uuid();
    const now = clock.now().toISOString();
    await svc.db.insertInto('instances').values({
      uuid, project_id: 'p-demo', user_id: 'u-demo', display_name: 'vm', display_description: null, hostname: 'vm', host: 'host-1', node: 'host-1',
      availability_zone: 'nova', vm_state: 'active', task_state: null, power_state: 1, flavor: JSON.stringify(flavor), vcpus: 1, memory_mb: 512,
      image_ref: '6f1e2d3c-0000-4000-8000-000000000000', key_name: null, key_data: null, user_data: null, config_drive: 0, access_ip_v4: null,
      access_ip_v6: null, locked_by: null, reservation_id: 'r-test0001', launch_index: 0, launched_at: now, terminated_at: null, progress: 0,
      root_device_name: '/dev/vda', security_groups: '["default"]', requested_networks: '[]', network_info: '[]', system_metadata: '{}',
      scheduler_hints: '{}', created_at: now, updated_at: now, deleted_at: null, ...over,
    }).execute();
    return uuid;
  };
  return {
    svc, metadata, app, network, clock, addInstance,
    close: async () => {
      await app.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A compute port of `instance` with one fixed IP on `subnet`. */
export function fakePort(instance: string, subnet: SubnetInfo, ip: string, id: string): PortInfo {
  return {
    id, network_id: subnet.network_id, tenant_id: 'p-demo', mac_address: `fa:16:3e:00:00:${id.slice(-2)}`, fixed_ips: [{ subnet_id: subnet.id, ip_address: ip }],
    device_id: instance, device_owner: 'compute:nova', status: 'ACTIVE', security_groups: [], 'binding:vif_type': 'ovs',
  };
}

export function fakeSubnet(id: string, networkId: string, cidr: string, over: Partial<SubnetInfo> = {}): SubnetInfo {
  return {
    id, network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, gateway_ip: null, dns_nameservers: [], host_routes: [], enable_dhcp: false, ...over,
  };
}

export function fakeNetworkInfo(id: string, mtu = 1450): NetworkInfo {
  return { id, name: id, tenant_id: 'p-demo', shared: false, 'router:external': false, mtu, subnets: [], status: 'ACTIVE' };
}
