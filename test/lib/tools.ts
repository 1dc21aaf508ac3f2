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

export const TEMPEST = tool('tempest');
export const STESTR = tool('stestr');
/** From python3-subunit (a tempest dependency): subunit v2 -> CSV of test,status,... */
export const SUBUNIT2CSV = tool('subunit2csv');
/** From python3-subunit: subunit v2 -> v1 text, which keeps skip reasons and tracebacks. */
export const SUBUNIT_2TO1 = tool('subunit-2to1');

/** The official OpenStack client (python3-openstackclient). */
export const OPENSTACK = tool('openstack');

/** Debian packages that provide the tools above (and the openstack CLI). */
export const TEMPEST_DEBS = ['tempest', 'python3-subunit'];
export const CLI_DEBS = ['python3-openstackclient'];
