/**
 * The cloud side of the VM bench, straight on the APIs with one admin token (no CLI,
 * so no Python start-up is timed): the guest image uploaded once, a flavor, the tenant
 * network, and servers booted and deleted. A boot is timed from just before its
 * POST /servers to its user-data marker on the console file, which is read from the
 * instance's directory on this host, not through os-getConsoleOutput.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { qemuPidOf } from '../../test/vm/qemu-processes.js';
import { sleep } from '../dataplane/vms.js';
import { adminPassword, issueToken, type BenchCloud } from '../lib.js';
import { markerScript, traceBoot, type BootTrace } from './console-trace.js';

type Json = Record<string, any>;

export interface Flavor {
  ramMb: number;
  vcpus: number;
  diskGb: number;
}

export class CloudGuests {
  private imageId = '';
  private flavorId = '';
  /** The tenant network and its subnet, once made. */
  network: { id: string; subnetId: string } | null = null;
  /** Every server booted and not yet seen gone: what the teardown deletes. */
  readonly live = new Set<string>();
  /** Every server ever booted: whose QEMU must be gone at the end. */
  readonly all: string[] = [];

  private constructor(private readonly offset: number, private readonly token: string, private readonly instancesDir: string) {}

  static async connect(cloud: BenchCloud, offset: number, host: string): Promise<CloudGuests> {
    const token = await issueToken(cloud.identityUrl, adminPassword(cloud.dataDir));
    return new CloudGuests(offset, token, join(cloud.dataDir, 'instances', host));
  }

  private async call(port: number, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Json }> {
    const res = await fetch(`http://127.0.0.1:${port + this.offset}${path}`, {
      method,
      headers: { 'x-auth-token': this.token, 'content-type': contentType, 'openstack-api-version': 'compute 2.93' },
      ...(body === undefined ? {} : { body: body instanceof Blob ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300 && res.status !== 404) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  }

  private nova = (method: string, path: string, body?: unknown) => this.call(8774, method, `/v2.1${path}`, body);
  private neutron = (method: string, path: string, body?: unknown) => this.call(9696, method, `/v2.0${path}`, body);

  /** Quotas out of the way, the image uploaded, the flavor and the tenant network (DHCP on; its namespace serves metadata). */
  async setUp(qcow2: string, flavor: Flavor, cidr: string): Promise<void> {
    const project = (await this.call(5000, 'GET', '/v3/auth/projects')).body.projects.find((p: Json) => p.name === 'admin').id as string;
    await this.nova('PUT', `/os-quota-sets/${project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
    const image = (await this.call(9292, 'POST', '/v2/images', { name: 'vm-bench-guest', disk_format: 'qcow2', container_format: 'bare' })).body;
    await this.call(9292, 'PUT', `/v2/images/${image.id}/file`, new Blob([readFileSync(qcow2)]), 'application/octet-stream');
    this.imageId = image.id as string;
    this.flavorId = (await this.nova('POST', '/flavors', { flavor: { name: 'vm-bench', ram: flavor.ramMb, vcpus: flavor.vcpus, disk: flavor.diskGb } })).body.flavor.id as string;
    const net = (await this.neutron('POST', '/networks', { network: { name: 'vm-bench-net' } })).body.network;
    const subnet = (await this.neutron('POST', '/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr, name: 'vm-bench-subnet' } })).body.subnet;
    this.network = { id: net.id as string, subnetId: subnet.id as string };
  }

  /** POST /servers with a marker script as user data; resolves when the server exists (not when it booted). */
  async create(name: string, marker: string, configDrive: boolean): Promise<string> {
    const server = {
      name, imageRef: this.imageId, flavorRef: this.flavorId, networks: [{ uuid: this.network!.id }],
      user_data: Buffer.from(markerScript(marker)).toString('base64'), ...(configDrive ? { config_drive: true } : {}),
    };
    const id = (await this.nova('POST', '/servers', { server })).body.server.id as string;
    this.live.add(id);
    this.all.push(id);
    return id;
  }

  /** One boot, timed from just before the POST to the marker on the console file. */
  async boot(name: string, configDrive: boolean, timeoutMs: number): Promise<{ id: string; trace: BootTrace }> {
    const marker = `VMBENCH-${randomBytes(6).toString('hex')}`;
    const t0 = performance.now();
    const id = await this.create(name, marker, configDrive);
    const trace = await traceBoot(join(this.instancesDir, id, 'console.log'), marker, { t0, timeoutMs, check: () => this.failIfError(id) });
    return { id, trace };
  }

  private async failIfError(id: string): Promise<void> {
    const s = (await this.nova('GET', `/servers/${id}`)).body.server as Json | undefined;
    if (s?.status === 'ERROR') throw new Error(`server ${id} went to ERROR: ${s.fault?.message ?? 'no fault'}`);
  }

  /** The server's QEMU pid (found by its uuid on the command line), or null. */
  qemuPid(id: string): Promise<number | null> {
    return qemuPidOf(id);
  }

  /** DELETE, then waits until the API no longer knows it and its QEMU is gone. */
  async remove(id: string, timeoutMs = 120_000): Promise<void> {
    await this.nova('DELETE', `/servers/${id}`);
    const end = Date.now() + timeoutMs;
    while ((await this.nova('GET', `/servers/${id}`)).status !== 404 || (await qemuPidOf(id)) !== null) {
      if (Date.now() > end) throw new Error(`server ${id} not gone ${timeoutMs / 1000} s after DELETE`);
      await sleep(200);
    }
    this.live.delete(id);
  }

  /** Deletes whatever of the run is still there: servers, the network, the flavor and the image; the errors met. */
  async tearDown(): Promise<string[]> {
    const errors: string[] = [];
    const attempt = async (what: Promise<unknown>): Promise<void> => { await what.catch((e: unknown) => { errors.push(String(e).slice(0, 200)); }); };
    await Promise.all([...this.live].map((id) => attempt(this.remove(id))));
    if (this.network) await attempt(this.neutron('DELETE', `/networks/${this.network.id}`));
    if (this.flavorId) await attempt(this.nova('DELETE', `/flavors/${this.flavorId}`));
    if (this.imageId) await attempt(this.call(9292, 'DELETE', `/v2/images/${this.imageId}`));
    return errors;
  }
}
