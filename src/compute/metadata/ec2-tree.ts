import { ec2Addresses } from './network-data.js';
import type { MetadataSource } from './source.js';
import { atLeast, EC2_VERSIONS } from './versions.js';

/**
 * The EC2-style metadata tree of one version (Nova's get_ec2_metadata). A directory
 * that lists under another name than its key carries that name in `_name`: EC2 lists
 * public-keys/ as `0=keyname`.
 */
export type Ec2Value = string | number | null | string[] | Buffer | Ec2Tree;
export interface Ec2Tree {
  [key: string]: Ec2Value;
}

const NAME = '_name';
const since = (version: string, required: string): boolean => atLeast(EC2_VERSIONS, version, required);

/**
 * `version` must already be resolved (see resolveVersion). `requestAddress` is where the
 * request came from: Nova's local-ipv4 when the instance has no fixed IPv4 address.
 */
export function buildEc2Tree(source: MetadataSource, version: string, requestAddress = ''): Ec2Tree {
  const { fixedV4, floating } = ec2Addresses(source);
  const meta: Ec2Tree = {
    'ami-id': source.ec2ImageId,
    'ami-launch-index': source.launchIndex,
    'ami-manifest-path': 'FIXME',
    'instance-id': source.ec2InstanceId,
    hostname: source.hostname,
    'local-ipv4': fixedV4[0] ?? requestAddress,
    'reservation-id': source.reservationId,
    'security-groups': source.securityGroups,
  };
  if (source.key) meta['public-keys'] = { '0': { [NAME]: `0=${source.key.name}`, 'openssh-key': source.key.publicKey } };
  if (since(version, '2007-01-19')) {
    meta['local-hostname'] = source.hostname;
    meta['public-hostname'] = source.hostname;
    meta['public-ipv4'] = floating[0] ?? '';
  }
  if (since(version, '2007-08-29')) meta['instance-type'] = source.flavorName;
  if (since(version, '2007-12-15')) meta['block-device-mapping'] = source.blockDeviceMapping;
  if (since(version, '2008-02-01')) meta['placement'] = { 'availability-zone': source.availabilityZone };
  if (since(version, '2008-09-01')) meta['instance-action'] = 'none';
  const tree: Ec2Tree = { 'meta-data': meta };
  if (source.userData) tree['user-data'] = source.userData;
  return tree;
}

const isTree = (v: Ec2Value): v is Ec2Tree => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** The value at `path` below `tree`, or undefined when there is none. */
export function findInTree(tree: Ec2Value, path: readonly string[]): Ec2Value | undefined {
  let node: Ec2Value = tree;
  for (const token of path) {
    if (!isTree(node) || token === NAME || !Object.hasOwn(node, token)) return undefined;
    node = node[token]!;
  }
  return node;
}

/**
 * A tree node as the EC2 API prints it (Nova's ec2_md_print): a directory lists its
 * keys sorted, sub-directories with a trailing slash; a list one item per line.
 */
export function ec2Print(value: Ec2Value): string | Buffer {
  if (value === null) return 'None';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.join('\n');
  return Object.keys(value).filter((k) => k !== NAME).sort().map((key) => {
    const child = value[key]!;
    if (!isTree(child)) return key;
    const named = child[NAME];
    return typeof named === 'string' ? named : `${key}/`;
  }).join('\n');
}

/** The tree as the config drive stores it (meta-data.json): without the listing names. */
export function withoutListingNames(value: Ec2Value): Ec2Value {
  if (!isTree(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== NAME).map(([k, v]) => [k, withoutListingNames(v)]));
}
