import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../core/db/index.js';
import type { AgentRow, NetworkTables } from './schema.js';

type Db = Kysely<NetworkTables>;

export async function getAgent(db: Db, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAgents(db: Db): Promise<AgentRow[]> {
  return db.selectFrom('agents').selectAll().orderBy('host').orderBy('agent_type').execute();
}

/** Records a heartbeat: updates the host's agent of that type, or registers it on its first report. */
export async function upsertAgent(db: Db, row: AgentRow, restarted: boolean): Promise<void> {
  const existing = await db.selectFrom('agents').select('id').where('agent_type', '=', row.agent_type).where('host', '=', row.host).executeTakeFirst();
  if (existing) {
    await db.updateTable('agents').set({
      binary: row.binary, topic: row.topic, availability_zone: row.availability_zone, configurations: row.configurations,
      heartbeat_timestamp: row.heartbeat_timestamp, ...(restarted ? { started_at: row.started_at } : {}),
    }).where('id', '=', existing.id).execute();
    return;
  }
  try {
    await db.insertInto('agents').values(row).execute();
  } catch (e) {
    // Two first reports raced: the other registered the agent, this one is just a heartbeat.
    if (!isUniqueViolation(e)) throw e;
    await upsertAgent(db, row, restarted);
  }
}

export async function updateAgentRow(db: Db, id: string, changes: { admin_state_up?: number; description?: string | null }): Promise<void> {
  await db.updateTable('agents').set(changes).where('id', '=', id).execute();
}

export async function deleteAgentRow(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('agents').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
