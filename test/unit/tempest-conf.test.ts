import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fillTempestConf,
  securityCompliance,
  serviceAvailability,
  setIniOption,
  stratusConfForTempest,
  templatePath,
} from '../tempest/conf.js';

/** Active (uncommented) value of `key` in `[section]`, or undefined. */
function iniGet(text: string, section: string, key: string): string | undefined {
  let current = '';
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^\s*\[(.+)\]\s*$/.exec(line);
    if (head) current = head[1] ?? '';
    const kv = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && current === section && kv[1] === key) {
      if (value !== undefined) throw new Error(`${section}.${key} set twice`);
      value = kv[2];
    }
  }
  return value;
}

describe('setIniOption', () => {
  const ini = '[a]\nx = 1\n# y = 2\n\n[b]\ny = 3\n';

  it('replaces an active option in its own section only', () => {
    const out = setIniOption(ini, 'b', 'y', '9');
    expect(iniGet(out, 'b', 'y')).toBe('9');
    expect(out).toContain('# y = 2');
  });

  it('adds a missing option at the end of the section, not after a comment', () => {
    const out = setIniOption(ini, 'a', 'y', '5');
    expect(iniGet(out, 'a', 'y')).toBe('5');
    expect(iniGet(out, 'b', 'y')).toBe('3');
  });

  it('adds a missing section', () => {
    expect(iniGet(setIniOption(ini, 'c', 'z', 'on'), 'c', 'z')).toBe('on');
  });
});

describe('serviceAvailability', () => {
  it('switches on exactly the services in the catalog', () => {
    expect(serviceAvailability(['identity', 'compute', 'volumev3'])).toEqual({
      nova: true,
      neutron: false,
      glance: false,
      cinder: true,
      swift: false,
    });
  });
});

describe('fillTempestConf', () => {
  const conf = fillTempestConf(readFileSync(templatePath, 'utf8'), {
    keystoneUrl: 'http://127.0.0.1:25000/',
    adminPassword: 's3cret',
    workspaceDir: '/tmp/ws-x',
    serviceAvailable: serviceAvailability(['identity']),
  });

  it('fills every placeholder from the cloud', () => {
    expect(conf.split('\n').filter((l) => !l.startsWith('#') && l.includes('@@'))).toEqual([]);
    expect(iniGet(conf, 'identity', 'uri_v3')).toBe('http://127.0.0.1:25000/v3');
    expect(iniGet(conf, 'auth', 'admin_password')).toBe('s3cret');
    expect(iniGet(conf, 'DEFAULT', 'log_dir')).toBe('/tmp/ws-x/logs');
    expect(iniGet(conf, 'oslo_concurrency', 'lock_path')).toBe('/tmp/ws-x/tempest_lock');
  });

  it('turns security compliance on with the values the cloud runs with', () => {
    expect(iniGet(conf, 'identity-feature-enabled', 'security_compliance')).toBe('true');
    expect(iniGet(conf, 'identity', 'user_lockout_failure_attempts')).toBe(String(securityCompliance.lockout_failure_attempts));
    expect(iniGet(conf, 'identity', 'user_lockout_duration')).toBe(String(securityCompliance.lockout_duration));
    expect(iniGet(conf, 'identity', 'user_unique_last_password_count')).toBe(String(securityCompliance.unique_last_password_count));
    expect(stratusConfForTempest()).toBe(
      '[security_compliance]\nlockout_failure_attempts = 2\nlockout_duration = 5\nunique_last_password_count = 2\nminimum_password_age = 0\n\n'
      + '[image_format]\nrequire_image_format_match = false\n\n[compute]\nfake_hosts = 2\n',
    );
  });

  it('runs the compute tests of what is built, with two hosts for the migration tests', () => {
    for (const flag of ['resize', 'cold_migration', 'live_migration', 'shelve', 'change_password', 'interface_attach', 'rescue', 'pause', 'suspend']) {
      expect(iniGet(conf, 'compute-feature-enabled', flag), flag).toBe('true');
    }
    expect(iniGet(conf, 'compute', 'min_compute_nodes')).toBe('2');
  });

  it('puts every option inside a section (an edit that cuts a section header breaks Tempest discovery)', () => {
    const first = conf.split('\n').findIndex((l) => l.startsWith('['));
    expect(conf.split('\n').slice(0, first).filter((l) => /^\s*[A-Za-z_]+\s*=/.test(l))).toEqual([]);
  });

  it('turns on interoperable import, which the image service offers with glance-direct', () => {
    expect(iniGet(conf, 'image-feature-enabled', 'import_image')).toBe('true');
    expect(iniGet(conf, 'image-feature-enabled', 'os_glance_reserved')).toBe('true');
  });

  it('marks services missing from the catalog unavailable', () => {
    for (const flag of ['nova', 'neutron', 'glance', 'cinder', 'swift']) {
      expect(iniGet(conf, 'service_available', flag)).toBe('false');
    }
    expect(iniGet(conf, 'service_available', 'horizon')).toBe('false');
  });

  it('gives the network tests the public network and only the extensions the service lists', () => {
    const withNetwork = fillTempestConf(readFileSync(templatePath, 'utf8'), {
      keystoneUrl: 'http://127.0.0.1:25000/', adminPassword: 's', workspaceDir: '/tmp/ws-y', serviceAvailable: serviceAvailability(['identity', 'network']),
      publicNetId: '11111111-2222-3333-4444-555555555555', networkExtensions: ['router', 'external-net'],
    });
    expect(iniGet(withNetwork, 'network', 'public_network_id')).toBe('11111111-2222-3333-4444-555555555555');
    expect(iniGet(withNetwork, 'network-feature-enabled', 'api_extensions')).toBe('router,external-net');
    expect(iniGet(withNetwork, 'service_available', 'neutron')).toBe('true');
  });
});
