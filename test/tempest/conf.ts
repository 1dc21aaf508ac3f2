/**
 * tempest.conf for a running Stratus cloud, filled from the cloud itself: the admin
 * password from its clouds.yaml, Keystone's URL, and [service_available] from the
 * catalog, so tests of a service switch on as soon as the service is in the catalog.
 * The template (test/tempest/tempest.conf.template) is a copy of
 * ../shared/conformance/tempest.conf.template.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud, CloudEntry } from '../lib/cloud.js';
import { onExit } from '../lib/exit.js';
import { repoRoot } from '../lib/paths.js';
import { cleanOsEnv, run } from '../lib/proc.js';
import { tools } from '../lib/tools.js';

export const templatePath = join(repoRoot, 'test', 'tempest', 'tempest.conf.template');

/**
 * The [security_compliance] the cloud under test runs with. Tempest's
 * [identity] user_lockout_* options must match it, so both come from here.
 */
export const securityCompliance = {
  lockout_failure_attempts: 2,
  lockout_duration: 5,
  unique_last_password_count: 2,
  minimum_password_age: 0,
} as const;

/**
 * stratus.conf for a cloud Tempest runs against: the security_compliance settings its
 * identity tests expect, and, for the image tests, require_image_format_match off.
 * Tempest 33 predates Glance's upload inspection (OSSN-0090) and uploads random bytes
 * labelled qcow2, vmdk, vdi, iso and vhd; a cloud that checks content against
 * disk_format (Stratus's default, as Glance's) refuses them. Safety checks (backing
 * files, external data files, foreign VMDK extents) still apply with the match off.
 */
export function stratusConfForTempest(): string {
  const lines = Object.entries(securityCompliance).map(([k, v]) => `${k} = ${v}`);
  // Two fake compute hosts, so Tempest's migration tests (min_compute_nodes = 2) have somewhere to go.
  return `[security_compliance]\n${lines.join('\n')}\n\n[image_format]\nrequire_image_format_match = false\n\n[compute]\nfake_hosts = 2\n`;
}

/**
 * Tempest workers per catalog service type (2 otherwise). The network tests spend most
 * of their time in Tempest's own 10 s sleep before every subnet delete, not on the CPU,
 * so more workers shorten them without crowding a 2-core machine.
 */
export function tempestWorkers(serviceType: string): number {
  // Six network workers measured 12.6 minutes against 15.3 with four, still all passing.
  if (serviceType === 'network') return 6;
  return serviceType === 'compute' ? 4 : 2;
}

/**
 * Services whose Tempest selection `npm test` runs on a cloud of its own, at the same
 * time as the others (which share one cloud, one after the other). The network tests
 * spend most of their 12-13 minutes in Tempest's own 10 s sleep before every subnet
 * delete, so they use little CPU and overlap identity, image and compute instead of
 * adding their whole time to the tier.
 */
export const TEMPEST_OWN_CLOUD: ReadonlySet<string> = new Set(['network']);

/**
 * The compute tests npm test runs: all of tempest.api.compute (about 4 minutes with
 * four workers on the fake driver). What is not built is flagged off in the template's
 * [compute-feature-enabled], so Tempest skips it with a reason the README lists.
 */
export const COMPUTE_SELECTION = '^tempest\\.api\\.compute\\.';

/** Catalog service type -> tempest [service_available] flag. */
export const serviceFlags: Readonly<Record<string, string>> = {
  compute: 'nova',
  network: 'neutron',
  image: 'glance',
  volumev3: 'cinder',
  'block-storage': 'cinder',
  volume: 'cinder',
  'object-store': 'swift',
};

/** [service_available] values for the given catalog service types. */
export function serviceAvailability(types: readonly string[]): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const flag of new Set(Object.values(serviceFlags))) flags[flag] = false;
  for (const t of types) {
    const flag = serviceFlags[t];
    if (flag) flags[flag] = true;
  }
  return flags;
}

/**
 * Sets `key = value` in `[section]` of an INI text: replaces the active (uncommented)
 * line when there is one, else adds it at the end of the section (or a new section).
 */
export function setIniOption(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (start < 0) return `${text.replace(/\n*$/, '\n')}\n[${section}]\n${key} = ${value}\n`;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^\s*\[.+\]\s*$/.test(lines[i] ?? '')) {
      end = i;
      break;
    }
  }
  const keyRe = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`);
  for (let i = start + 1; i < end; i++) {
    if (keyRe.test(lines[i] ?? '')) {
      lines[i] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  let last = end - 1;
  while (last > start && (lines[last] ?? '').trim() === '') last--;
  lines.splice(last + 1, 0, `${key} = ${value}`);
  return lines.join('\n');
}

/** Values for a tempest.conf; resources default to placeholders until the services exist. */
export interface ConfValues {
  keystoneUrl: string;
  adminPassword: string;
  workspaceDir: string;
  serviceAvailable: Record<string, boolean>;
  /** Image/flavor/network ids, to be read from Glance/Nova/Neutron once they exist. */
  imageId?: string;
  imageIdAlt?: string;
  flavorId?: string;
  flavorIdAlt?: string;
  publicNetId?: string;
  /** Aliases GET /v2.0/extensions lists; [network-feature-enabled] api_extensions (else "all"). */
  networkExtensions?: string[];
}

const DUMMY_ID = '00000000-0000-0000-0000-000000000000';

/** Fills the template's @@...@@ placeholders and sets the options this harness owns. */
export function fillTempestConf(template: string, v: ConfValues): string {
  const placeholders: Record<string, string> = {
    KEYSTONE: v.keystoneUrl.replace(/\/+$/, ''),
    ADMIN_PASSWORD: v.adminPassword,
    IMAGE_ID: v.imageId ?? DUMMY_ID,
    IMAGE_ID_ALT: v.imageIdAlt ?? DUMMY_ID.replace(/0$/, '1'),
    FLAVOR_ID: v.flavorId ?? '1',
    FLAVOR_ID_ALT: v.flavorIdAlt ?? '2',
    PUBLIC_NET_ID: v.publicNetId ?? DUMMY_ID,
  };
  let text = template.replace(/@@([A-Z_]+)@@/g, (whole, name: string) => placeholders[name] ?? whole);
  text = text.split('/tmp/tempest-ws').join(v.workspaceDir);
  text = setIniOption(text, 'identity-feature-enabled', 'security_compliance', 'true');
  text = setIniOption(text, 'identity', 'user_lockout_failure_attempts', String(securityCompliance.lockout_failure_attempts));
  text = setIniOption(text, 'identity', 'user_lockout_duration', String(securityCompliance.lockout_duration));
  text = setIniOption(text, 'identity', 'user_unique_last_password_count', String(securityCompliance.unique_last_password_count));
  // glance-direct interoperable import works (web-download is not offered: no internet).
  text = setIniOption(text, 'image-feature-enabled', 'import_image', 'true');
  // The os_glance_* property namespace is reserved, as in Glance since Wallaby.
  text = setIniOption(text, 'image-feature-enabled', 'os_glance_reserved', 'true');
  if (v.networkExtensions) text = setIniOption(text, 'network-feature-enabled', 'api_extensions', v.networkExtensions.join(','));
  for (const [flag, on] of Object.entries(v.serviceAvailable)) {
    text = setIniOption(text, 'service_available', flag, on ? 'true' : 'false');
  }
  const left = text.split('\n').filter((l) => !l.trimStart().startsWith('#') && l.includes('@@'));
  if (left.length > 0) throw new Error(`unfilled placeholders in tempest.conf: ${left.join('; ')}`);
  return text;
}

/** The admin's token and catalog (service type -> public URL), as GET /v3/auth/catalog shows it. */
export interface AdminSession {
  token: string;
  endpoints: Record<string, string>;
}

export async function adminSession(identityUrl: string, admin: CloudEntry): Promise<AdminSession> {
  const a = admin.auth;
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: a.username, password: a.password, domain: { name: a.user_domain_name ?? 'Default' } } },
      },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name ?? 'Default' } } },
    },
  };
  const auth = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const token = auth.headers.get('x-subject-token');
  if (auth.status !== 201 || !token) throw new Error(`admin token: HTTP ${auth.status} ${await auth.text()}`);
  const res = await fetch(`${identityUrl}/v3/auth/catalog`, { headers: { 'x-auth-token': token } });
  if (res.status !== 200) throw new Error(`GET /v3/auth/catalog: HTTP ${res.status} ${await res.text()}`);
  const json = (await res.json()) as { catalog?: Array<{ type?: string; endpoints?: Array<{ interface?: string; url?: string }> }> };
  const endpoints: Record<string, string> = {};
  for (const s of json.catalog ?? []) {
    const url = s.endpoints?.find((e) => e.interface === 'public')?.url;
    if (s.type) endpoints[s.type] = url ?? '';
  }
  return { token, endpoints };
}

/** Service types in the catalog, read as the admin user through GET /v3/auth/catalog. */
export async function catalogTypes(identityUrl: string, admin: CloudEntry): Promise<string[]> {
  return Object.keys((await adminSession(identityUrl, admin)).endpoints);
}

/**
 * What Tempest's network tests need from the cloud: the external network they hang
 * routers and floating IPs on (created here, as devstack creates "public"), and the
 * extensions the service really lists, so tests of anything missing skip instead of
 * assuming it ("all").
 */
/** JSON calls to one catalog service as the admin. */
export function serviceCaller(session: AdminSession, type: string) {
  const base = session.endpoints[type]!.replace(/\/+$/, '');
  return async (method: string, path: string, payload?: unknown, contentType = 'application/json'): Promise<Record<string, any>> => {
    const body = payload === undefined ? {} : { body: contentType === 'application/json' ? JSON.stringify(payload) : new Blob([payload as Uint8Array<ArrayBuffer>]) };
    const res = await fetch(`${base}${path}`, { method, headers: { 'x-auth-token': session.token, 'content-type': contentType }, ...body });
    if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as Record<string, any>;
  };
}

/** The images and flavors tempest.conf's [compute] names. */
export interface ComputeRefs {
  imageId: string;
  imageIdAlt: string;
  flavorId: string;
  flavorIdAlt: string;
}

/**
 * What Tempest's compute tests boot from, as devstack makes them: two public images
 * (small raw disks; the fake driver does not read them) and two flavors.
 */
export async function prepareCompute(session: AdminSession): Promise<ComputeRefs> {
  const image = serviceCaller(session, 'image');
  const images: string[] = [];
  for (const name of ['cirros-tempest', 'cirros-tempest-alt']) {
    const made = await image('POST', '/v2/images', { name, disk_format: 'raw', container_format: 'bare', visibility: 'public' });
    await image('PUT', `/v2/images/${made.id}/file`, new Uint8Array(1024 * 1024), 'application/octet-stream');
    images.push(String(made.id));
  }
  const compute = serviceCaller(session, 'compute');
  const flavors: string[] = [];
  for (const [name, ram, disk] of [['m1.nano', 128, 1], ['m1.micro', 192, 2]] as const) {
    flavors.push(String((await compute('POST', '/flavors', { flavor: { name, ram, vcpus: 1, disk } })).flavor.id));
  }
  return { imageId: images[0]!, imageIdAlt: images[1]!, flavorId: flavors[0]!, flavorIdAlt: flavors[1]! };
}

export async function prepareNetwork(session: AdminSession, externalCidr = '172.24.0.0/16'): Promise<{ publicNetId: string; extensions: string[] }> {
  const call = serviceCaller(session, 'network');
  const net = (await call('POST', '/v2.0/networks', { network: { name: 'public', 'router:external': true, shared: false } })).network as { id: string };
  await call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, name: 'public-subnet', ip_version: 4, cidr: externalCidr, enable_dhcp: false } });
  const extensions = ((await call('GET', '/v2.0/extensions')).extensions as Array<{ alias: string }>).map((e) => e.alias);
  return { publicNetId: net.id, extensions };
}

export interface Workspace {
  /** The tempest workspace (etc/tempest.conf, .stestr, logs/); run tempest from here. */
  dir: string;
  /** Service types found in the catalog when the workspace was made. */
  services: string[];
  /** Removes the workspace (and its private workspace registry). Idempotent. */
  remove(): void;
}

/**
 * Extra tempest.conf settings for exploratory runs, e.g.
 * STRATUS_TEMPEST_SET='enforce_scope.keystone=true;identity-feature-enabled.trust=false'.
 */
export function applyOverrides(conf: string, spec: string | undefined): string {
  let out = conf;
  for (const item of (spec ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^.=]+)\.([^=]+)=(.*)$/.exec(item);
    if (!m) throw new Error(`STRATUS_TEMPEST_SET: expected section.key=value, got "${item}"`);
    out = setIniOption(out, m[1] as string, m[2] as string, m[3] as string);
  }
  return out;
}

/**
 * How a workspace differs from the API tiers' one (every member optional; none: the
 * fake-driver cloud the API tiers run against).
 */
export interface WorkspaceProfile {
  /** Makes the images and flavors [compute] names (default: prepareCompute's dummies). */
  compute?: (session: AdminSession) => Promise<ComputeRefs>;
  /** CIDR of the external network "public" (default 172.24.0.0/16). */
  externalCidr?: string;
  /** Last edits to the filled tempest.conf (STRATUS_TEMPEST_SET still applies after them). */
  tune?: (conf: string) => string;
}

/**
 * Merges the options of INI text `extra` into `base` (setIniOption per option), so two
 * stratus.conf fragments touching the same section give one section, not two.
 */
export function mergeIni(base: string, extra: string): string {
  let out = base;
  let section = 'DEFAULT';
  for (const line of extra.split('\n')) {
    const head = /^\s*\[(.+)\]\s*$/.exec(line);
    if (head) section = head[1] as string;
    const opt = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (opt) out = setIniOption(out, section, opt[1] as string, opt[2] as string);
  }
  return out;
}

/** `tempest init` in a temp dir, with a tempest.conf filled from `cloud`. */
export async function createWorkspace(cloud: Cloud, profile: WorkspaceProfile = {}): Promise<Workspace> {
  const admin = cloud.clouds.stratus;
  if (!admin?.auth.password) throw new Error('clouds.yaml: cloud "stratus" has no password');
  const root = mkdtempSync(join(tmpdir(), 'stratus-tempest-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  const unregister = onExit(remove);
  const dir = join(root, 'ws');
  try {
    // A private workspace registry keeps ~/.tempest/workspace.yaml free of temp dirs.
    const init = await run(tools.tempest, ['init', '--workspace-path', join(root, 'workspace.yaml'), '--name', 'stratus', dir], {
      env: cleanOsEnv(), cwd: root, timeoutMs: 120_000,
    });
    if (init.code !== 0) throw new Error(`tempest init failed: ${init.stderr.trim() || init.stdout.trim()}`);
    const session = await adminSession(cloud.identityUrl, admin);
    const services = Object.keys(session.endpoints);
    const network = services.includes('network') ? await prepareNetwork(session, profile.externalCidr) : undefined;
    const compute = services.includes('compute') && services.includes('image') ? await (profile.compute ?? prepareCompute)(session) : undefined;
    const filled = fillTempestConf(readFileSync(templatePath, 'utf8'), {
      keystoneUrl: cloud.identityUrl,
      adminPassword: admin.auth.password,
      workspaceDir: dir,
      serviceAvailable: serviceAvailability(services),
      ...(network ? { publicNetId: network.publicNetId, networkExtensions: network.extensions } : {}),
      ...(compute ?? {}),
    });
    const conf = profile.tune ? profile.tune(filled) : filled;
    writeFileSync(join(dir, 'etc', 'tempest.conf'), applyOverrides(conf, process.env['STRATUS_TEMPEST_SET']));
    return {
      dir,
      services,
      remove: () => {
        remove();
        unregister();
      },
    };
  } catch (e) {
    remove();
    unregister();
    throw e;
  }
}
