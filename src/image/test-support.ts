import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TEST_PROJECTS, testTokens, type TestCaller } from '../core/auth/test-tokens.js';
import { systemClock } from '../core/clock.js';
import { dropServiceDatabase } from '../core/db/index.js';
import { randomIds } from '../core/ids.js';
import { createLogger } from '../core/log.js';
import { createImageApp } from './api/index.js';
import type { ProjectLimits } from './domain/quotas.js';
import type { ImageService } from './service.js';
import type { ImageSettings } from './settings.js';
import { openImage } from './setup.js';

/** Fixed callers: tokens are their names, so tests read as who does what (core/auth/test-tokens). */
export const PROJECTS = { admin: TEST_PROJECTS.admin, demo: TEST_PROJECTS.demo, alt: TEST_PROJECTS.alt } as const;
export type Caller = TestCaller;

/** Accepts the tokens "admin", "demo", "alt" and "reader" (identity has its own tests). */
export const fixedTokens = testTokens;

export class MapLimits implements ProjectLimits {
  readonly limits = new Map<string, number>();
  async limitsFor(): Promise<Map<string, number>> {
    return new Map(this.limits);
  }
}

export interface ImageFixture {
  app: FastifyInstance;
  svc: ImageService;
  dir: string;
  limits: MapLimits;
  close(): Promise<void>;
}

export function testSettings(dir: string, overrides: Partial<ImageSettings> = {}): ImageSettings {
  return {
    imageSizeCap: 1024 ** 4, limitParamDefault: 25, apiLimitMax: 1000,
    memberQuota: 128, propertyQuota: 128, tagQuota: 128, useKeystoneLimits: true,
    importMethods: ['glance-direct'], showDirectUrl: false,
    dataDir: join(dir, 'images'), stagingDir: join(dir, 'staging'),
    diskFormats: ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
    containerFormats: ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'],
    requireFormatMatch: true, vmdkAllowedTypes: ['streamOptimized', 'monolithicSparse'], gptSafetyChecksNonfatal: [],
    ...overrides,
  };
}

/**
 * The image API on a temporary directory (SQLite, or STRATUS_TEST_DATABASE_URL's server
 * in a throw-away schema), with generous quotas the test may lower through `limits`.
 */
export async function imageFixture(overrides: Partial<ImageSettings> = {}): Promise<ImageFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-image-test-'));
  const server = process.env.STRATUS_TEST_DATABASE_URL || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const schema = server ? `image_${randomBytes(6).toString('hex')}` : undefined;
  const limits = new MapLimits();
  for (const [k, v] of Object.entries({ image_size_total: 1 << 20, image_stage_total: 1 << 20, image_count_total: 1000, image_count_uploading: 100 })) limits.limits.set(k, v);
  const cleanup = async (): Promise<void> => {
    if (schema) await dropServiceDatabase(connection, 'image', { name: schema }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { svc, database } = await openImage({
      connection, ...(schema ? { schema } : {}), settings: testSettings(dir, overrides), limits,
      clock: systemClock, ids: randomIds, log: createLogger({ level: 'silent' }),
    });
    const app = createImageApp(svc, { bodyLimit: 114688, tokens: fixedTokens });
    await app.ready();
    return {
      app, svc, dir, limits,
      close: async () => {
        await app.close();
        await svc.drain();
        await database.close();
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
