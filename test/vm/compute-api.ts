/**
 * A thin client of the test cloud's compute API for waiting: polling server states from
 * Node costs milliseconds where a `openstack server show` costs a Python start (~1 s).
 * The actions themselves go through the official CLI; this only watches.
 */
import type { Cloud } from '../lib/cloud.js';

export interface ServerView {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-STS:power_state': number;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  fault?: { message: string };
  addresses: Record<string, Array<{ addr: string; 'OS-EXT-IPS:type'?: string }>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ComputeWatcher {
  private token: string | null = null;
  private computeUrl: string | null = null;

  constructor(private readonly cloud: Cloud) {}

  private async auth(): Promise<void> {
    const admin = this.cloud.clouds['stratus']!.auth;
    const res = await fetch(`${this.cloud.identityUrl}/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: admin.username, domain: { name: admin.user_domain_name ?? 'Default' }, password: admin.password } } },
        scope: { project: { name: admin.project_name, domain: { name: admin.project_domain_name ?? 'Default' } } } } }),
    });
    if (res.status !== 201) throw new Error(`token request answered ${res.status}`);
    this.token = res.headers.get('x-subject-token');
    const body = await res.json() as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
    this.computeUrl = body.token.catalog.find((s) => s.type === 'compute')?.endpoints.find((e) => e.interface === 'public')?.url ?? null;
    if (!this.computeUrl) throw new Error('no compute endpoint in the catalog');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    if (!this.token) await this.auth();
    const res = await fetch(`${this.computeUrl}${path}`, {
      method, headers: { 'x-auth-token': this.token!, 'content-type': 'application/json', 'openstack-api-version': 'compute 2.93' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async server(id: string): Promise<ServerView | null> {
    const r = await this.request<{ server: ServerView }>('GET', `/servers/${id}`);
    return r.status === 404 ? null : r.body.server;
  }

  /** Waits until the server shows `status` with no task; fails early on ERROR. */
  async waitStatus(id: string, status: string, timeoutMs = 120_000): Promise<ServerView> {
    const end = Date.now() + timeoutMs;
    let last: ServerView | null = null;
    while (Date.now() < end) {
      last = await this.server(id);
      if (last && last.status === status && last['OS-EXT-STS:task_state'] === null) return last;
      if (last?.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR: ${last.fault?.message ?? 'no fault'}`);
      await sleep(250);
    }
    throw new Error(`server ${id} not ${status} in ${timeoutMs / 1000} s (last: ${last?.status}/${last?.['OS-EXT-STS:task_state']})`);
  }

  async waitGone(id: string, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!(await this.server(id))) return;
      await sleep(250);
    }
    throw new Error(`server ${id} still there after ${timeoutMs / 1000} s`);
  }

  /** The serial console (os-getConsoleOutput) until it matches `pattern`; the text. */
  async waitConsole(id: string, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < end) {
      const r = await this.request<{ output: string }>('POST', `/servers/${id}/action`, { 'os-getConsoleOutput': {} });
      text = r.body?.output ?? '';
      if (pattern.test(text)) return text;
      await sleep(300);
    }
    throw new Error(`console of ${id} never showed ${pattern} in ${timeoutMs / 1000} s; last lines: ${text.trim().split('\n').slice(-3).join(' | ')}`);
  }
}
