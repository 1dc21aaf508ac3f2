import { PayloadTooLargeError } from '../../core/http/index.js';
import { projectUsage } from '../db/images.js';
import type { ImageService } from '../service.js';

/** Where per-project limits come from: identity's unified limits in a real cloud. */
export interface ProjectLimits {
  /** Limit per resource name; a resource without an entry has limit 0, as oslo.limit treats it. */
  limitsFor(projectId: string): Promise<Map<string, number>>;
}

/** Glance's unified-limit resources. Sizes are in MiB, as Glance registers them. */
export const IMAGE_LIMIT_RESOURCES = {
  image_size_total: 'Total MiB of image data a project may store',
  image_stage_total: 'Total MiB of staged (import) data a project may hold',
  image_count_total: 'Number of images a project may own',
  image_count_uploading: 'Number of uploads a project may have in flight',
} as const;
export type ImageLimitResource = keyof typeof IMAGE_LIMIT_RESOURCES;

const MiB = 1024 * 1024;

function overLimit(projectId: string, resource: ImageLimitResource, limit: number, usage: number, delta: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Project ${projectId} is over a limit for [Resource ${resource} is over limit of ${limit} due to current usage ${usage} and delta ${delta}]`);
}

/**
 * Glance's ks_quota checks. Counting happens at check time against the database, so
 * two parallel requests can each pass a count check; byte limits are checked before data
 * streams (the size cap, not the quota, bounds one upload: see upload.ts).
 */
export class ImageQuotas {
  constructor(private readonly svc: ImageService) {}

  private get enabled(): boolean {
    return this.svc.settings.useKeystoneLimits;
  }

  private async limit(projectId: string, resource: ImageLimitResource): Promise<number> {
    return (await this.svc.limits.limitsFor(projectId)).get(resource) ?? 0;
  }

  /** Before creating an image. */
  async checkImageCount(projectId: string): Promise<void> {
    if (!this.enabled) return;
    const [limit, usage] = await Promise.all([this.limit(projectId, 'image_count_total'), projectUsage(this.svc.db, projectId)]);
    if (usage.imageCount + 1 > limit) throw overLimit(projectId, 'image_count_total', limit, usage.imageCount, 1);
  }

  /**
   * Before data streams in (upload or stage): 413 when one more upload would pass
   * image_count_uploading, or when the project is already over its byte limit. The byte
   * check is Glance's (oslo.limit with delta 0, usage in whole MiB rounded down): an
   * upload's size is unknown until it ends, so the one that crosses the limit succeeds
   * and the next is refused; the stream itself is not cut at the limit. One read of the
   * limits and one of the usage serve both checks.
   */
  async checkTransfer(projectId: string, resource: 'image_size_total' | 'image_stage_total'): Promise<void> {
    if (!this.enabled) return;
    const [limits, usage] = await Promise.all([this.svc.limits.limitsFor(projectId), projectUsage(this.svc.db, projectId)]);
    const uploading = limits.get('image_count_uploading') ?? 0;
    if (usage.uploading + 1 > uploading) throw overLimit(projectId, 'image_count_uploading', uploading, usage.uploading, 1);
    const limitMiB = limits.get(resource) ?? 0;
    const usedMiB = Math.floor((resource === 'image_size_total' ? usage.totalSize : usage.stagedSize) / MiB);
    if (usedMiB > limitMiB) throw overLimit(projectId, resource, limitMiB, usedMiB, 0);
  }
}
