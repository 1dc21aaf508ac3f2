import type { Selectable } from 'kysely';
import type { IdentityDb, Queryable } from './db.js';
import type { AccessTokenTable, RequestTokenTable } from './schema.js';

export type RequestTokenRow = Selectable<RequestTokenTable>;
export type AccessTokenRow = Selectable<AccessTokenTable>;

/** A role id list as stored (JSON text); anything unreadable is no roles. */
export function roleIdsOf(text: string | null): string[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export async function insertRequestToken(db: Queryable, row: RequestTokenRow): Promise<void> {
  await db.insertInto('request_token').values(row).execute();
}

export async function getRequestToken(db: Queryable, id: string): Promise<RequestTokenRow | undefined> {
  return db.selectFrom('request_token').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function authorizeRequestToken(db: Queryable, id: string, userId: string, verifier: string, roleIds: readonly string[]): Promise<void> {
  await db.updateTable('request_token')
    .set({ authorizing_user_id: userId, verifier, role_ids: JSON.stringify(roleIds) })
    .where('id', '=', id).execute();
}

/**
 * Turns a request token into an access token in one transaction; the request token is
 * used up. False when the request token was exchanged meanwhile.
 */
export async function exchangeRequestToken(db: IdentityDb, requestTokenId: string, access: AccessTokenRow): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const res = await tx.deleteFrom('request_token').where('id', '=', requestTokenId).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    await tx.insertInto('access_token').values(access).execute();
    return true;
  });
}

export async function getAccessToken(db: Queryable, id: string): Promise<AccessTokenRow | undefined> {
  return db.selectFrom('access_token').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAccessTokens(db: Queryable, userId: string): Promise<AccessTokenRow[]> {
  return db.selectFrom('access_token').selectAll().where('authorizing_user_id', '=', userId).orderBy('id').execute();
}

export async function deleteAccessToken(db: Queryable, id: string): Promise<void> {
  await db.deleteFrom('access_token').where('id', '=', id).execute();
}

/** Every request and access token of a consumer (Keystone deletes them with it). */
export async function deleteConsumerTokens(db: Queryable, consumerId: string): Promise<void> {
  await db.deleteFrom('request_token').where('consumer_id', '=', consumerId).execute();
  await db.deleteFrom('access_token').where('consumer_id', '=', consumerId).execute();
}

/** Every token a user authorized: a deleted user's delegations end with it. */
export async function deleteUserOauthTokens(db: Queryable, userId: string): Promise<void> {
  await db.deleteFrom('request_token').where('authorizing_user_id', '=', userId).execute();
  await db.deleteFrom('access_token').where('authorizing_user_id', '=', userId).execute();
}
