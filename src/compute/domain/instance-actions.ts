import type { RequestContext } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import type { ComputeService } from '../service.js';

/** Who asks for an operation: the caller's context and the request it came in. */
export interface Caller {
  ctx: RequestContext;
  requestId: string;
}

/** The caller as an instance action records them (their project, else the instance's). */
export function actorOf(caller: Caller, row: Pick<InstanceRow, 'project_id'>): { requestId: string; userId: string; projectId: string } {
  return { requestId: caller.requestId, userId: caller.ctx.userId, projectId: caller.ctx.projectId ?? row.project_id };
}

/** Records the start of a user action (os-instance-actions): create, reboot, stop... */
export async function startAction(svc: ComputeService, uuid: string, action: string, who: { requestId: string; userId: string; projectId: string }): Promise<void> {
  await svc.db.insertInto('instance_actions').values({
    instance_uuid: uuid, action, request_id: who.requestId, user_id: who.userId, project_id: who.projectId, start_time: svc.now(),
    finish_time: null, message: null, updated_at: null,
  }).execute();
}

async function actionId(svc: ComputeService, uuid: string, requestId: string): Promise<number | undefined> {
  const row = await svc.db.selectFrom('instance_actions').select('id').where('instance_uuid', '=', uuid).where('request_id', '=', requestId)
    .orderBy('id', 'desc').executeTakeFirst();
  return row?.id;
}

/** The request of the instance's newest action ('' when it has none): whose event an operation cut short must close. */
export async function latestRequestId(svc: ComputeService, uuid: string): Promise<string> {
  const row = await svc.db.selectFrom('instance_actions').select('request_id').where('instance_uuid', '=', uuid).orderBy('id', 'desc').executeTakeFirst();
  return row?.request_id ?? '';
}

/** An event of the action began (compute_build_and_run_instance, conductor_schedule_and_build_instances...). */
export async function startEvent(svc: ComputeService, uuid: string, requestId: string, event: string, host: string | null): Promise<void> {
  const id = await actionId(svc, uuid, requestId);
  if (id === undefined) return;
  await svc.db.insertInto('instance_action_events').values({ action_id: id, event, start_time: svc.now(), finish_time: null, result: null, traceback: null, host, details: null }).execute();
}

/** The event ended: Success, or Error with the message (which also marks the action as failed). */
export async function finishEvent(svc: ComputeService, uuid: string, requestId: string, event: string, error?: string): Promise<void> {
  const id = await actionId(svc, uuid, requestId);
  if (id === undefined) return;
  const now = svc.now();
  const open = await svc.db.selectFrom('instance_action_events').select('id').where('action_id', '=', id).where('event', '=', event)
    .where('finish_time', 'is', null).orderBy('id', 'desc').executeTakeFirst();
  if (open) {
    await svc.db.updateTable('instance_action_events').set({ finish_time: now, result: error ? 'Error' : 'Success', ...(error ? { traceback: error, details: error } : {}) })
      .where('id', '=', open.id).execute();
  }
  await svc.db.updateTable('instance_actions').set({ updated_at: now, finish_time: now, ...(error ? { message: 'Error' } : {}) }).where('id', '=', id).execute();
}
