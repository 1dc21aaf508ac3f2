/**
 * Debian's openstack, tempest, stestr and subunit tools. Their /usr/bin scripts run Debian's
 * /usr/bin/python3, which sees the packages; a python3 earlier on PATH (pyenv, venv)
 * may not, so the /usr/bin copies win when present.
 */
import { existsSync } from 'node:fs';

function tool(name: string): string {
  const debian = `/usr/bin/${name}`;
  return existsSync(debian) ? debian : name;
}

/**
 * Paths resolved on use, not on import: a tier may install the packages first.
 */
export const tools = {
  get tempest(): string {
    return tool('tempest');
  },
  get stestr(): string {
    return tool('stestr');
  },
  /** From Debian's subunit package (a tempest dependency): subunit v2 -> CSV of test,status,... */
  get subunit2csv(): string {
    return tool('subunit2csv');
  },
  /** From Debian's subunit package: subunit v2 -> v1 text, which keeps skip reasons and tracebacks. */
  get subunit2to1(): string {
    return tool('subunit-2to1');
  },
  /** The official OpenStack client (python3-openstackclient). */
  get openstack(): string {
    return tool('openstack');
  },
  /** The legacy Image API client (python3-glanceclient). */
  get glance(): string {
    return tool('glance');
  },
  /** The legacy Compute API client (python3-novaclient). */
  get nova(): string {
    return tool('nova');
  },
  /** The legacy Networking API client (python3-neutronclient): quotas while `openstack quota` still needs a compute endpoint. */
  get neutron(): string {
    return tool('neutron');
  },
  /** qemu-img (qemu-utils), when installed; the cli tier builds its images without it otherwise. */
  get qemuImg(): string {
    return tool('qemu-img');
  },
};

/** Debian packages that provide the tools above (qemu-img is optional and not among them). */
export const TEMPEST_DEBS = ['tempest', 'subunit'];
export const CLI_DEBS = ['python3-openstackclient', 'python3-glanceclient', 'python3-neutronclient', 'python3-osc-placement', 'python3-novaclient'];
