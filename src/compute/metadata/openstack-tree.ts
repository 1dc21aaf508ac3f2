import { buildNetworkData } from './network-data.js';
import type { MetadataSource } from './source.js';
import { atLeast, OPENSTACK_VERSIONS, OS } from './versions.js';

/** The files of one OpenStack metadata version, as Nova names them. */
export const FILES = {
  metaData: 'meta_data.json',
  userData: 'user_data',
  password: 'password',
  vendorData: 'vendor_data.json',
  networkData: 'network_data.json',
  vendorData2: 'vendor_data2.json',
} as const;

const since = (version: string, required: string): boolean => atLeast(OPENSTACK_VERSIONS, version, required);

/** The listing of /openstack/<version>/ (Nova's _handle_version). */
export function versionListing(source: Pick<MetadataSource, 'userData'>, version: string): string[] {
  const files: string[] = [FILES.metaData];
  if (source.userData) files.push(FILES.userData);
  if (since(version, OS.GRIZZLY)) files.push(FILES.password);
  if (since(version, OS.HAVANA)) files.push(FILES.vendorData);
  if (since(version, OS.LIBERTY)) files.push(FILES.networkData);
  if (since(version, OS.NEWTON_TWO)) files.push(FILES.vendorData2);
  return files;
}

/**
 * Which files a version serves (a file from a later version is a 404). As in Nova,
 * network_data.json is served for every version though only listed from Liberty on.
 */
export function versionHas(version: string, file: string): boolean {
  switch (file) {
    case FILES.metaData: case FILES.userData: case FILES.networkData: return true;
    case FILES.password: return since(version, OS.GRIZZLY);
    case FILES.vendorData: return since(version, OS.HAVANA);
    case FILES.vendorData2: return since(version, OS.NEWTON_TWO);
    default: return false;
  }
}

/** Where injected file `index` is served (under /openstack) and written on a config drive: /content/0000... */
export function contentPath(index: number): string {
  return `/content/${String(index).padStart(4, '0')}`;
}

export interface MetaDataOptions {
  /** 512 random bytes per document: guests seed their entropy pool from it. */
  randomBytes(size: number): Buffer;
  /**
   * Only the config drive gets the admin password (Nova passes it as extra_md there and
   * deliberately never over the metadata API).
   */
  adminPass?: string;
}

/** meta_data.json of one version (Nova's _metadata_as_json), keys gated by version. */
export function buildMetaData(source: MetadataSource, version: string, options: MetaDataOptions): Record<string, unknown> {
  const doc: Record<string, unknown> = { uuid: source.uuid };
  if (Object.keys(source.meta).length > 0) doc.meta = source.meta;
  if (options.adminPass !== undefined) doc.admin_pass = options.adminPass;
  if (source.key) {
    doc.public_keys = { [source.key.name]: source.key.publicKey };
    doc.keys = [{ name: source.key.name, type: source.key.type, data: source.key.publicKey }];
  }
  // Injected files are named here and served under /openstack/content/ (Nova's content_path).
  if (source.injectedFiles.length > 0) doc.files = source.injectedFiles.map((f, i) => ({ path: f.path, content_path: contentPath(i) }));
  doc.hostname = source.hostname;
  doc.name = source.name;
  doc.launch_index = source.launchIndex;
  doc.availability_zone = source.availabilityZone;
  if (since(version, OS.GRIZZLY)) doc.random_seed = options.randomBytes(512).toString('base64');
  if (since(version, OS.LIBERTY)) doc.project_id = source.projectId;
  // No device has tags or VLANs to show yet, and no instance has pinned CPUs.
  if (since(version, OS.NEWTON_ONE)) doc.devices = [];
  if (since(version, OS.VICTORIA)) doc.dedicated_cpus = [];
  return doc;
}

/**
 * Vendor data from Nova's default provider (StaticJSON) with no file configured: {} in
 * vendor_data.json, and under "static" in vendor_data2.json.
 */
export function buildVendorData(): Record<string, unknown> {
  return {};
}

export function buildVendorData2(): Record<string, unknown> {
  return { static: buildVendorData() };
}

export const TEXT = 'text/plain';
export const JSON_TYPE = 'application/json';

/** A file's content and the type Nova serves it with. */
export interface DocumentFile {
  body: string | Buffer;
  contentType: typeof TEXT | typeof JSON_TYPE;
}

/**
 * The content of one file of a version, for the metadata API and the config drive alike;
 * undefined when the instance has no such file (no user data) or the file is not a
 * document (the password is read and written by the API only).
 */
export function openstackFile(source: MetadataSource, version: string, file: string, options: MetaDataOptions): DocumentFile | undefined {
  const json = (doc: unknown, contentType: DocumentFile['contentType'] = JSON_TYPE): DocumentFile => ({ body: JSON.stringify(doc), contentType });
  switch (file) {
    case FILES.metaData: return json(buildMetaData(source, version, options));
    case FILES.userData: return source.userData ? { body: source.userData, contentType: TEXT } : undefined;
    case FILES.vendorData: return json(buildVendorData());
    case FILES.vendorData2: return json(buildVendorData2());
    // Nova serves network_data.json as text/plain (it never sets the JSON type for it).
    case FILES.networkData: return json(buildNetworkData(source) ?? {}, TEXT);
    default: return undefined;
  }
}
