import { buildEc2Tree, ec2Print, findInTree } from './ec2-tree.js';
import { contentPath, FILES, openstackFile, TEXT, versionHas, versionListing, type DocumentFile } from './openstack-tree.js';
import type { MetadataSource } from './source.js';
import { EC2_VERSIONS, LATEST, listedOpenStackVersions, OPENSTACK_VERSIONS, resolveVersion } from './versions.js';

/** What a metadata path holds for one instance. */
export type Answer =
  | ({ kind: 'content' } & DocumentFile)
  | { kind: 'password' }
  | { kind: 'missing' };

export interface RequestFacts {
  /** Today, for hiding OpenStack versions from the future. */
  now: Date;
  randomBytes(size: number): Buffer;
  /** The requester's address (EC2 local-ipv4 of an instance without a fixed IPv4). */
  address: string;
}

const MISSING: Answer = { kind: 'missing' };
const text = (body: string | Buffer): Answer => ({ kind: 'content', body, contentType: TEXT });

/** The listing at `/`, which needs no instance: the EC2 versions. */
export const ROOT_LISTING = [...EC2_VERSIONS, LATEST].join('\n');

/** A path as Nova's posixpath.normpath leaves it, as segments: no empty, `.` or `..` ones. */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out;
}

/**
 * Resolves a metadata path for an instance (Nova's InstanceMetadata.lookup): paths under
 * /openstack are OpenStack documents, anything else is the EC2 tree (`/latest/...` is
 * `/ec2/latest/...`).
 */
export function resolvePath(source: MetadataSource, path: string, facts: RequestFacts): Answer {
  const segments = pathSegments(path);
  if (segments[0] === 'openstack') return resolveOpenStack(source, segments.slice(1), facts);
  return resolveEc2(source, segments[0] === 'ec2' ? segments.slice(1) : segments, facts);
}

function resolveEc2(source: MetadataSource, segments: string[], facts: RequestFacts): Answer {
  const [requested, ...rest] = segments;
  if (requested === undefined) return text(ROOT_LISTING);
  const version = resolveVersion(EC2_VERSIONS, requested);
  if (!version) return MISSING;
  const found = findInTree(buildEc2Tree(source, version, facts.address), rest);
  return found === undefined ? MISSING : text(ec2Print(found));
}

function resolveOpenStack(source: MetadataSource, segments: string[], facts: RequestFacts): Answer {
  const [requested, ...rest] = segments;
  if (requested === undefined) return text(listedOpenStackVersions(facts.now).join('\n'));
  if (requested === 'content') {
    const index = source.injectedFiles.findIndex((_, i) => contentPath(i) === `/content/${rest.join('/')}`);
    return index < 0 ? MISSING : { kind: 'content', body: source.injectedFiles[index]!.contents, contentType: TEXT };
  }
  const version = resolveVersion(OPENSTACK_VERSIONS, requested);
  if (!version) return MISSING;
  if (rest.length === 0) return text(versionListing(source, version).join('\n'));
  const file = rest.join('/');
  if (!versionHas(version, file)) return MISSING;
  if (file === FILES.password) return { kind: 'password' };
  const found = openstackFile(source, version, file, { randomBytes: facts.randomBytes });
  return found ? { kind: 'content', ...found } : MISSING;
}
