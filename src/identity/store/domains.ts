import type { Queryable } from './db.js';
import { deleteGroupRow } from './groups.js';
import { deleteProjectRow, projectSubtree } from './projects.js';
import { deleteUserRow } from './users.js';

/**
 * Deletes everything a domain owns, then the domain itself: its projects (children
 * before parents), users, groups, domain-specific roles (with their inference rules
 * and grants) and every assignment on the domain. Run inside one transaction.
 */
export async function deleteDomainContents(db: Queryable, domainId: string): Promise<void> {
  const projects = (await projectSubtree(db, domainId)).reverse();
  // Projects whose parent chain is broken would be missed by the walk; catch them too.
  const stray = await db.selectFrom('project').select('id').where('domain_id', '=', domainId).where('is_domain', '=', 0).execute();
  const ids = [...projects.map((p) => p.id), ...stray.map((p) => p.id).filter((id) => !projects.some((p) => p.id === id))];
  for (const id of ids) await deleteProjectRow(db, id);
  for (const u of await db.selectFrom('user').select('id').where('domain_id', '=', domainId).execute()) await deleteUserRow(db, u.id);
  for (const g of await db.selectFrom('group').select('id').where('domain_id', '=', domainId).execute()) await deleteGroupRow(db, g.id);
  const roles = db.selectFrom('role').select('id').where('domain_id', '=', domainId);
  await db.deleteFrom('assignment').where('role_id', 'in', roles).execute();
  await db.deleteFrom('implied_role').where((eb) => eb.or([eb('prior_role_id', 'in', roles), eb('implied_role_id', 'in', roles)])).execute();
  await db.deleteFrom('role').where('domain_id', '=', domainId).execute();
  await deleteProjectRow(db, domainId);
}
