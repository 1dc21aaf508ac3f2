import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RequestContext, TokenValidator } from '../core/auth/index.js';
import { systemClock } from '../core/clock.js';
import { dropServiceDatabase } from '../core/db/index.js';
import { UnauthorizedError } from '../core/http/index.js';
import { randomIds } from '../core/ids.js';
import { createLogger } from '../core/log.js';
import { createNetworkApp } from './api/index.js';
import { NetworkAgent } from './agent/network-agent.js';
import { RecordingDataplane } from './dataplane/recording.js';
import { servePluginEndpoint } from './rpc/plugin-endpoint.js';
import { InProcessBus } from '../core/bus/index.js';
import type { NetworkService } from './service.js';
import type { NetworkSettings } from './settings.js';
import { openNetwork } from './setup.js';

/** Fixed callers: the token is the caller's name. */
export const PROJECTS = { admin: 'p-admin', demo: 'p-demo', alt: 'p-alt' } as const;
export type Caller = 'admin' | 'demo' | 'alt';

const tokens: TokenValidator = {
  validate: async (token, requestId): Promise<RequestContext> => {
    if (token !== 'admin' && token !== 'demo' && token !== 'alt') throw new UnauthorizedError();
    const roles = token === 'admin' ? ['admin', 'member', 'reader'] : ['member', 'reader'];
    const project = PROJECTS[token];
    return {
      token, userId: `u-${token}`, userName: token, userDomainId: 'default', userDomainName: 'Default',
      projectId: project, projectName: project, projectDomainId: 'default', projectDomainName: 'Default',
      roles, roleIds: roles, expiresAt: new Date(Date.now() + 3600_000), auditIds: ['a'], methods: ['password'], requestId,
    };
  },
};

export interface NetworkFixture {
  app: FastifyInstance;
  svc: NetworkService;
  /** The dataplane of the fixture's one agent, on host AGENT_HOST. */
  dataplane: RecordingDataplane;
  close(): Promise<void>;
}

/** The host the fixture's network agent serves. */
export const AGENT_HOST = 'host-1';

/** The network API on a temporary SQLite directory (or STRATUS_TEST_DATABASE_URL's server). */
export async function networkFixture(overrides: Partial<NetworkSettings> = {}): Promise<NetworkFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-network-test-'));
  const server = process.env.STRATUS_TEST_DATABASE_URL || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const schema = server ? `network_${randomBytes(6).toString('hex')}` : undefined;
  const cleanup = async (): Promise<void> => {
    if (schema) await dropServiceDatabase(connection, 'network', { name: schema }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const settings: NetworkSettings = { physnetMtu: 1500, paginationMaxLimit: null, tenantNetworkTypes: ['vxlan'], vniRanges: [{ min: 1, max: 1000 }],
      baseMac: 'fa:16:3e:00:00:00', maxDnsNameservers: 5, maxSubnetHostRoutes: 20, maxFixedIpsPerPort: 5, agentDownTime: 75,
      defaultQuotas: { network: 100, subnet: 100, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100, subnetpool: -1 }, ...overrides };
    const { svc, database } = await openNetwork({ connection, ...(schema ? { schema } : {}), settings, clock: systemClock, ids: randomIds, log: createLogger({ level: 'silent' }) });
    const app = createNetworkApp(svc, { bodyLimit: 114688, tokens });
    await app.ready();
    const bus = new InProcessBus({ defaultTimeoutMs: 5000 });
    svc.notifier.connect(bus);
    await servePluginEndpoint(bus, svc);
    const dataplane = new RecordingDataplane();
    const agent = new NetworkAgent(bus, dataplane, { host: AGENT_HOST, availabilityZone: 'nova', reportInterval: 3600 }, svc.log);
    await agent.start();
    return {
      app, svc, dataplane,
      close: async () => { svc.notifier.close(); await agent.stop(); await bus.close(); await app.close(); await database.close(); await cleanup(); },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** `f.app.inject` as a caller: method, URL and an optional JSON body. */
export function callerFor(f: () => NetworkFixture) {
  return (who: Caller, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    f().app.inject({ method, url, headers: { 'x-auth-token': who, 'content-type': 'application/json' }, ...(payload ? { payload: payload as object } : {}) });
}

/** The NeutronError body of a response. */
export const fault = (res: { json(): unknown }): { type: string; message: string } => (res.json() as { NeutronError: { type: string; message: string } }).NeutronError;

/** POST /v2.0/<collection> that must answer 201; the created resource (fails with the body otherwise). */
export function creatorFor(call: ReturnType<typeof callerFor>) {
  return async (who: Caller, collection: string, key: string, body: Record<string, unknown>): Promise<Record<string, any>> => {
    const res = await call(who, 'POST', `/v2.0/${collection}`, { [key]: body });
    if (res.statusCode !== 201) throw new Error(`POST /v2.0/${collection} answered ${res.statusCode}: ${res.body}`);
    return (res.json() as Record<string, Record<string, any>>)[key]!;
  };
}
