import { ADMIN_PASSWORD, DEMO_PASSWORD, type IdentityFixture } from '../test-support.js';
import { call, type Json, type Reply } from './resource-test-support.js';

/** Tokens of the personas the unified-limits policies tell apart. */
export interface LimitPersonas {
  /** admin, system scoped: the only one allowed to write (Keystone's SYSTEM_ADMIN). */
  system: string;
  /** admin on project admin: a project admin, which Zed does not let write limits. */
  projectAdmin: string;
  /** demo (member) on project demo. */
  demo: string;
  /** demo with a role on the Default domain, domain scoped. */
  demoDomain: string;
  ids: { admin: string; demo: string; demoUser: string; service: string };
}

async function token(f: IdentityFixture, user: string, password: string, scope: unknown): Promise<string> {
  const res = await f.app.inject({
    method: 'POST', url: '/v3/auth/tokens',
    payload: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope } },
  });
  const t = res.headers['x-subject-token'];
  if (res.statusCode !== 201 || typeof t !== 'string') throw new Error(`auth failed ${res.statusCode}: ${res.body}`);
  return t;
}

export async function limitPersonas(f: IdentityFixture): Promise<LimitPersonas> {
  const system = await token(f, 'admin', ADMIN_PASSWORD, { system: { all: true } });
  const get = async (url: string, key: string): Promise<Json[]> => (await call(f, system, 'GET', url)).json[key] as Json[];
  const projectId = async (name: string) => String((await get(`/v3/projects?name=${name}`, 'projects'))[0]?.id);
  const demoUser = String((await get('/v3/users?name=demo', 'users'))[0]?.id);
  const member = String((await get('/v3/roles?name=member', 'roles'))[0]?.id);
  const grant = await call(f, system, 'PUT', `/v3/domains/default/users/${demoUser}/roles/${member}`);
  if (grant.status !== 204) throw new Error(`grant failed ${grant.status}`);
  const service = String((await get('/v3/services?type=identity', 'services'))[0]?.id);
  return {
    system,
    projectAdmin: await token(f, 'admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { id: 'default' } } }),
    demo: await token(f, 'demo', DEMO_PASSWORD, { project: { name: 'demo', domain: { id: 'default' } } }),
    demoDomain: await token(f, 'demo', DEMO_PASSWORD, { domain: { id: 'default' } }),
    ids: { admin: await projectId('admin'), demo: await projectId('demo'), demoUser, service },
  };
}

/** POST /v3/registered_limits with one item; returns the reply. */
export async function registerLimit(f: IdentityFixture, tokenId: string, item: Json): Promise<Reply> {
  return call(f, tokenId, 'POST', '/v3/registered_limits', { registered_limits: [item] });
}

/** POST /v3/limits with one item; returns the reply. */
export async function createLimit(f: IdentityFixture, tokenId: string, item: Json): Promise<Reply> {
  return call(f, tokenId, 'POST', '/v3/limits', { limits: [item] });
}
