import type { Queryable } from '../store/db.js';
import { NULL_DOMAIN } from '../store/schema.js';
import { rolesByIds, type RoleRow } from '../store/roles.js';
import { getTrustRow, trustRoleIds, type TrustRow } from '../store/trusts.js';
import { storedTimeToDate } from '../timestamps.js';
import { effectiveRoles, expandImplied } from './effective-roles.js';

/** A trust that exists, is not deleted and has not expired at `now`. */
export async function activeTrust(db: Queryable, id: string, now: Date): Promise<TrustRow | undefined> {
  const trust = await getTrustRow(db, id);
  if (!trust) return undefined;
  if (trust.expires_at && storedTimeToDate(trust.expires_at) <= now) return undefined;
  return trust;
}

/** The user who first delegated: redelegated trusts act on the original trustor's roles. */
export async function originalTrustor(db: Queryable, trust: TrustRow): Promise<string> {
  let current = trust;
  for (let depth = 0; current.redelegated_trust_id && depth < 64; depth++) {
    const parent = await getTrustRow(db, current.redelegated_trust_id);
    if (!parent) break;
    current = parent;
  }
  return current.trustor_user_id;
}

/**
 * The roles a trust-scoped token carries, as Keystone computes them at validation:
 * the trust's roles and every role they imply, each of which the (original) trustor
 * must still hold on the trust's project. Undefined when the trustor has lost any of
 * them: the trust is then unusable ("Trustee has no delegated roles").
 */
export async function trustTokenRoles(db: Queryable, trust: TrustRow): Promise<RoleRow[] | undefined> {
  if (!trust.project_id) return [];
  const delegated = await expandImplied(db, await trustRoleIds(db, trust.id));
  const trustor = await originalTrustor(db, trust);
  const held = new Set((await effectiveRoles(db, trustor, { type: 'project', projectId: trust.project_id })).map((r) => r.id));
  if (!delegated.every((id) => held.has(id))) return undefined;
  return (await rolesByIds(db, delegated)).filter((r) => r.domain_id === NULL_DOMAIN);
}
