import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInstanceId } from '../compute/metadata/index.js';
import { pickPortOffset } from '../../test/lib/cloud.js';
import { startAllInOne, type RunningCloud } from './all-in-one.js';

/**
 * The metadata service as the all-in-one wires it: a server booted through the public
 * APIs (on the fake driver) reads its meta_data.json as a metadata proxy would ask for
 * it, signed with the secret the all-in-one keeps in the data dir, and by its fixed IP.
 */
let cloud: RunningCloud;
let dataDir: string;

async function call(url: string, token: string | null, method = 'GET', body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method, headers: { 'content-type': body instanceof Buffer ? 'application/octet-stream' : 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
    ...(body !== undefined ? { body: body instanceof Buffer ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function token(user: string, password: string): Promise<{ token: string; projectId: string }> {
  const res = await call(`${cloud.identityUrl}/v3/auth/tokens`, null, 'POST', { auth: {
    identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
    scope: { project: { name: user, domain: { id: 'default' } } },
  } });
  return { token: res.headers.get('x-subject-token')!, projectId: res.json.token.project.id };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stratus-metadata-e2e-'));
  cloud = await startAllInOne({ dataDir, portOffset: String(await pickPortOffset()) });
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('all-in-one: metadata service', () => {
  it('serves a booted server\'s meta_data.json to a signed proxy request and by fixed IP', async () => {
    const secrets = JSON.parse(readFileSync(join(dataDir, 'bootstrap-secrets.json'), 'utf8')) as { adminPassword: string; demoPassword: string; metadataProxySharedSecret: string };
    const admin = await token('admin', secrets.adminPassword);
    const demo = await token('demo', secrets.demoPassword);
    const flavor = (await call(`${cloud.computeUrl}/flavors`, admin.token, 'POST', { flavor: { name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 } })).json.flavor.id;
    const image = (await call(`${cloud.imageUrl}/v2/images`, admin.token, 'POST', { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' })).json.id;
    await call(`${cloud.imageUrl}/v2/images/${image}/file`, admin.token, 'PUT', Buffer.alloc(1024));
    const net = (await call(`${cloud.networkUrl}/v2.0/networks`, demo.token, 'POST', { network: { name: 'private' } })).json.network.id;
    await call(`${cloud.networkUrl}/v2.0/subnets`, demo.token, 'POST', { subnet: { network_id: net, ip_version: 4, cidr: '10.20.0.0/24', dns_nameservers: ['10.20.0.53'] } });
    const userData = Buffer.from('#cloud-config\nhostname: meta\n').toString('base64');
    const created = await call(`${cloud.computeUrl}/servers`, demo.token, 'POST', { server: {
      name: 'meta-vm', imageRef: image, flavorRef: flavor, networks: [{ uuid: net }], metadata: { tier: 'e2e' }, user_data: userData,
    } });
    const id = created.json.server.id as string;
    let server: any;
    for (let i = 0; i < 300 && server?.status !== 'ACTIVE'; i++) {
      server = (await call(`${cloud.computeUrl}/servers/${id}`, demo.token)).json.server;
      if (server.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(server.fault)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.status).toBe('ACTIVE');
    const fixedIp = server.addresses.private[0].addr as string;

    const signed = { 'x-instance-id': id, 'x-instance-id-signature': signInstanceId(secrets.metadataProxySharedSecret, id), 'x-tenant-id': demo.projectId };
    const res = await fetch(`${cloud.metadataUrl}/openstack/latest/meta_data.json`, { headers: signed });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uuid: id, name: 'meta-vm', hostname: 'meta-vm.novalocal', project_id: demo.projectId, meta: { tier: 'e2e' }, availability_zone: 'nova' });
    const network = await (await fetch(`${cloud.metadataUrl}/openstack/latest/network_data.json`, { headers: signed })).json();
    expect(network.networks).toEqual([{ id: 'network0', type: 'ipv4_dhcp', link: network.links[0].id, network_id: net }]);
    expect(network.services).toEqual([{ type: 'dns', address: '10.20.0.53' }]);

    const byIp = await fetch(`${cloud.metadataUrl}/latest/meta-data/local-ipv4`, { headers: { 'x-forwarded-for': fixedIp } });
    expect(await byIp.text()).toBe(fixedIp);
    expect(await (await fetch(`${cloud.metadataUrl}/openstack/latest/user_data`, { headers: { 'x-forwarded-for': fixedIp } })).text()).toBe('#cloud-config\nhostname: meta\n');
    const forged = await fetch(`${cloud.metadataUrl}/openstack/latest/meta_data.json`, { headers: { ...signed, 'x-instance-id-signature': 'f'.repeat(64) } });
    expect(forged.status).toBe(403);
  }, 60_000);
});
