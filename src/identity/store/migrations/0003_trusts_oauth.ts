import type { Kysely } from 'kysely';

/** OS-TRUST trusts, OS-OAUTH1 consumers, and one access rule per (user, service, path, method). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('trust')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('trustor_user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('trustee_user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('impersonation', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('remaining_uses', 'integer')
    .addColumn('redelegated_trust_id', 'varchar(64)')
    .addColumn('redelegation_count', 'integer')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('trust_trustor').on('trust').column('trustor_user_id').execute();
  await s.createIndex('trust_trustee').on('trust').column('trustee_user_id').execute();
  await s.createTable('trust_role')
    .addColumn('trust_id', 'varchar(64)', (c) => c.notNull().references('trust.id').onDelete('cascade'))
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('trust_role_pk', ['trust_id', 'role_id'])
    .execute();
  await s.createTable('consumer')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(64)')
    .addColumn('secret', 'varchar(64)', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('access_rule_user_rule').on('access_rule').columns(['user_id', 'service', 'path', 'method']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_rule_user_rule').on('access_rule').ifExists().execute();
  for (const t of ['consumer', 'trust_role', 'trust']) await db.schema.dropTable(t).ifExists().execute();
}
