import type { Kysely } from 'kysely';
import type { ImageTask } from '../model.js';
import { storedTime, taskFromRow } from './rows.js';
import type { ImageTables } from './schema.js';

type Db = Kysely<ImageTables>;

export async function insertTask(db: Db, task: ImageTask): Promise<void> {
  await db.insertInto('image_tasks').values({
    id: task.id, image_id: task.imageId, type: task.type, status: task.status, owner: task.owner,
    input: JSON.stringify(task.input), result: task.result === null ? null : JSON.stringify(task.result),
    message: task.message, request_id: task.requestId, user_id: task.userId,
    created_at: storedTime(task.createdAt), updated_at: storedTime(task.updatedAt),
    expires_at: task.expiresAt === null ? null : storedTime(task.expiresAt),
  }).execute();
}

export async function finishTask(db: Db, id: string, status: ImageTask['status'], message: string, result: Record<string, unknown> | null, at: Date, expiresAt: Date | null): Promise<void> {
  await db.updateTable('image_tasks').set({
    status, message, result: result === null ? null : JSON.stringify(result), updated_at: storedTime(at),
    expires_at: expiresAt === null ? null : storedTime(expiresAt),
  }).where('id', '=', id).execute();
}

export async function setTaskStatus(db: Db, id: string, status: ImageTask['status'], at: Date): Promise<void> {
  await db.updateTable('image_tasks').set({ status, updated_at: storedTime(at) }).where('id', '=', id).execute();
}

export async function tasksOfImage(db: Db, imageId: string): Promise<ImageTask[]> {
  const rows = await db.selectFrom('image_tasks').selectAll().where('image_id', '=', imageId).orderBy('created_at', 'desc').execute();
  return rows.map(taskFromRow);
}
