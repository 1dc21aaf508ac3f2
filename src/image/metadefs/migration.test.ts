import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openServiceDatabase, type ServiceDatabase } from '../../core/db/index.js';
import { imageMigrations } from '../db/migrations/index.js';
import { SEEDED_RESOURCE_TYPES } from './migration.js';
import type { MetadefTables } from './schema.js';

describe('metadef migration', () => {
  let dir: string;
  let database: ServiceDatabase<MetadefTables>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stratus-metadefs-migration-'));
    database = await openServiceDatabase<MetadefTables>(`sqlite://${dir}`, 'image');
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migration: runs as 0002 of the image service, after its first schema, and only once', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const applied = await migrateToLatest(db, imageMigrations, 'image');
    expect(applied.indexOf('0002_metadefs')).toBe(applied.indexOf('0001_initial') + 1);
    expect(await migrateToLatest(db, imageMigrations, 'image')).toEqual([]);
  });

  it('migration: seeds the catalogue\'s resource types, protected', async () => {
    const rows = await database.db.selectFrom('metadef_resource_types').select(['name', 'protected', 'updated_at']).orderBy('id').execute();
    expect(rows.map((r) => r.name)).toEqual([...SEEDED_RESOURCE_TYPES]);
    expect(rows.every((r) => Number(r.protected) === 1 && r.updated_at === null)).toBe(true);
  });
});
