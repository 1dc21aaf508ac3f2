import type { Selectable } from 'kysely';
import type { IdentityDb, Queryable } from './db.js';
import type { TrustTable } from './schema.js';

export type TrustRow = Selectable<TrustTable>;

/** A trust that is not soft-deleted (expiry is the caller's business: it needs the clock). */
export async function getTrustRow(db: Queryable, id: string): Promise<TrustRow | undefined> {
  return db.selectFrom('trust').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listTrustRows(db: Queryable, filter: { trustorUserId?: string; trusteeUserId?: string; redelegatedTrustId?: string } = {}): Promise<TrustRow[]> {
  let q = db.selectFrom('trust').selectAll().where('deleted_at', 'is', null);
  if (filter.trustorUserId !== undefined) q = q.where('trustor_user_id', '=', filter.trustorUserId);
  if (filter.trusteeUserId !== undefined) q = q.where('trustee_user_id', '=', filter.trusteeUserId);
  if (filter.redelegatedTrustId !== undefined) q = q.where('redelegated_trust_id', '=', filter.redelegatedTrustId);
  return q.orderBy('id').execute();
}

export async function trustRoleIds(db: Queryable, trustId: string): Promise<string[]> {
  const rows = await db.selectFrom('trust_role').select('role_id').where('trust_id', '=', trustId).orderBy('role_id').execute();
  return rows.map((r) => r.role_id);
}

export async function insertTrust(db: IdentityDb, row: TrustRow, roleIds: readonly string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('trust').values(row).execute();
    for (const roleId of new Set(roleIds)) await tx.insertInto('trust_role').values({ trust_id: row.id, role_id: roleId }).execute();
  });
}

/** Soft-deletes a trust and, recursively, every trust redelegated from it. */
export async function softDeleteTrust(db: IdentityDb, id: string, at: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const queue = [id];
    for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
      const current = queue.pop() as string;
      await tx.updateTable('trust').set({ deleted_at: at }).where('id', '=', current).where('deleted_at', 'is', null).execute();
      const children = await tx.selectFrom('trust').select('id').where('redelegated_trust_id', '=', current).where('deleted_at', 'is', null).execute();
      queue.push(...children.map((c) => c.id));
    }
  });
}

/**
 * Takes one use of a trust with a use limit, atomically (compare-and-set on the count);
 * false when no use is left. Trusts without a limit always succeed.
 */
export async function consumeTrustUse(db: Queryable, id: string): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await db.selectFrom('trust').select('remaining_uses').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) return false;
    if (row.remaining_uses === null) return true;
    if (row.remaining_uses <= 0) return false;
    const res = await db.updateTable('trust').set({ remaining_uses: row.remaining_uses - 1 })
      .where('id', '=', id).where('remaining_uses', '=', row.remaining_uses).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return true;
  }
  return false;
}

/**
 * Removes the trusts a deleted user or project leaves meaningless (Keystone's
 * delete listeners do the same): trusts where the user is trustor or trustee, or that
 * delegate roles on the project.
 */
export async function deleteTrustsOf(db: Queryable, owner: { userId: string } | { projectId: string }): Promise<void> {
  let ids = db.selectFrom('trust').select('id');
  ids = 'userId' in owner
    ? ids.where((eb) => eb.or([eb('trustor_user_id', '=', owner.userId), eb('trustee_user_id', '=', owner.userId)]))
    : ids.where('project_id', '=', owner.projectId);
  const doomed = (await ids.execute()).map((r) => r.id);
  if (doomed.length === 0) return;
  await db.deleteFrom('trust_role').where('trust_id', 'in', doomed).execute();
  await db.deleteFrom('trust').where('id', 'in', doomed).execute();
}
