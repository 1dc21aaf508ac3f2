import { buildEc2Tree, withoutListingNames } from './ec2-tree.js';
import { contentPath, openstackFile, versionListing } from './openstack-tree.js';
import type { MetadataSource } from './source.js';
import { EC2_VERSIONS, LATEST, OPENSTACK_VERSIONS, resolveVersion } from './versions.js';

/**
 * EC2 versions a config drive carries: Nova's default config_drive_skip_versions leaves
 * out everything before 2009-04-04.
 */
const CONFIG_DRIVE_EC2_VERSIONS = ['2009-04-04', LATEST];

export interface ConfigDriveOptions {
  randomBytes(size: number): Buffer;
  /** The admin password, which only the config drive carries (meta_data.json admin_pass). */
  adminPass?: string;
}

/**
 * Every file of the metadata tree as a config drive holds it (Nova's
 * metadata_for_config_drive), path -> content: ec2/<version>/meta-data.json and
 * user-data, and for every OpenStack version (and latest) meta_data.json, user_data,
 * vendor_data.json, network_data.json and vendor_data2.json where the version has them.
 * The config drive writer puts exactly these files on the disk.
 */
export function configDriveFiles(source: MetadataSource, options: ConfigDriveOptions): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {};
  for (const version of CONFIG_DRIVE_EC2_VERSIONS) {
    const tree = buildEc2Tree(source, resolveVersion(EC2_VERSIONS, version)!);
    if (source.userData) files[`ec2/${version}/user-data`] = source.userData;
    files[`ec2/${version}/meta-data.json`] = JSON.stringify(withoutListingNames(tree['meta-data']!));
  }
  for (const version of [...OPENSTACK_VERSIONS, LATEST]) {
    const resolved = resolveVersion(OPENSTACK_VERSIONS, version)!;
    const dir = `openstack/${version}`;
    // The listing says which files this version has; the password is only for the metadata API.
    for (const file of versionListing(source, resolved)) {
      const content = openstackFile(source, resolved, file, options);
      if (content) files[`${dir}/${file}`] = content.body;
    }
  }
  source.injectedFiles.forEach((f, i) => { files[`openstack${contentPath(i)}`] = f.contents; });
  return files;
}
