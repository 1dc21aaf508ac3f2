import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ManualClock, systemClock, type Clock } from '../core/clock.js';
import { randomIds } from '../core/ids.js';
import { dropServiceDatabase } from '../core/db/index.js';
import { createLogger } from '../core/log.js';
import { createIdentityApp } from './api/index.js';
import type { IdentityService } from './service.js';
import { bootstrap, openIdentity } from './setup.js';
import { defaultSecurityCompliance, type IdentitySettings, type SecurityCompliance } from './settings.js';

export const ADMIN_PASSWORD = 'admin-secret';
export const DEMO_PASSWORD = 'demo-secret';

/**
 * A bootstrapped identity service on a temporary SQLite directory, for tests that go
 * through the HTTP API with `app.inject()`. Call `close()` in afterEach/afterAll.
 *
 * With STRATUS_TEST_DATABASE_URL set (postgresql://... or mysql://..., as the `db` test
 * tier does) the service runs on that server instead, in a schema (PostgreSQL) or
 * database (MariaDB) of its own named identity_<random>, dropped again by close(): so
 * fixtures stay independent and test files can run in parallel.
 */
export interface IdentityFixture {
  app: FastifyInstance;
  svc: IdentityService;
  clock: Clock;
  /** Token for admin on project admin. */
  adminToken(): Promise<string>;
  /** Token for any user by name/password in the Default domain, optional project scope. */
  tokenFor(user: string, password: string, project?: string): Promise<string>;
  close(): Promise<void>;
}

export async function identityFixture(options: { manualClock?: boolean; compliance?: Partial<SecurityCompliance>; listLimit?: number } = {}): Promise<IdentityFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-identity-test-'));
  const clock = options.manualClock ? new ManualClock(new Date()) : systemClock;
  const settings: IdentitySettings = {
    tokenExpirationSeconds: 3600,
    fernetKeyRepository: join(dir, 'fernet-keys'),
    maxActiveKeys: 3,
    scrypt: { nBits: 4, r: 8, p: 1 },
    listLimit: options.listLimit ?? null,
    maxPasswordLength: 4096,
    securityCompliance: { ...defaultSecurityCompliance, ...options.compliance },
    publicEndpoint: null,
  };
  const server = process.env.STRATUS_TEST_DATABASE_URL || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const schema = server ? `identity_${randomBytes(6).toString('hex')}` : undefined;
  const dropSchema = async () => {
    if (schema) await dropServiceDatabase(connection, 'identity', { name: schema });
  };
  let opened: Awaited<ReturnType<typeof openIdentity>>;
  try {
    opened = await openIdentity({ connection, ...(schema ? { schema } : {}), settings, clock, ids: randomIds, log: createLogger({ level: 'silent' }) });
  } catch (e) {
    await dropSchema().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { svc, database } = opened;
  const app = createIdentityApp(svc, { bodyLimit: 114688 });
  try {
    await bootstrap(svc, {
      adminPassword: ADMIN_PASSWORD, demoPassword: DEMO_PASSWORD, region: 'RegionOne',
      services: [{ type: 'identity', name: 'keystone', urls: { public: 'http://localhost:5000', internal: 'http://localhost:5000', admin: 'http://localhost:5000' } }],
    });
    await app.ready();
  } catch (e) {
    // Leave no schema or directory behind when the fixture itself cannot be built.
    await app.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    await dropSchema().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const tokenFor = async (user: string, password: string, project?: string): Promise<string> => {
    const res = await app.inject({
      method: 'POST', url: '/v3/auth/tokens',
      payload: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
          ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
        },
      },
    });
    const token = res.headers['x-subject-token'];
    if (res.statusCode !== 201 || typeof token !== 'string') throw new Error(`auth failed ${res.statusCode}: ${res.body}`);
    return token;
  };
  return {
    app, svc, clock,
    adminToken: () => tokenFor('admin', ADMIN_PASSWORD, 'admin'),
    tokenFor,
    close: async () => {
      await app.close();
      await database.close();
      try {
        await dropSchema();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
