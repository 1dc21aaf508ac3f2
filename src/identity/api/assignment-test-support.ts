import type { IdentityFixture } from '../test-support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A thin JSON client over app.inject() with the admin token. */
export class Api {
  private token = '';
  constructor(private readonly f: IdentityFixture) {}

  async login(): Promise<this> {
    this.token = await this.f.adminToken();
    return this;
  }

  async call(method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; json: Json }> {
    const res = await this.f.app.inject({ method, url, headers: { 'x-auth-token': this.token }, ...(payload !== undefined ? { payload: payload as Json } : {}) });
    return { status: res.statusCode, json: res.body ? (res.json() as Json) : {} };
  }
}

/**
 * Inserts domains, projects, users and groups straight into the tables, so these tests
 * do not depend on the resource APIs other modules own.
 */
export class Rows {
  private n = 0;
  constructor(private readonly f: IdentityFixture) {}

  private id(prefix: string): string {
    this.n += 1;
    return `${prefix}${this.n}${Math.random().toString(16).slice(2, 8)}`;
  }

  async domain(name = this.id('dom')): Promise<string> {
    const id = this.id('d');
    await this.f.svc.db.insertInto('project').values({
      id, name, domain_id: '<<keystone.domain.root>>', parent_id: null, is_domain: 1, enabled: 1, description: null, extra: '{}',
    }).execute();
    return id;
  }

  async project(domainId: string, parentId: string = domainId): Promise<string> {
    const id = this.id('p');
    await this.f.svc.db.insertInto('project').values({
      id, name: id, domain_id: domainId, parent_id: parentId, is_domain: 0, enabled: 1, description: null, extra: '{}',
    }).execute();
    return id;
  }

  async user(domainId: string): Promise<string> {
    const id = this.id('u');
    await this.f.svc.db.insertInto('user').values({
      id, name: id, domain_id: domainId, enabled: 1, default_project_id: null, description: null, extra: '{}', options: '{}',
      created_at: new Date().toISOString(), last_active_at: null, failed_auth_count: 0, failed_auth_at: null,
    }).execute();
    return id;
  }

  async group(domainId: string, members: string[] = []): Promise<string> {
    const id = this.id('g');
    await this.f.svc.db.insertInto('group').values({ id, name: id, domain_id: domainId, description: null, extra: '{}' }).execute();
    for (const userId of members) await this.f.svc.db.insertInto('user_group').values({ user_id: userId, group_id: id }).execute();
    return id;
  }
}
