import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface CloudUser {
  username: string;
  password: string;
  project: string;
}

/**
 * Writes clouds.yaml (clouds `stratus` and `stratus-demo`, and `stratus-system-admin`: the
 * admin with a system-scoped token, which Keystone requires for e.g. unified limits, as
 * devstack's `devstack-system-admin`) and an openrc for the admin, the two ways OpenStack
 * clients find a cloud. Both hold passwords: mode 0600.
 */
export function writeClientFiles(dataDir: string, authUrl: string, region: string, admin: CloudUser, demo: CloudUser): { cloudsYaml: string; openrc: string } {
  const cloud = (u: CloudUser): Record<string, unknown> => ({
    auth: {
      auth_url: authUrl, username: u.username, password: u.password, project_name: u.project,
      user_domain_name: 'Default', project_domain_name: 'Default',
    },
    region_name: region,
    interface: 'public',
    identity_api_version: 3,
  });
  const cloudsYaml = join(dataDir, 'clouds.yaml');
  const adminCloud = cloud(admin);
  const systemAdmin = {
    ...adminCloud,
    auth: { auth_url: authUrl, username: admin.username, password: admin.password, user_domain_name: 'Default', system_scope: 'all' },
  };
  const clouds = { stratus: adminCloud, 'stratus-demo': cloud(demo), 'stratus-system-admin': systemAdmin };
  writeFileSync(cloudsYaml, stringify({ clouds }), { mode: 0o600 });
  const openrc = join(dataDir, 'openrc');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(openrc, [
    '# Source this file to use the openstack CLI as the Stratus admin.',
    `export OS_AUTH_URL=${q(authUrl)}`,
    `export OS_USERNAME=${q(admin.username)}`,
    `export OS_PASSWORD=${q(admin.password)}`,
    `export OS_PROJECT_NAME=${q(admin.project)}`,
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    `export OS_REGION_NAME=${q(region)}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_INTERFACE=public',
    '',
  ].join('\n'), { mode: 0o600 });
  return { cloudsYaml, openrc };
}
