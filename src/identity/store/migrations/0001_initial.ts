import type { Kysely } from 'kysely';
import { withAutoIncrementId } from '../../../core/db/columns.js';

/** The identity schema as first released. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createTable('project')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('parent_id', 'varchar(64)')
    .addColumn('is_domain', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('description', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('project_domain_name').on('project').columns(['domain_id', 'name']).unique().execute();
  await s.createIndex('project_parent').on('project').column('parent_id').execute();
  await s.createTable('project_tag')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('project.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tag_pk', ['project_id', 'name'])
    .execute();
  await s.createTable('user')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('default_project_id', 'varchar(64)')
    .addColumn('description', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_active_at', 'varchar(32)')
    .addColumn('failed_auth_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_auth_at', 'varchar(32)')
    .addUniqueConstraint('user_domain_name', ['domain_id', 'name'])
    .execute();
  await withAutoIncrementId(db, s.createTable('password'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('self_service', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await s.createIndex('password_user').on('password').column('user_id').execute();
  await s.createTable('group')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('group_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createTable('user_group')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('group.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_group_pk', ['user_id', 'group_id'])
    .execute();
  await s.createIndex('user_group_group').on('user_group').column('group_id').execute();
  await s.createTable('role')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_domain_name', ['domain_id', 'name'])
    .execute();
  await s.createTable('implied_role')
    .addColumn('prior_role_id', 'varchar(64)', (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addColumn('implied_role_id', 'varchar(64)', (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('implied_role_pk', ['prior_role_id', 'implied_role_id'])
    .execute();
  await s.createTable('assignment')
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('inherited', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('assignment_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
    .execute();
  await s.createIndex('assignment_actor').on('assignment').column('actor_id').execute();
  await s.createIndex('assignment_target').on('assignment').column('target_id').execute();
  await s.createIndex('assignment_role').on('assignment').column('role_id').execute();
  await s.createTable('region')
    .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(255)')
    .addColumn('parent_region_id', 'varchar(255)')
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createTable('service')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('description', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createTable('endpoint')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(64)', (c) => c.notNull().references('service.id').onDelete('cascade'))
    .addColumn('interface', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await s.createTable('application_credential')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('system', 'varchar(64)')
    .addColumn('secret_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('unrestricted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('app_cred_user_name', ['user_id', 'name'])
    .execute();
  await s.createTable('application_credential_role')
    .addColumn('application_credential_id', 'varchar(64)', (c) => c.notNull().references('application_credential.id').onDelete('cascade'))
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_cred_role_pk', ['application_credential_id', 'role_id'])
    .execute();
  await s.createTable('access_rule')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('service', 'varchar(64)', (c) => c.notNull())
    .addColumn('path', 'varchar(128)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    .execute();
  await s.createTable('application_credential_access_rule')
    .addColumn('application_credential_id', 'varchar(64)', (c) => c.notNull().references('application_credential.id').onDelete('cascade'))
    .addColumn('access_rule_id', 'varchar(64)', (c) => c.notNull().references('access_rule.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('app_cred_access_rule_pk', ['application_credential_id', 'access_rule_id'])
    .execute();
  await s.createTable('credential')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .execute();
  await withAutoIncrementId(db, s.createTable('revocation_event'))
    .addColumn('domain_id', 'varchar(64)')
    .addColumn('project_id', 'varchar(64)')
    .addColumn('user_id', 'varchar(64)')
    .addColumn('role_id', 'varchar(64)')
    .addColumn('audit_id', 'varchar(32)')
    .addColumn('audit_chain_id', 'varchar(32)')
    .addColumn('issued_before', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['revocation_event', 'credential', 'application_credential_access_rule', 'access_rule',
    'application_credential_role', 'application_credential', 'endpoint', 'service', 'region', 'assignment',
    'implied_role', 'role', 'user_group', 'group', 'password', 'user', 'project_tag', 'project']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
