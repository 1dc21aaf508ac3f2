import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../core/auth/index.js';
import { ManualClock } from '../../core/clock.js';
import { dropServiceDatabase, migrateToLatest, openServiceDatabase } from '../../core/db/index.js';
import { createServiceApp, UnauthorizedError } from '../../core/http/index.js';
import { randomIds } from '../../core/ids.js';
import { createLogger } from '../../core/log.js';
import { PolicyEnforcer } from '../../core/policy/index.js';
import { metadefPolicies, registerMetadefRoutes, type MetadefDeps, type MetadefTables } from './index.js';
import * as migration from './migration.js';

/**
 * The metadefs API alone on a throw-away database, for tests that drive it with
 * `app.inject()`. Callers are chosen per request with the X-Test-Caller header (a
 * stand-in for token validation): see CALLERS. With STRATUS_TEST_DATABASE_URL set
 * the tables live on that server in a schema of their own, dropped by close().
 */
export const PROJECT_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const PROJECT_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
export const ADMIN_PROJECT = 'cccccccccccccccccccccccccccccccc';

/** Who can call: an admin, members of projects A and B, a reader of A, a user with no role in A. */
export const CALLERS = {
  admin: { project: ADMIN_PROJECT, roles: ['admin', 'member', 'reader'] },
  a: { project: PROJECT_A, roles: ['member', 'reader'] },
  b: { project: PROJECT_B, roles: ['member', 'reader'] },
  readerA: { project: PROJECT_A, roles: ['reader'] },
  noRoleA: { project: PROJECT_A, roles: [] as string[] },
} as const;
export type Who = keyof typeof CALLERS;

/** A parsed JSON body; tests index into it freely. */
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  json: Json;
  headers: Record<string, unknown>;
}

export interface MetadefFixture {
  app: FastifyInstance;
  deps: MetadefDeps;
  clock: ManualClock;
  /** One request as `who`; a body is sent as JSON. */
  call(who: Who, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

function contextOf(who: Who, requestId: string): RequestContext {
  const c = CALLERS[who];
  return {
    token: `token-${who}`, userId: `user-${who}`, userName: who, userDomainId: 'default', userDomainName: 'Default',
    projectId: c.project, projectName: `project-${who}`, projectDomainId: 'default', projectDomainName: 'Default',
    roles: c.roles, roleIds: c.roles, expiresAt: new Date(Date.now() + 3600_000), auditIds: [], methods: ['password'], requestId,
  };
}

async function fakeGuard(request: FastifyRequest): Promise<void> {
  const who = request.headers['x-test-caller'];
  if (typeof who !== 'string' || !Object.hasOwn(CALLERS, who)) throw new UnauthorizedError();
  request.authContext = contextOf(who as Who, request.id);
}

export async function metadefFixture(): Promise<MetadefFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-metadefs-test-'));
  const server = process.env['STRATUS_TEST_DATABASE_URL'] || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const schema = server ? `image_md_${randomBytes(6).toString('hex')}` : undefined;
  const database = await openServiceDatabase<MetadefTables>(connection, 'image', schema ? { name: schema } : {});
  const clock = new ManualClock(new Date('2026-11-22T09:00:00Z'));
  const app = createServiceApp({ service: 'image', logger: createLogger({ level: 'silent' }), bodyLimit: 1 << 20, renderError: (e) => ({ message: e.message }) });
  const close = async () => {
    await app.close();
    await database.close();
    if (schema) await dropServiceDatabase(connection, 'image', { name: schema });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrateToLatest(database.db as unknown as Kysely<unknown>, { '0002_metadefs': migration }, 'image', database.migrationOptions);
    const policy = new PolicyEnforcer({ defaults: [...metadefPolicies, { name: 'context_is_admin', checkStr: 'role:admin' }] });
    const deps: MetadefDeps = { db: database.db, policy, clock, ids: randomIds, guard: { preHandler: fakeGuard } };
    registerMetadefRoutes(app, deps);
    await app.ready();
    const call: MetadefFixture['call'] = async (who, method, url, body, headers = {}) => {
      const res = await app.inject({
        method, url,
        headers: { 'x-test-caller': who, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Json) : {}, headers: res.headers };
    };
    return { app, deps, clock, call, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * A maker of public namespaces named `<prefix>-1`, `<prefix>-2`, ... created by the
 * admin in the fixture `fixture()` returns at call time (tests assign it in beforeAll).
 */
export function namespaceMaker(fixture: () => MetadefFixture, prefix: string): (body?: Json) => Promise<string> {
  let seq = 0;
  return async (body = {}) => {
    const name = `${prefix}-${++seq}`;
    const res = await fixture().call('admin', 'POST', '/v2/metadefs/namespaces', { namespace: name, visibility: 'public', ...body });
    if (res.status !== 201) throw new Error(`creating namespace ${name} answered ${res.status}`);
    return name;
  };
}
