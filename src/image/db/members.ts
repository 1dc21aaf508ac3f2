import type { Kysely } from 'kysely';
import type { ImageMember, MemberStatus } from '../model.js';
import { memberFromRow, storedTime } from './rows.js';
import type { ImageTables } from './schema.js';

type Db = Kysely<ImageTables>;

export async function getMember(db: Db, imageId: string, memberId: string): Promise<ImageMember | undefined> {
  const row = await db.selectFrom('image_members').selectAll().where('image_id', '=', imageId).where('member', '=', memberId).executeTakeFirst();
  return row ? memberFromRow(row) : undefined;
}

export async function listMembers(db: Db, imageId: string): Promise<ImageMember[]> {
  const rows = await db.selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('created_at').orderBy('member').execute();
  return rows.map(memberFromRow);
}

export async function countMembers(db: Db, imageId: string): Promise<number> {
  const row = await db.selectFrom('image_members').select((eb) => eb.fn.countAll<number | string>().as('n')).where('image_id', '=', imageId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds a member; false when it is already one (the primary key decides, so racing adds cannot both succeed). */
export async function insertMember(db: Db, member: ImageMember): Promise<boolean> {
  try {
    await db.insertInto('image_members').values({
      image_id: member.imageId, member: member.memberId, status: member.status,
      created_at: storedTime(member.createdAt), updated_at: storedTime(member.updatedAt),
    }).execute();
    return true;
  } catch (e) {
    if (await getMember(db, member.imageId, member.memberId)) return false;
    throw e;
  }
}

export async function updateMemberStatus(db: Db, imageId: string, memberId: string, status: MemberStatus, at: Date): Promise<void> {
  await db.updateTable('image_members').set({ status, updated_at: storedTime(at) }).where('image_id', '=', imageId).where('member', '=', memberId).execute();
}

export async function deleteMember(db: Db, imageId: string, memberId: string): Promise<boolean> {
  const result = await db.deleteFrom('image_members').where('image_id', '=', imageId).where('member', '=', memberId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
