import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * OS-OAUTH1 request and access tokens, as Keystone's oauth1 SQL backend keeps them.
 * Role id lists are JSON text (MEDIUMTEXT on MariaDB, as 0004 made every free text
 * there). Tokens go with their consumer or authorizing user; that is done in code
 * (store/oauth1-tokens.ts) so it behaves the same on every engine.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const text = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : sql`text`;
  await s.createTable('request_token')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('request_secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('verifier', 'varchar(64)')
    .addColumn('authorizing_user_id', 'varchar(64)')
    .addColumn('requested_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_ids', text)
    .addColumn('consumer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(64)')
    .execute();
  await s.createIndex('request_token_consumer').on('request_token').column('consumer_id').execute();
  await s.createTable('access_token')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('access_secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('authorizing_user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_ids', text, (c) => c.notNull())
    .addColumn('consumer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(64)')
    .execute();
  await s.createIndex('access_token_user').on('access_token').column('authorizing_user_id').execute();
  await s.createIndex('access_token_consumer').on('access_token').column('consumer_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['access_token', 'request_token']) await db.schema.dropTable(t).ifExists().execute();
}
