import type { Selectable } from 'kysely';
import type { IdentityDb, Queryable } from './db.js';
import { isUniqueViolation } from './db.js';
import type { AccessRuleTable, ApplicationCredentialTable } from './schema.js';

export type AppCredRow = Selectable<ApplicationCredentialTable>;
export type AccessRuleRow = Selectable<AccessRuleTable>;

export async function getAppCredRow(db: Queryable, id: string): Promise<AppCredRow | undefined> {
  return db.selectFrom('application_credential').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAppCredByName(db: Queryable, userId: string, name: string): Promise<AppCredRow | undefined> {
  return db.selectFrom('application_credential').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
}

export async function listAppCredRows(db: Queryable, userId: string, name?: string): Promise<AppCredRow[]> {
  let q = db.selectFrom('application_credential').selectAll().where('user_id', '=', userId);
  if (name !== undefined) q = q.where('name', '=', name);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function appCredRoleIds(db: Queryable, id: string): Promise<string[]> {
  const rows = await db.selectFrom('application_credential_role').select('role_id').where('application_credential_id', '=', id).execute();
  return rows.map((r) => r.role_id);
}

export async function appCredAccessRules(db: Queryable, id: string): Promise<AccessRuleRow[]> {
  return db.selectFrom('application_credential_access_rule as link')
    .innerJoin('access_rule', 'access_rule.id', 'link.access_rule_id')
    .selectAll('access_rule')
    .where('link.application_credential_id', '=', id)
    .orderBy('access_rule.id').execute();
}

/** A requested access rule: by id (an existing rule of the user) or by its fields. */
export type AccessRuleRequest = { id: string; service?: string; path?: string; method?: string };

export class AppCredConflict extends Error {}
export class AccessRuleMissing extends Error {
  constructor(readonly ruleId: string) {
    super(`access rule ${ruleId} not found`);
  }
}

/**
 * Stores a credential with its roles and access rules in one transaction. An access
 * rule identical to one the user already has is shared rather than duplicated, as in
 * Keystone. Throws AppCredConflict for a duplicate name.
 */
export async function insertAppCred(db: IdentityDb, row: AppCredRow, roleIds: readonly string[], rules: readonly AccessRuleRequest[]): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('application_credential').values(row).execute();
      for (const roleId of new Set(roleIds)) {
        await tx.insertInto('application_credential_role').values({ application_credential_id: row.id, role_id: roleId }).execute();
      }
      const linked = new Set<string>();
      for (const rule of rules) {
        let existing = await tx.selectFrom('access_rule').selectAll().where('id', '=', rule.id).executeTakeFirst();
        if (existing && existing.user_id !== row.user_id) existing = undefined;
        if (!existing && rule.service !== undefined && rule.path !== undefined && rule.method !== undefined) {
          existing = await tx.selectFrom('access_rule').selectAll().where('user_id', '=', row.user_id)
            .where('service', '=', rule.service).where('path', '=', rule.path).where('method', '=', rule.method).executeTakeFirst();
          if (!existing) {
            existing = { id: rule.id, user_id: row.user_id, service: rule.service, path: rule.path, method: rule.method };
            await tx.insertInto('access_rule').values(existing).execute();
          }
        }
        if (!existing) throw new AccessRuleMissing(rule.id);
        if (linked.has(existing.id)) continue;
        linked.add(existing.id);
        await tx.insertInto('application_credential_access_rule').values({ application_credential_id: row.id, access_rule_id: existing.id }).execute();
      }
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppCredConflict();
    throw e;
  }
}

/** Deletes a credential (its role and rule links go with it); false if it did not exist. */
export async function deleteAppCred(db: IdentityDb, id: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('application_credential_role').where('application_credential_id', '=', id).execute();
    await tx.deleteFrom('application_credential_access_rule').where('application_credential_id', '=', id).execute();
    const res = await tx.deleteFrom('application_credential').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  });
}

export async function listAccessRuleRows(db: Queryable, userId: string, filters: { service?: string; path?: string; method?: string } = {}): Promise<AccessRuleRow[]> {
  let q = db.selectFrom('access_rule').selectAll().where('user_id', '=', userId);
  if (filters.service !== undefined) q = q.where('service', '=', filters.service);
  if (filters.path !== undefined) q = q.where('path', '=', filters.path);
  if (filters.method !== undefined) q = q.where('method', '=', filters.method);
  return q.orderBy('id').execute();
}

export async function getAccessRuleRow(db: Queryable, id: string): Promise<AccessRuleRow | undefined> {
  return db.selectFrom('access_rule').selectAll().where('id', '=', id).executeTakeFirst();
}

/** 'in-use' when an application credential still refers to the rule. */
export async function deleteAccessRule(db: IdentityDb, id: string): Promise<'deleted' | 'missing' | 'in-use'> {
  return db.transaction().execute(async (tx) => {
    const use = await tx.selectFrom('application_credential_access_rule').select('access_rule_id').where('access_rule_id', '=', id).executeTakeFirst();
    if (use) return 'in-use';
    const res = await tx.deleteFrom('access_rule').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0 ? 'deleted' : 'missing';
  });
}
