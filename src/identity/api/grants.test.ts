import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, identityFixture, type IdentityFixture } from '../test-support.js';
import { Api, Rows, type Json } from './assignment-test-support.js';

describe('grants and role assignments', () => {
  let f: IdentityFixture;
  let api: Api;
  let rows: Rows;
  let domainId: string;
  let projectId: string;
  let userId: string;
  let roleId: string;

  beforeEach(async () => {
    f = await identityFixture();
    api = await new Api(f).login();
    rows = new Rows(f);
    domainId = await rows.domain();
    projectId = await rows.project(domainId);
    userId = await rows.user(domainId);
    roleId = (await api.call('POST', '/v3/roles', { role: { name: 'worker' } })).json['role'].id;
  });
  afterEach(async () => f.close());

  const assignments = async (query: string): Promise<Json[]> => {
    const res = await api.call('GET', `/v3/role_assignments?${query}`);
    expect(res.status).toBe(200);
    return res.json['role_assignments'];
  };

  it('project user grant: put, head, get, list, delete, then 404', async () => {
    const url = `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`;
    expect((await api.call('HEAD', url)).status).toBe(404);
    expect((await api.call('PUT', url)).status).toBe(204);
    expect((await api.call('PUT', url)).status).toBe(204);
    expect((await api.call('HEAD', url)).status).toBe(204);
    expect((await api.call('GET', url)).status).toBe(204);
    const list = await api.call('GET', `/v3/projects/${projectId}/users/${userId}/roles`);
    expect(list.json['roles'].map((r: Json) => r.id)).toEqual([roleId]);
    expect(list.json['roles'][0]).toMatchObject({ name: 'worker', domain_id: null });
    expect((await api.call('DELETE', url)).status).toBe(204);
    const again = await api.call('DELETE', url);
    expect(again.status).toBe(404);
    expect(again.json['error'].message).toBe(
      `Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${projectId}.`);
  });

  it('grants name missing things with 404', async () => {
    const cases: Array<[string, string]> = [
      [`/v3/projects/nope/users/${userId}/roles/${roleId}`, 'Could not find project: nope.'],
      [`/v3/projects/${projectId}/users/nope/roles/${roleId}`, 'Could not find user: nope.'],
      [`/v3/projects/${projectId}/users/${userId}/roles/nope`, 'Could not find role: nope.'],
      [`/v3/domains/nope/groups/${userId}/roles/${roleId}`, 'Could not find group: nope.'.replace('nope', userId)],
      [`/v3/system/groups/nope/roles/${roleId}`, 'Could not find group: nope.'],
    ];
    for (const [url, message] of cases) {
      const res = await api.call('PUT', url);
      expect(res.status, url).toBe(404);
      expect(res.json['error'].message, url).toBe(message);
    }
  });

  it('a domain role can be granted only on projects of its domain, never on the system', async () => {
    const other = await rows.domain();
    const domainRole = (await api.call('POST', '/v3/roles', { role: { name: 'local', domain_id: other } })).json['role'].id;
    expect((await api.call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${domainRole}`)).status).toBe(403);
    expect((await api.call('PUT', `/v3/system/users/${userId}/roles/${domainRole}`)).status).toBe(400);
    const inOther = await rows.project(other);
    expect((await api.call('PUT', `/v3/projects/${inOther}/users/${userId}/roles/${domainRole}`)).status).toBe(204);
  });

  it('group, domain, system and OS-INHERIT grants each list separately', async () => {
    const groupId = await rows.group(domainId, [userId]);
    const urls = [
      `/v3/projects/${projectId}/groups/${groupId}/roles`,
      `/v3/domains/${domainId}/users/${userId}/roles`,
      `/v3/domains/${domainId}/groups/${groupId}/roles`,
      `/v3/system/users/${userId}/roles`,
      `/v3/system/groups/${groupId}/roles`,
    ];
    for (const base of urls) {
      expect((await api.call('PUT', `${base}/${roleId}`)).status, base).toBe(204);
      expect((await api.call('HEAD', `${base}/${roleId}`)).status, base).toBe(204);
      expect((await api.call('GET', base)).json['roles'].map((r: Json) => r.id), base).toEqual([roleId]);
    }
    const inherited = `/v3/OS-INHERIT/domains/${domainId}/users/${userId}/roles`;
    expect((await api.call('GET', `${inherited}/inherited_to_projects`)).json['roles']).toEqual([]);
    expect((await api.call('PUT', `${inherited}/${roleId}/inherited_to_projects`)).status).toBe(204);
    expect((await api.call('GET', `${inherited}/inherited_to_projects`)).json['roles'].map((r: Json) => r.id)).toEqual([roleId]);
    expect((await api.call('HEAD', `${inherited}/${roleId}/inherited_to_projects`)).status).toBe(204);
    const projectInherited = `/v3/OS-INHERIT/projects/${projectId}/groups/${groupId}/roles/${roleId}/inherited_to_projects`;
    expect((await api.call('HEAD', projectInherited)).status).toBe(404);
    expect((await api.call('PUT', projectInherited)).status).toBe(204);
    expect((await api.call('HEAD', projectInherited)).status).toBe(204);
    expect((await api.call('DELETE', projectInherited)).status).toBe(204);
  });

  it('role_assignments: direct listing with Keystone links and filters', async () => {
    await api.call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`);
    await api.call('PUT', `/v3/OS-INHERIT/domains/${domainId}/users/${userId}/roles/${roleId}/inherited_to_projects`);
    await api.call('PUT', `/v3/system/users/${userId}/roles/${roleId}`);
    const all = await assignments(`user.id=${userId}`);
    expect(all).toHaveLength(3);
    const onProject = all.find((a) => a.scope.project);
    expect(onProject).toEqual({
      scope: { project: { id: projectId } }, user: { id: userId }, role: { id: roleId },
      links: { assignment: expect.stringMatching(new RegExp(`/v3/projects/${projectId}/users/${userId}/roles/${roleId}$`)) },
    });
    const onDomain = all.find((a) => a.scope.domain);
    expect(onDomain.scope['OS-INHERIT:inherited_to']).toBe('projects');
    expect(onDomain.links.assignment).toMatch(new RegExp(`/v3/OS-INHERIT/domains/${domainId}/users/${userId}/roles/${roleId}/inherited_to_projects$`));
    expect(all.find((a) => a.scope.system)?.scope.system).toEqual({ all: true });
    expect(await assignments(`user.id=${userId}&scope.system=all`)).toHaveLength(1);
    expect(await assignments(`user.id=${userId}&scope.project.id=${projectId}`)).toHaveLength(1);
    // Keystone applies the inherited filter to project/domain grants only; system grants still show.
    expect((await assignments(`user.id=${userId}&scope.OS-INHERIT:inherited_to=projects`)).map((a) => Object.keys(a.scope)[0]).sort()).toEqual(['domain', 'system']);
    expect(await assignments(`role.id=${roleId}&scope.domain.id=${domainId}`)).toHaveLength(1);
    expect((await api.call('GET', `/v3/role_assignments?user.id=${userId}&group.id=x`)).status).toBe(400);
    expect((await api.call('GET', `/v3/role_assignments?scope.project.id=${projectId}&scope.domain.id=${domainId}`)).status).toBe(400);
  });

  it('role_assignments: effective expands groups, inheritance and implied roles, strips domain roles', async () => {
    const groupId = await rows.group(domainId, [userId]);
    const child = await rows.project(domainId, projectId);
    const implied = (await api.call('POST', '/v3/roles', { role: { name: 'implied' } })).json['role'].id;
    await api.call('PUT', `/v3/roles/${roleId}/implies/${implied}`);
    await api.call('PUT', `/v3/projects/${projectId}/groups/${groupId}/roles/${roleId}`);
    const eff = await assignments(`effective&user.id=${userId}&scope.project.id=${projectId}`);
    expect(eff).toHaveLength(2);
    const viaGroup = eff.find((a) => a.role.id === roleId);
    expect(viaGroup.links.membership).toMatch(new RegExp(`/v3/groups/${groupId}/users/${userId}$`));
    expect(viaGroup.links.assignment).toMatch(new RegExp(`/v3/projects/${projectId}/groups/${groupId}/roles/${roleId}$`));
    const viaImplied = eff.find((a) => a.role.id === implied);
    expect(viaImplied.links.assignment).toMatch(new RegExp(`/roles/${roleId}$`));
    expect(viaImplied.links.prior_role).toBeDefined();
    // The same query without effective shows nothing for the user: the grant is the group's.
    expect(await assignments(`user.id=${userId}&scope.project.id=${projectId}`)).toEqual([]);

    // Inherited from the parent project reaches the child only.
    await api.call('PUT', `/v3/OS-INHERIT/projects/${projectId}/users/${userId}/roles/${implied}/inherited_to_projects`);
    const onChild = await assignments(`effective&user.id=${userId}&scope.project.id=${child}`);
    expect(onChild).toHaveLength(1);
    expect(onChild[0].scope).toEqual({ project: { id: child }, 'OS-INHERIT:inherited_to': 'projects' });
    expect(onChild[0].links.assignment).toMatch(new RegExp(`/v3/OS-INHERIT/projects/${projectId}/users/${userId}/roles/${implied}/inherited_to_projects$`));

    // Domain roles only imply: never listed as effective.
    const domainRole = (await api.call('POST', '/v3/roles', { role: { name: 'drole', domain_id: domainId } })).json['role'].id;
    const other = await rows.project(domainId);
    await api.call('PUT', `/v3/projects/${other}/users/${userId}/roles/${domainRole}`);
    expect(await assignments(`effective&user.id=${userId}&scope.project.id=${other}`)).toEqual([]);
    await api.call('PUT', `/v3/roles/${domainRole}/implies/${implied}`);
    expect((await assignments(`effective&user.id=${userId}&scope.project.id=${other}`)).map((a) => a.role.id)).toEqual([implied]);
  });

  it('role_assignments: include_names and include_subtree', async () => {
    const child = await rows.project(domainId, projectId);
    await api.call('PUT', `/v3/projects/${child}/users/${userId}/roles/${roleId}`);
    const named = await assignments(`user.id=${userId}&include_names`);
    expect(named[0].role).toEqual({ id: roleId, name: 'worker' });
    expect(named[0].user.name).toBe(userId);
    expect(named[0].scope.project.domain.id).toBe(domainId);
    expect(await assignments(`scope.project.id=${projectId}`)).toEqual([]);
    expect(await assignments(`scope.project.id=${projectId}&include_subtree=true`)).toHaveLength(1);
    expect((await api.call('GET', '/v3/role_assignments?include_subtree=true')).status).toBe(400);
  });

  it('tokens: a domain-specific role never appears, but the roles it implies do', async () => {
    const demo = (await f.svc.db.selectFrom('user').select('id').where('name', '=', 'demo').executeTakeFirstOrThrow()).id;
    const demoProject = (await f.svc.db.selectFrom('project').select('id').where('name', '=', 'demo').executeTakeFirstOrThrow()).id;
    const domainRole = (await api.call('POST', '/v3/roles', { role: { name: 'drole', domain_id: 'default' } })).json['role'].id;
    expect((await api.call('PUT', `/v3/roles/${domainRole}/implies/${roleId}`)).status).toBe(201);
    expect((await api.call('PUT', `/v3/projects/${demoProject}/users/${demo}/roles/${domainRole}`)).status).toBe(204);
    const token = await f.tokenFor('demo', DEMO_PASSWORD, 'demo');
    const res = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    const names = (res.json() as Json)['token'].roles.map((r: Json) => r.name).sort();
    expect(names).toEqual(['member', 'reader', 'worker']);
  });

  it('tokens follow grants at once: a revoked grant leaves the token roles', async () => {
    await f.svc.db.updateTable('user').set({ name: 'alice' }).where('id', '=', userId).execute();
    const member = (await api.call('GET', '/v3/roles?name=member')).json['roles'][0].id as string;
    await api.call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${member}`);
    await api.call('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`);
    const roleNames = async (): Promise<string[]> => {
      const res = await api.call('GET', `/v3/role_assignments?effective&user.id=${userId}&scope.project.id=${projectId}&include_names`);
      return res.json['role_assignments'].map((a: Json) => a.role.name).sort();
    };
    expect(await roleNames()).toEqual(['member', 'reader', 'worker']);
    await api.call('DELETE', `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`);
    expect(await roleNames()).toEqual(['member', 'reader']);
  });
});
