/**
 * The metadata API versions, oldest first, as Nova Zed lists them
 * (nova/api/metadata/base.py VERSIONS and OPENSTACK_VERSIONS). Documents gain keys by
 * version, so these lists are also the gates: a feature appears from its version on.
 */
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04'] as const;

export const OS = {
  FOLSOM: '2012-08-10',
  GRIZZLY: '2013-04-04',
  HAVANA: '2013-10-17',
  LIBERTY: '2015-10-15',
  NEWTON_ONE: '2016-06-30',
  NEWTON_TWO: '2016-10-06',
  OCATA: '2017-02-22',
  ROCKY: '2018-08-27',
  VICTORIA: '2020-10-14',
} as const;

export const OPENSTACK_VERSIONS: readonly string[] = Object.values(OS);

export const LATEST = 'latest';

/** A requested version with `latest` resolved; undefined when the version is unknown. */
export function resolveVersion(known: readonly string[], requested: string): string | undefined {
  if (requested === LATEST) return known[known.length - 1];
  return known.includes(requested) ? requested : undefined;
}

/** Whether `version` (a resolved member of `known`) is `required` or newer. */
export function atLeast(known: readonly string[], version: string, required: string): boolean {
  return known.indexOf(version) >= known.indexOf(required);
}

/**
 * The OpenStack versions listed at /openstack: those dated today or earlier (Nova hides
 * versions from the future, which can still be asked for by name), then `latest`.
 */
export function listedOpenStackVersions(today: Date): string[] {
  const day = today.toISOString().slice(0, 10);
  return [...OPENSTACK_VERSIONS.filter((v) => v <= day), LATEST];
}
