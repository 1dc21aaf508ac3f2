import { join } from 'node:path';
import { defineSchema, opt, type ConfigOf } from '../core/config/index.js';
import type { ImageSettings } from './settings.js';

const TiB = 1024 ** 4;

/**
 * The image service's configuration. Option names are Glance's; the options Glance
 * keeps in [DEFAULT] live in [image] here because the all-in-one shares one file.
 */
export const imageOptions = defineSchema({
  image: {
    port: opt.port({ default: 9292, help: 'Port of the image API (before the port offset).' }),
    image_size_cap: opt.int({ default: TiB, min: 1, help: 'Largest image, in bytes, an upload may store (413 beyond it).' }),
    limit_param_default: opt.int({ default: 25, min: 1, help: 'Page size of an image list without ?limit.' }),
    api_limit_max: opt.int({ default: 1000, min: 1, help: 'Largest page an image list returns.' }),
    image_member_quota: opt.int({ default: 128, min: -1, help: 'Members per image; -1 for unlimited.' }),
    image_property_quota: opt.int({ default: 128, min: -1, help: 'Extra properties per image; -1 for unlimited.' }),
    image_tag_quota: opt.int({ default: 128, min: -1, help: 'Tags per image; -1 for unlimited.' }),
    use_keystone_limits: opt.bool({ default: true, help: 'Enforce per-project quotas from identity unified limits (image_size_total, image_stage_total, image_count_total, image_count_uploading).' }),
    enabled_import_methods: opt.list({ default: ['glance-direct'], help: 'Interoperable import methods offered (web-download needs internet and is not offered).' }),
    show_image_direct_url: opt.bool({ default: false, help: 'Show the store location of image data as direct_url.' }),
  },
  glance_store: {
    filesystem_store_datadir: opt.str({ help: 'Directory of image data; defaults to <data_dir>/images.' }),
  },
  os_glance_staging_store: {
    filesystem_store_datadir: opt.str({ help: 'Directory of staged (interoperable import) data; defaults to <data_dir>/image-staging.' }),
  },
  image_format: {
    disk_formats: opt.list({ default: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] }),
    container_formats: opt.list({ default: ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] }),
    require_image_format_match: opt.bool({ default: true, help: 'Refuse uploads whose content does not match their disk_format (OSSN-0090).' }),
    vmdk_allowed_types: opt.list({ default: ['streamOptimized', 'monolithicSparse'], help: 'VMDK create-types accepted; others are refused on upload.' }),
    gpt_safety_checks_nonfatal: opt.list({ default: [], help: 'GPT/MBR safety checks that only warn.' }),
  },
});

export type ImageConfig = ConfigOf<typeof imageOptions>;

export function imageSettingsFrom(cfg: ImageConfig, dataDir: string): ImageSettings {
  const quota = (n: number): number | null => (n < 0 ? null : n);
  return {
    imageSizeCap: cfg.image.image_size_cap,
    limitParamDefault: cfg.image.limit_param_default,
    apiLimitMax: cfg.image.api_limit_max,
    memberQuota: quota(cfg.image.image_member_quota),
    propertyQuota: quota(cfg.image.image_property_quota),
    tagQuota: quota(cfg.image.image_tag_quota),
    useKeystoneLimits: cfg.image.use_keystone_limits,
    importMethods: cfg.image.enabled_import_methods,
    showDirectUrl: cfg.image.show_image_direct_url,
    dataDir: cfg.glance_store.filesystem_store_datadir ?? join(dataDir, 'images'),
    stagingDir: cfg.os_glance_staging_store.filesystem_store_datadir ?? join(dataDir, 'image-staging'),
    diskFormats: cfg.image_format.disk_formats,
    containerFormats: cfg.image_format.container_formats,
    requireFormatMatch: cfg.image_format.require_image_format_match,
    vmdkAllowedTypes: cfg.image_format.vmdk_allowed_types,
    gptSafetyChecksNonfatal: cfg.image_format.gpt_safety_checks_nonfatal,
  };
}
