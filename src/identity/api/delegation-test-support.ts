import type { IdentityFixture } from '../test-support.js';
import { NULL_DOMAIN } from '../store/schema.js';

/**
 * Seeds users, projects, roles and grants straight into the store for the delegation
 * tests (application credentials, trusts), so they do not depend on the user, project
 * and role APIs, which are tested on their own.
 */
export class Seed {
  constructor(private readonly f: IdentityFixture) {}

  async role(name: string): Promise<string> {
    const found = await this.f.svc.db.selectFrom('role').select('id').where('name', '=', name).where('domain_id', '=', NULL_DOMAIN).executeTakeFirst();
    if (found) return found.id;
    const id = this.f.svc.ids.hex();
    await this.f.svc.db.insertInto('role').values({ id, name, domain_id: NULL_DOMAIN, description: null, options: '{}', extra: '{}' }).execute();
    return id;
  }

  async project(name: string): Promise<string> {
    const id = this.f.svc.ids.hex();
    await this.f.svc.db.insertInto('project').values({ id, name, domain_id: 'default', parent_id: 'default', is_domain: 0, enabled: 1, description: null, extra: '{}' }).execute();
    return id;
  }

  async user(name: string, password: string): Promise<string> {
    const id = this.f.svc.ids.hex();
    const now = this.f.clock.now().toISOString();
    await this.f.svc.db.insertInto('user').values({
      id, name, domain_id: 'default', enabled: 1, default_project_id: null, description: null, extra: '{}', options: '{}',
      created_at: now, last_active_at: null, failed_auth_count: 0, failed_auth_at: null,
    }).execute();
    await this.f.svc.db.insertInto('password').values({ user_id: id, hash: await this.f.svc.hasher.hash(password), created_at: now, expires_at: null, self_service: 0 }).execute();
    return id;
  }

  async grant(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.f.svc.db.insertInto('assignment').values({ type: 'UserProject', actor_id: userId, target_id: projectId, role_id: roleId, inherited: 0 }).execute();
    this.f.svc.changed();
  }

  async revoke(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.f.svc.db.deleteFrom('assignment').where('actor_id', '=', userId).where('target_id', '=', projectId).where('role_id', '=', roleId).execute();
    this.f.svc.changed();
  }

  async userId(name: string): Promise<string> {
    const row = await this.f.svc.db.selectFrom('user').select('id').where('name', '=', name).executeTakeFirstOrThrow();
    return row.id;
  }
}

/** POST /v3/auth/tokens with any auth body; returns status, token and body. */
export async function authenticate(f: IdentityFixture, auth: Record<string, unknown>): Promise<{ status: number; token: string; body: Record<string, unknown> }> {
  const res = await f.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth } });
  const token = res.headers['x-subject-token'];
  const body = res.json() as { token?: Record<string, unknown> };
  return { status: res.statusCode, token: typeof token === 'string' ? token : '', body: body.token ?? (body as Record<string, unknown>) };
}
