import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { testTokens, type TestCaller } from '../core/auth/test-tokens.js';
import { systemClock } from '../core/clock.js';
import { dropServiceDatabase } from '../core/db/index.js';
import { randomIds } from '../core/ids.js';
import { createLogger } from '../core/log.js';
import { createPlacementApp } from './api/index.js';
import type { PlacementService } from './service.js';
import { openPlacement } from './setup.js';

export interface PlacementFixture {
  app: FastifyInstance;
  svc: PlacementService;
  close(): Promise<void>;
}

/** The placement API on a temporary SQLite directory (or STRATUS_TEST_DATABASE_URL's server). */
export async function placementFixture(): Promise<PlacementFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-placement-test-'));
  const server = process.env.STRATUS_TEST_DATABASE_URL || undefined;
  const connection = server ?? `sqlite://${dir}`;
  const schema = server ? `placement_${randomBytes(6).toString('hex')}` : undefined;
  const cleanup = async (): Promise<void> => {
    if (schema) await dropServiceDatabase(connection, 'placement', { name: schema }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { svc, database } = await openPlacement({ connection, ...(schema ? { schema } : {}), clock: systemClock, ids: randomIds, log: createLogger({ level: 'silent' }) });
    const app = createPlacementApp(svc, { bodyLimit: 114688, tokens: testTokens });
    await app.ready();
    return { app, svc, close: async () => { await app.close(); await database.close(); await cleanup(); } };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

export type PlacementCall = (who: TestCaller, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, version?: string) => Promise<LightMyRequestResponse>;

/** `app.inject` as a caller at a microversion (default: latest). */
export function placementCaller(f: () => PlacementFixture): PlacementCall {
  return (who, method, url, body, version = 'latest') => f().app.inject({
    method, url,
    headers: { 'x-auth-token': who, 'content-type': 'application/json', 'openstack-api-version': `placement ${version}` },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** The first error of a Placement error body. */
export function placementError(res: { json(): unknown }): { status: number; title: string; detail: string; code?: string } {
  return (res.json() as { errors: Array<{ status: number; title: string; detail: string; code?: string }> }).errors[0]!;
}
