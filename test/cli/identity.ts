/**
 * The "cli" tier: drives a fresh cloud with the official `openstack` CLI (Debian's
 * python3-openstackclient) and checks real behaviour of Identity v3 — what was
 * created can be read back with the right fields, what was deleted is gone, what must
 * be refused is refused. Cases run in order and build on each other.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Cloud } from '../lib/cloud.js';
import { repoRoot } from '../lib/paths.js';
import { cleanOsEnv, run } from '../lib/proc.js';
import { CaseRecorder, type CaseTotals, check, checkEqual, OpenStackCli, type OsOptions, type OsResult } from './osc.js';

type Row = Record<string, unknown>;

const DOM = 'cli-dom';
const PARENT = 'cli-parent';
const CHILD = 'cli-child';
const USER = 'cli-user';
const USER_PW = 'cli-user-pw-1';
const GROUP = 'cli-group';
const ROLE = 'cli-role';
const IMPLIED = 'cli-implied';
const SVC_TYPE = 'cli-type';
const SVC = 'cli-svc';
const REGION = 'RegionTwo';

function names(rows: Row[], key = 'Name'): string[] {
  return rows.map((r) => String(r[key]));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Runs every case against `cloud`; prints one line per failing case. */
export async function runIdentityCli(cloud: Cloud, opts: { verbose: boolean }): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const admin = cloud.clouds.stratus;
  const demo = cloud.clouds['stratus-demo'];
  check(admin !== undefined && demo !== undefined, 'clouds.yaml lacks stratus / stratus-demo');
  const authUrl = admin.auth.auth_url;
  const ids: Record<string, string> = {};
  // Environment, not --os-* flags: with OS_CLOUD set, openstacksdk keeps the cloud's
  // project_name over --os-project-name.
  const asUser = (project: string): OsOptions => ({
    cloud: null,
    env: {
      OS_AUTH_URL: authUrl, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: USER, OS_PASSWORD: USER_PW,
      OS_USER_DOMAIN_NAME: DOM, OS_PROJECT_NAME: project, OS_PROJECT_DOMAIN_NAME: DOM,
    },
  });
  const userOpt = ['--user', USER, '--user-domain', DOM];
  const tokenEnv = (token: string) => ({
    OS_AUTH_TYPE: 'v3token', OS_TOKEN: token, OS_AUTH_URL: authUrl, OS_IDENTITY_API_VERSION: '3',
    OS_PROJECT_NAME: admin.auth.project_name ?? 'admin',
    OS_PROJECT_DOMAIN_NAME: admin.auth.project_domain_name ?? 'Default',
  });

  // --- tokens -------------------------------------------------------------------
  await rec.case('token issue (stratus cloud)', async () => {
    const t = await os.json(['token', 'issue']);
    check(typeof t.id === 'string' && t.id.length > 0, `no token id in ${str(t)}`);
    check(Date.parse(str(t.expires)) > Date.now(), `expires ${str(t.expires)} is not in the future`);
    check(typeof t.project_id === 'string' && typeof t.user_id === 'string', `no project_id/user_id: ${str(t)}`);
    ids.adminProject = String(t.project_id);
    ids.adminUser = String(t.user_id);
  });
  await rec.case('token issue (stratus-demo cloud)', async () => {
    const t = await os.json(['token', 'issue'], { cloud: 'stratus-demo' });
    check(typeof t.id === 'string' && t.id.length > 0, `no token id in ${str(t)}`);
    check(t.project_id !== ids.adminProject, 'demo token is scoped to the admin project');
    check(t.user_id !== ids.adminUser, 'demo token belongs to the admin user');
    ids.demoProject = String(t.project_id);
    ids.demoUser = String(t.user_id);
  });
  await rec.case('token issue after sourcing openrc in bash', async () => {
    const r = await run('bash', ['-c', '. "$1" && openstack token issue -f json', 'bash', cloud.openrcFile], {
      env: cleanOsEnv(), timeoutMs: 120_000,
    });
    const res: OsResult = { cmd: `. ${cloud.openrcFile} && openstack token issue -f json`, ...r };
    check(r.code === 0, `exited ${r.code}`, res);
    const t = JSON.parse(r.stdout) as Row;
    check(typeof t.id === 'string' && t.id.length > 0, `no token id in ${r.stdout}`, res);
  });
  await rec.case('token issue with a wrong password fails', async () => {
    await os.fails(['--os-password=not-the-password', 'token', 'issue']);
  });

  // --- catalog ------------------------------------------------------------------
  await rec.case('catalog list has the identity endpoint', async () => {
    const cat = await os.json<Row[]>(['catalog', 'list']);
    const idn = cat.find((s) => s.Type === 'identity');
    check(idn !== undefined, `no identity service in ${str(cat)}`);
    const eps = (idn.Endpoints ?? []) as Row[];
    const pub = eps.find((e) => e.interface === 'public');
    check(pub !== undefined, `identity has no public endpoint: ${str(eps)}`);
    check(String(pub.url).startsWith(cloud.identityUrl), `public url ${str(pub.url)} is not ${cloud.identityUrl}`);
    checkEqual(pub.region ?? pub.region_id, 'RegionOne', 'identity endpoint region');
  });
  await rec.case('catalog show identity', async () => {
    const s = await os.json(['catalog', 'show', 'identity']);
    checkEqual(s.type, 'identity', 'type');
  });

  // --- domains ------------------------------------------------------------------
  await rec.case('domain create', async () => {
    const d = await os.json(['domain', 'create', '--description', 'made by the cli tier', DOM]);
    checkEqual([d.name, d.enabled, d.description], [DOM, true, 'made by the cli tier'], 'name/enabled/description');
    ids.domain = String(d.id);
  });
  await rec.case('domain list and show', async () => {
    check(names(await os.json<Row[]>(['domain', 'list'])).includes(DOM), `${DOM} not in domain list`);
    const d = await os.json(['domain', 'show', DOM]);
    checkEqual(d.id, ids.domain, 'domain id');
  });
  await rec.case('domain set --description', async () => {
    await os.ok(['domain', 'set', '--description', 'changed', DOM]);
    checkEqual((await os.json(['domain', 'show', DOM])).description, 'changed', 'description after set');
  });
  await rec.case('domain create with a taken name fails', async () => {
    await os.ok(['domain', 'show', DOM]);
    await os.fails(['domain', 'create', DOM]);
  });

  // --- projects -----------------------------------------------------------------
  await rec.case('project create --domain', async () => {
    const p = await os.json(['project', 'create', '--domain', DOM, '--description', 'parent', PARENT]);
    checkEqual([p.name, p.domain_id, p.enabled], [PARENT, ids.domain, true], 'name/domain_id/enabled');
    ids.parent = String(p.id);
  });
  await rec.case('project create --parent --tag', async () => {
    const p = await os.json(['project', 'create', '--domain', DOM, '--parent', PARENT, '--tag', 't1', '--tag', 't2', CHILD]);
    checkEqual(p.parent_id, ids.parent, 'parent_id');
    checkEqual([...((p.tags as string[] | undefined) ?? [])].sort(), ['t1', 't2'], 'tags');
    ids.child = String(p.id);
  });
  await rec.case('project list --domain / --parent / --tags', async () => {
    const inDom = names(await os.json<Row[]>(['project', 'list', '--domain', DOM]));
    checkEqual(inDom.sort(), [CHILD, PARENT], 'projects in domain');
    checkEqual(names(await os.json<Row[]>(['project', 'list', '--parent', ids.parent ?? PARENT])), [CHILD], 'children');
    checkEqual(names(await os.json<Row[]>(['project', 'list', '--tags', 't1'])), [CHILD], 'projects tagged t1');
  });
  await rec.case('project set --description --tag --disable/--enable', async () => {
    await os.ok(['project', 'set', '--domain', DOM, '--description', 'child2', '--tag', 't3', '--disable', CHILD]);
    const p = await os.json(['project', 'show', '--domain', DOM, CHILD]);
    checkEqual([p.description, p.enabled], ['child2', false], 'description/enabled');
    checkEqual([...((p.tags as string[] | undefined) ?? [])].sort(), ['t1', 't2', 't3'], 'tags after set --tag');
    await os.ok(['project', 'set', '--domain', DOM, '--enable', CHILD]);
    checkEqual((await os.json(['project', 'show', '--domain', DOM, CHILD])).enabled, true, 'enabled after --enable');
  });

  // --- users --------------------------------------------------------------------
  await rec.case('user create --password --email --project', async () => {
    const u = await os.json(['user', 'create', '--domain', DOM, `--password=${USER_PW}`, '--email', 'cli@example.org',
      '--project', PARENT, '--project-domain', DOM, USER]);
    checkEqual([u.name, u.domain_id, u.enabled, u.email, u.default_project_id],
      [USER, ids.domain, true, 'cli@example.org', ids.parent], 'name/domain_id/enabled/email/default_project_id');
    check(!('password' in u), 'user create echoes the password');
    ids.user = String(u.id);
  });
  await rec.case('user list and show', async () => {
    check(names(await os.json<Row[]>(['user', 'list', '--domain', DOM])).includes(USER), `${USER} not listed`);
    checkEqual((await os.json(['user', 'show', '--domain', DOM, USER])).id, ids.user, 'user id');
  });
  await rec.case('user create with a taken name fails', async () => {
    await os.ok(['user', 'show', '--domain', DOM, USER]);
    await os.fails(['user', 'create', '--domain', DOM, USER]);
  });
  await rec.case('user set --email --disable/--enable', async () => {
    await os.ok(['user', 'set', '--domain', DOM, '--email', 'cli2@example.org', '--disable', USER]);
    const u = await os.json(['user', 'show', '--domain', DOM, USER]);
    checkEqual([u.email, u.enabled], ['cli2@example.org', false], 'email/enabled');
    await os.ok(['user', 'set', '--domain', DOM, '--enable', USER]);
    checkEqual((await os.json(['user', 'show', '--domain', DOM, USER])).enabled, true, 'enabled after --enable');
  });

  // --- groups -------------------------------------------------------------------
  await rec.case('group create, list and show', async () => {
    const g = await os.json(['group', 'create', '--domain', DOM, '--description', 'g', GROUP]);
    checkEqual([g.name, g.domain_id], [GROUP, ids.domain], 'name/domain_id');
    ids.group = String(g.id);
    check(names(await os.json<Row[]>(['group', 'list', '--domain', DOM])).includes(GROUP), `${GROUP} not listed`);
    checkEqual((await os.json(['group', 'show', '--domain', DOM, GROUP])).id, ids.group, 'group id');
  });
  await rec.case('group set --description', async () => {
    await os.ok(['group', 'set', '--domain', DOM, '--description', 'changed', GROUP]);
    checkEqual((await os.json(['group', 'show', '--domain', DOM, GROUP])).description, 'changed', 'description');
  });
  const groupArgs = ['--group-domain', DOM, '--user-domain', DOM, GROUP, USER];
  await rec.case('group add user / contains user', async () => {
    await os.ok(['group', 'add', 'user', ...groupArgs]);
    const r = await os.ok(['group', 'contains', 'user', ...groupArgs]);
    check(r.stdout.includes(`${USER} in group ${GROUP}`), `contains says: ${r.stdout.trim()} ${r.stderr.trim()}`, r);
    const members = names(await os.json<Row[]>(['user', 'list', '--group', GROUP, '--domain', DOM]));
    checkEqual(members, [USER], 'user list --group');
  });
  await rec.case('group remove user', async () => {
    await os.ok(['group', 'remove', 'user', ...groupArgs]);
    const r = await os.run(['group', 'contains', 'user', ...groupArgs]);
    check(r.stderr.includes('not in group'), `contains after remove says: ${r.stdout.trim()}`, r);
    await os.ok(['group', 'add', 'user', ...groupArgs]);
  });

  // --- roles --------------------------------------------------------------------
  await rec.case('role create, list and show', async () => {
    ids.role = String((await os.json(['role', 'create', ROLE])).id);
    ids.implied = String((await os.json(['role', 'create', IMPLIED])).id);
    const all = names(await os.json<Row[]>(['role', 'list']));
    for (const r of [ROLE, IMPLIED, 'admin', 'member', 'reader']) check(all.includes(r), `role ${r} not listed`);
    checkEqual((await os.json(['role', 'show', ROLE])).id, ids.role, 'role id');
  });
  await rec.case('role set --description', async () => {
    await os.ok(['role', 'set', '--description', 'implied by cli-role', IMPLIED]);
    checkEqual((await os.json(['role', 'show', IMPLIED])).description, 'implied by cli-role', 'description');
  });
  await rec.case('implied role create / list', async () => {
    await os.ok(['implied', 'role', 'create', '--implied-role', IMPLIED, ROLE]);
    const rules = await os.json<Row[]>(['implied', 'role', 'list']);
    check(rules.some((r) => r['Prior Role Name'] === ROLE && r['Implied Role Name'] === IMPLIED),
      `${ROLE} -> ${IMPLIED} not in ${str(rules)}`);
  });

  // --- role assignments -----------------------------------------------------------
  const projOpt = ['--project', PARENT, '--project-domain', DOM];
  await rec.case('role add --project --user; assignment list --names', async () => {
    await os.ok(['role', 'add', ...projOpt, ...userOpt, ROLE]);
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--names', ...userOpt, ...projOpt]);
    checkEqual(rows.map((r) => [r.Role, r.User, r.Project]), [[ROLE, `${USER}@${DOM}`, `${PARENT}@${DOM}`]], 'assignments');
  });
  await rec.case('role assignment list --effective includes the implied role', async () => {
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--effective', '--names', ...userOpt, ...projOpt]);
    const roles = rows.map((r) => String(r.Role)).sort();
    checkEqual(roles, [IMPLIED, ROLE].sort(), 'effective roles on the project');
  });
  await rec.case('user gets a token for the project it has a role on', async () => {
    const t = await os.json(['token', 'issue'], asUser(PARENT));
    checkEqual([t.user_id, t.project_id], [ids.user, ids.parent], 'user_id/project_id');
  });
  await rec.case('user gets no token for a project without a role', async () => {
    await os.ok(['token', 'issue'], asUser(PARENT));
    await os.fails(['token', 'issue'], asUser(CHILD));
  });
  await rec.case('disabled user cannot authenticate', async () => {
    await os.ok(['user', 'set', '--domain', DOM, '--disable', USER]);
    await os.fails(['token', 'issue'], asUser(PARENT));
    await os.ok(['user', 'set', '--domain', DOM, '--enable', USER]);
    await os.ok(['token', 'issue'], asUser(PARENT));
  });
  await rec.case('role add --domain --group; assignment list --names', async () => {
    await os.ok(['role', 'add', '--domain', DOM, '--group', GROUP, '--group-domain', DOM, 'member']);
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--names', '--group', GROUP, '--group-domain', DOM]);
    checkEqual(rows.map((r) => [r.Role, r.Group, r.Domain]), [['member', `${GROUP}@${DOM}`, DOM]], 'group assignments');
  });
  await rec.case('group role is effective for its member', async () => {
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--effective', '--names', ...userOpt, '--domain', DOM]);
    check(rows.some((r) => r.Role === 'member' && r.User === `${USER}@${DOM}` && r.Domain === DOM),
      `no effective member@${DOM} for ${USER}: ${str(rows)}`);
  });
  await rec.case('role add --project --group: members get a token for the project', async () => {
    await os.ok(['role', 'add', '--project', CHILD, '--project-domain', DOM, '--group', GROUP, '--group-domain', DOM, 'member']);
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--names', '--group', GROUP, '--group-domain', DOM,
      '--project', CHILD, '--project-domain', DOM]);
    checkEqual(rows.map((r) => [r.Role, r.Group, r.Project]), [['member', `${GROUP}@${DOM}`, `${CHILD}@${DOM}`]], 'assignments');
    const t = await os.json(['token', 'issue'], asUser(CHILD));
    checkEqual([t.user_id, t.project_id], [ids.user, ids.child], 'user_id/project_id');
  });
  await rec.case('role add --system all --user; assignment list --names', async () => {
    await os.ok(['role', 'add', '--system', 'all', ...userOpt, 'reader']);
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', '--names', '--system', 'all', ...userOpt]);
    checkEqual(rows.map((r) => [r.Role, r.User, r.System]), [['reader', `${USER}@${DOM}`, 'all']], 'system assignments');
  });
  await rec.case('role remove --project --user', async () => {
    await os.ok(['role', 'remove', ...projOpt, ...userOpt, ROLE]);
    const rows = await os.json<Row[]>(['role', 'assignment', 'list', ...userOpt, ...projOpt]);
    checkEqual(rows, [], 'assignments on the project after remove');
    await os.fails(['token', 'issue'], asUser(PARENT));
  });

  // --- services, regions, endpoints -------------------------------------------------
  await rec.case('service create, list and show', async () => {
    const s = await os.json(['service', 'create', '--name', SVC, '--description', 'cli service', SVC_TYPE]);
    checkEqual([s.name, s.type, s.enabled, s.description], [SVC, SVC_TYPE, true, 'cli service'], 'service fields');
    ids.service = String(s.id);
    check(names(await os.json<Row[]>(['service', 'list'])).includes(SVC), `${SVC} not listed`);
    checkEqual((await os.json(['service', 'show', SVC])).id, ids.service, 'service id');
  });
  await rec.case('service set --description', async () => {
    await os.ok(['service', 'set', '--description', 'changed', SVC]);
    checkEqual((await os.json(['service', 'show', SVC])).description, 'changed', 'description');
  });
  await rec.case('region create, list, set and show', async () => {
    const r = await os.json(['region', 'create', '--description', 'second', REGION]);
    checkEqual(r.region, REGION, 'region id');
    check(names(await os.json<Row[]>(['region', 'list']), 'Region').includes(REGION), `${REGION} not listed`);
    await os.ok(['region', 'set', '--description', 'changed', REGION]);
    checkEqual((await os.json(['region', 'show', REGION])).description, 'changed', 'description');
  });
  await rec.case('endpoint create, list and show', async () => {
    const e = await os.json(['endpoint', 'create', '--region', REGION, SVC, 'public', 'http://127.0.0.1:9/cli']);
    checkEqual([e.interface, e.region, e.url, e.service_id, e.enabled],
      ['public', REGION, 'http://127.0.0.1:9/cli', ids.service, true], 'endpoint fields');
    ids.endpoint = String(e.id);
    const rows = await os.json<Row[]>(['endpoint', 'list', '--service', SVC]);
    checkEqual(rows.map((r) => r.ID), [ids.endpoint], 'endpoint list --service');
    checkEqual((await os.json(['endpoint', 'show', ids.endpoint])).url, 'http://127.0.0.1:9/cli', 'url');
  });
  await rec.case('endpoint set --url; new endpoint is in the catalog', async () => {
    await os.ok(['endpoint', 'set', '--url', 'http://127.0.0.1:9/cli2', ids.endpoint ?? 'missing']);
    checkEqual((await os.json(['endpoint', 'show', ids.endpoint ?? 'missing'])).url, 'http://127.0.0.1:9/cli2', 'url');
    const cat = await os.json<Row[]>(['catalog', 'list']);
    const svc = cat.find((s) => s.Type === SVC_TYPE);
    check(svc !== undefined, `${SVC_TYPE} not in the catalog`);
    check(str(svc.Endpoints).includes('http://127.0.0.1:9/cli2'), `catalog endpoints: ${str(svc.Endpoints)}`);
  });
  await rec.case('endpoint, service and region delete', async () => {
    // `endpoint show` / `region show` of a missing id fall back to listing and, when one
    // entry is left, show that one (also against Keystone): check the lists instead.
    await os.ok(['endpoint', 'delete', ids.endpoint ?? 'missing']);
    const eps = await os.json<Row[]>(['endpoint', 'list']);
    check(!eps.some((e) => e.ID === ids.endpoint), `deleted endpoint ${ids.endpoint ?? ''} still listed`);
    await os.ok(['service', 'delete', SVC]);
    await os.fails(['service', 'show', SVC]);
    await os.ok(['region', 'delete', REGION]);
    check(!names(await os.json<Row[]>(['region', 'list']), 'Region').includes(REGION), `${REGION} still listed`);
  });

  // --- unified limits ---------------------------------------------------------------
  // Keystone lets only a system-scoped admin write limits (no deprecated rule in Zed),
  // so writes go through the stratus-system-admin cloud, as devstack's system admin.
  const sysOpt = { cloud: 'stratus-system-admin' };
  await rec.case('registered limit create is refused for a project-scoped admin', async () => {
    const r = await os.fails(['registered', 'limit', 'create', '--service', 'keystone', '--default-limit', '10', '--region', 'RegionOne', 'projects']);
    check(/403|not authorized/i.test(r.stderr + r.stdout), `expected a 403: ${r.stderr.trim()}`, r);
  });
  await rec.case('registered limit create, list and show', async () => {
    const rl = await os.json(['registered', 'limit', 'create', '--service', 'keystone', '--default-limit', '10', '--region', 'RegionOne',
      '--description', 'projects per domain', 'projects'], sysOpt);
    checkEqual([rl.resource_name, rl.default_limit, rl.region_id, rl.description], ['projects', 10, 'RegionOne', 'projects per domain'], 'registered limit fields');
    ids.registeredLimit = String(rl.id);
    const svc = await os.json(['service', 'show', 'keystone']);
    checkEqual(rl.service_id, svc.id, 'service_id');
    const rows = await os.json<Row[]>(['registered', 'limit', 'list', '--service', 'keystone', '--resource-name', 'projects'], sysOpt);
    checkEqual(rows.map((r) => [r.ID, r['Default Limit']]), [[ids.registeredLimit, 10]], 'registered limit list');
    checkEqual((await os.json(['registered', 'limit', 'show', ids.registeredLimit], { cloud: 'stratus-demo' })).default_limit, 10, 'shown to demo');
  });
  await rec.case('registered limit create for the same resource again fails', async () => {
    const r = await os.fails(['registered', 'limit', 'create', '--service', 'keystone', '--default-limit', '11', '--region', 'RegionOne', 'projects'], sysOpt);
    check(/409|conflict/i.test(r.stderr + r.stdout), `expected a 409: ${r.stderr.trim()}`, r);
  });
  await rec.case('registered limit set --default-limit', async () => {
    await os.ok(['registered', 'limit', 'set', '--default-limit', '20', ids.registeredLimit ?? 'missing'], sysOpt);
    checkEqual((await os.json(['registered', 'limit', 'show', ids.registeredLimit ?? 'missing'])).default_limit, 20, 'default_limit after set');
  });
  await rec.case('limit create, list and show', async () => {
    const l = await os.json(['limit', 'create', '--project', 'demo', '--service', 'keystone', '--resource-limit', '5', '--region', 'RegionOne', 'projects'], sysOpt);
    checkEqual([l.project_id, l.resource_name, l.resource_limit, l.region_id], [ids.demoProject, 'projects', 5, 'RegionOne'], 'limit fields');
    ids.limit = String(l.id);
    const rows = await os.json<Row[]>(['limit', 'list', '--project', 'demo'], sysOpt);
    checkEqual(rows.map((r) => [r.ID, r['Resource Limit']]), [[ids.limit, 5]], 'limit list --project');
    checkEqual((await os.json(['limit', 'show', ids.limit], sysOpt)).resource_limit, 5, 'limit show');
  });
  await rec.case('limit list: demo sees its limit, the admin project none', async () => {
    checkEqual((await os.json<Row[]>(['limit', 'list'], { cloud: 'stratus-demo' })).map((r) => r.ID), [ids.limit], 'demo limit list');
    checkEqual(await os.json<Row[]>(['limit', 'list']), [], 'admin-project limit list');
  });
  await rec.case('limit create without a registered limit fails', async () => {
    const r = await os.fails(['limit', 'create', '--project', 'demo', '--service', 'keystone', '--resource-limit', '5', '--region', 'RegionOne', 'no-such-resource'], sysOpt);
    check(/403|registered limit/i.test(r.stderr + r.stdout), `expected a 403: ${r.stderr.trim()}`, r);
  });
  await rec.case('registered limit in use cannot be changed or deleted', async () => {
    await os.fails(['registered', 'limit', 'set', '--default-limit', '30', ids.registeredLimit ?? 'missing'], sysOpt);
    await os.fails(['registered', 'limit', 'delete', ids.registeredLimit ?? 'missing'], sysOpt);
    checkEqual((await os.json(['registered', 'limit', 'show', ids.registeredLimit ?? 'missing'])).default_limit, 20, 'default_limit unchanged');
  });
  await rec.case('limit set --resource-limit --description', async () => {
    await os.ok(['limit', 'set', '--resource-limit', '7', '--description', 'seven', ids.limit ?? 'missing'], sysOpt);
    const l = await os.json(['limit', 'show', ids.limit ?? 'missing'], sysOpt);
    checkEqual([l.resource_limit, l.description], [7, 'seven'], 'resource_limit/description after set');
  });
  await rec.case('limit delete and registered limit delete', async () => {
    await os.ok(['limit', 'delete', ids.limit ?? 'missing'], sysOpt);
    await os.fails(['limit', 'show', ids.limit ?? 'missing'], sysOpt);
    await os.ok(['registered', 'limit', 'delete', ids.registeredLimit ?? 'missing'], sysOpt);
    // The image service's own registered limits (bootstrap) stay; only ours must be gone.
    const left = await os.json<Row[]>(['registered', 'limit', 'list', '--service', 'keystone'], sysOpt);
    checkEqual(left, [], 'registered limits of keystone left');
  });

  // --- application credentials (as demo) ------------------------------------------
  const demoOpt = { cloud: 'stratus-demo' };
  await rec.case('application credential create, list and show', async () => {
    const ac = await os.json(['application', 'credential', 'create', '--description', 'cli', 'cli-ac'], demoOpt);
    check(typeof ac.secret === 'string' && ac.secret.length > 0, `no secret in ${str(ac)}`);
    checkEqual([ac.name, ac.project_id], ['cli-ac', ids.demoProject], 'name/project_id');
    ids.appCred = String(ac.id);
    ids.appCredSecret = String(ac.secret);
    check(names(await os.json<Row[]>(['application', 'credential', 'list'], demoOpt)).includes('cli-ac'), 'not listed');
    const shown = await os.json(['application', 'credential', 'show', 'cli-ac'], demoOpt);
    checkEqual(shown.id, ids.appCred, 'id');
    check(!('secret' in shown) || !shown.secret, 'show reveals the secret');
  });
  const acCloudsFile = join(cloud.dataDir, 'clouds-cli-tier.yaml');
  await rec.case('token issue with the application credential (clouds.yaml entry)', async () => {
    const entry = {
      auth_type: 'v3applicationcredential',
      auth: { auth_url: authUrl, application_credential_id: ids.appCred, application_credential_secret: ids.appCredSecret },
      region_name: 'RegionOne',
      identity_api_version: 3,
    };
    writeFileSync(acCloudsFile, toYaml({ clouds: { ...cloud.clouds, 'stratus-appcred': entry } }));
    const t = await os.json(['token', 'issue'], { cloud: 'stratus-appcred', cloudsFile: acCloudsFile });
    checkEqual([t.user_id, t.project_id], [ids.demoUser, ids.demoProject], 'user_id/project_id');
  });
  const acEnv = () => ({
    OS_AUTH_TYPE: 'v3applicationcredential', OS_AUTH_URL: authUrl, OS_IDENTITY_API_VERSION: '3',
    OS_APPLICATION_CREDENTIAL_ID: ids.appCred ?? '', OS_APPLICATION_CREDENTIAL_SECRET: ids.appCredSecret ?? '',
  });
  await rec.case('token issue with the application credential (environment)', async () => {
    const t = await os.json(['token', 'issue'], { cloud: null, env: acEnv() });
    checkEqual([t.user_id, t.project_id], [ids.demoUser, ids.demoProject], 'user_id/project_id');
  });
  await rec.case('application credential delete', async () => {
    await os.ok(['application', 'credential', 'delete', 'cli-ac'], demoOpt);
    await os.fails(['application', 'credential', 'show', 'cli-ac'], demoOpt);
    await os.fails(['token', 'issue'], { cloud: null, env: acEnv() });
  });

  // --- self-service password change (as demo) ----------------------------------------
  const demoPw = demo.auth.password ?? '';
  await rec.case('user password set with a wrong original password fails', async () => {
    await os.fails(['user', 'password', 'set', '--password=new-Passw0rd-1', '--original-password=wrong'], demoOpt);
    await os.ok(['token', 'issue'], demoOpt);
  });
  await rec.case('user password set (demo)', async () => {
    await os.ok(['user', 'password', 'set', '--password=new-Passw0rd-1', `--original-password=${demoPw}`], demoOpt);
    await os.ok(['--os-password=new-Passw0rd-1', 'token', 'issue'], demoOpt);
    await os.fails(['token', 'issue'], demoOpt);
  });

  // --- token revocation ------------------------------------------------------------
  await rec.case('token revoke', async () => {
    const t = await os.json(['token', 'issue']);
    const token = String(t.id);
    await os.ok(['token', 'issue'], { cloud: null, env: tokenEnv(token) });
    await os.ok(['token', 'revoke', token]);
    await os.fails(['token', 'issue'], { cloud: null, env: tokenEnv(token) });
  });

  // --- deletes -----------------------------------------------------------------------
  await rec.case('user delete', async () => {
    await os.ok(['user', 'delete', '--domain', DOM, USER]);
    await os.fails(['user', 'show', '--domain', DOM, USER]);
    check(!names(await os.json<Row[]>(['user', 'list', '--domain', DOM])).includes(USER), `${USER} still listed`);
  });
  await rec.case('group delete', async () => {
    await os.ok(['group', 'delete', '--domain', DOM, GROUP]);
    await os.fails(['group', 'show', '--domain', DOM, GROUP]);
  });
  await rec.case('implied role delete and role delete', async () => {
    await os.ok(['implied', 'role', 'delete', '--implied-role', IMPLIED, ROLE]);
    const rules = await os.json<Row[]>(['implied', 'role', 'list']);
    check(!rules.some((r) => r['Prior Role Name'] === ROLE), `${ROLE} still implies something: ${str(rules)}`);
    await os.ok(['role', 'delete', ROLE, IMPLIED]);
    await os.fails(['role', 'show', ROLE]);
    await os.fails(['role', 'show', IMPLIED]);
  });
  await rec.case('project delete', async () => {
    await os.ok(['project', 'delete', '--domain', DOM, CHILD]);
    await os.fails(['project', 'show', '--domain', DOM, CHILD]);
    await os.ok(['project', 'delete', '--domain', DOM, PARENT]);
    await os.fails(['project', 'show', '--domain', DOM, PARENT]);
  });
  await rec.case('OS-OAUTH1 flow with python-keystoneclient (V3OAuth1 plugin)', async () => {
    // Debian's /usr/bin/python3 sees python3-keystoneclient (a python3-openstackclient dependency).
    const script = join(repoRoot, 'test', 'cli', 'oauth1_keystoneclient.py');
    const r = await run('/usr/bin/python3', [script, authUrl, admin.auth.password ?? ''], { env: cleanOsEnv(), timeoutMs: 120_000 });
    check(r.code === 0, `exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  });
  await rec.case('domain delete refuses an enabled domain', async () => {
    await os.fails(['domain', 'delete', DOM]);
    await os.ok(['domain', 'show', DOM]);
  });
  await rec.case('domain delete', async () => {
    await os.ok(['domain', 'set', '--disable', DOM]);
    await os.ok(['domain', 'delete', DOM]);
    await os.fails(['domain', 'show', DOM]);
  });

  return rec.totals;
}

