import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RequestContext } from '../../core/auth/index.js';
import { callerOf } from '../../core/auth/index.js';
import type { InstanceRow } from '../db/schema.js';
import { startAction } from '../domain/instance-actions.js';
import { networkInfoOf } from '../domain/instance-model.js';
import { beginTask, getInstance, updateInstance } from '../domain/instances.js';
import { POWER_ACTIONS } from '../domain/power-actions.js';
import { VmState } from '../domain/states.js';
import { badRequest, conflict, gone, NovaError } from '../errors.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { generatePassword } from '../domain/server-create.js';
import type { Guard } from './index.js';
import { checkBody } from './validate.js';
import { rebuild } from './server-rebuild.js';
import { snapshot } from './server-snapshot.js';
import { coldMoveAction, evacuateAction, liveMigrateAction } from './server-move.js';
import { shelveAction } from './server-shelve.js';
import { legacyConsoleAction } from './remote-consoles.js';
import { triggerCrashDump } from '../domain/crash-dump.js';
import { changeAdminPassword } from '../domain/admin-password.js';
import { floatingIpAction } from './nova-network/index.js';

type IdParams = { Params: { id: string } };

/** The policy each simple action checks (Nova's rule names). */
const POLICY: Record<string, string> = {
  stop: 'os_compute_api:servers:stop', start: 'os_compute_api:servers:start', reboot: 'os_compute_api:servers:reboot', reboot_hard: 'os_compute_api:servers:reboot',
  pause: 'os_compute_api:os-pause-server:pause', unpause: 'os_compute_api:os-pause-server:unpause', suspend: 'os_compute_api:os-suspend-server:suspend',
  resume: 'os_compute_api:os-suspend-server:resume', rescue: 'os_compute_api:os-rescue', unrescue: 'os_compute_api:os-unrescue',
};

/** Body key -> the action it asks for (bodies whose value is null or a small object). */
const SIMPLE: Record<string, string> = {
  'os-stop': 'stop', 'os-start': 'start', pause: 'pause', unpause: 'unpause', suspend: 'suspend', resume: 'resume', unrescue: 'unrescue',
};

const Reboot = Type.Object({ type: Type.Union([Type.Literal('SOFT'), Type.Literal('HARD'), Type.Literal('soft'), Type.Literal('hard')]) }, { additionalProperties: false });
const Rescue = Type.Union([Type.Null(), Type.Object({ adminPass: Type.Optional(Type.String()), rescue_image_ref: Type.Optional(Type.String()) }, { additionalProperties: false })]);
const Lock = Type.Union([Type.Null(), Type.Object({ locked_reason: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false })]);
const ConsoleOutput = Type.Union([Type.Null(), Type.Object({ length: Type.Optional(Type.Union([Type.Integer({ minimum: -1 }), Type.String({ pattern: '^-?[0-9]+$' }), Type.Null()])) }, { additionalProperties: false })]);
const GroupName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

/** Nova refuses actions on a locked instance unless the caller is an admin. */
function checkLock(svc: ComputeService, ctx: RequestContext, row: InstanceRow): void {
  if (row.locked_by && !svc.isAdmin(ctx)) throw conflict(`Instance ${row.uuid} is locked`);
}

export function registerServerActionRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.post<IdParams>('/v2.1/servers/:id/action', authed, async (request, reply) => {
    const ctx = callerOf(request);
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Object.keys(body).length !== 1) throw badRequest('There is no such action: ');
    const key = Object.keys(body)[0]!;
    const row = await getInstance(svc, ctx, request.params.id);
    const target = { project_id: row.project_id };
    const who = { requestId: request.id, userId: ctx.userId, projectId: ctx.projectId ?? row.project_id };

    const power = async (name: string, extra: Record<string, unknown> = {}): Promise<void> => {
      svc.authorize(ctx, POLICY[name]!, target);
      checkLock(svc, ctx, row);
      const action = POWER_ACTIONS.get(name)!;
      const actionName = name === 'reboot_hard' ? 'reboot' : name;
      await beginTask(svc, row, actionName, action.vmStates, null);
      if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
      await beginTask(svc, row, actionName, action.vmStates, action.taskState);
      await startAction(svc, row.uuid, actionName, who);
      await svc.bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'power_action', { uuid: row.uuid, request_id: request.id, action: name, ...extra });
    };

    if (key in SIMPLE) {
      await power(SIMPLE[key]!);
      return reply.status(202).send();
    }
    switch (key) {
      case 'reboot': {
        const { type } = checkBody(Type.Object({ reboot: Reboot }), body).reboot;
        const hard = type.toUpperCase() === 'HARD';
        // A soft reboot of a guest that is not running is a hard one, as Nova does.
        await power(hard || row.vm_state !== VmState.ACTIVE ? 'reboot_hard' : 'reboot');
        return reply.status(202).send();
      }
      case 'rescue': {
        const args = checkBody(Type.Object({ rescue: Rescue }), body).rescue ?? {};
        const adminPass = args.adminPass ?? generatePassword();
        await power('rescue', args.rescue_image_ref ? { rescue_image: args.rescue_image_ref.split('/').pop() } : {});
        return reply.status(200).send({ adminPass });
      }
      case 'lock': {
        svc.authorize(ctx, 'os_compute_api:os-lock-server:lock', target);
        const args = checkBody(Type.Object({ lock: Lock }), body).lock;
        if (args?.locked_reason !== undefined && !request.apiVersion.atLeast('2.73')) throw badRequest("Invalid input for field/attribute lock. Value: {'locked_reason': ...}. Additional properties are not allowed");
        await startAction(svc, row.uuid, 'lock', who);
        await updateInstance(svc, row.uuid, { locked_by: svc.isAdmin(ctx) && row.project_id !== ctx.projectId ? 'admin' : 'owner' });
        return reply.status(202).send();
      }
      case 'unlock': {
        svc.authorize(ctx, 'os_compute_api:os-lock-server:unlock', target);
        if (row.locked_by === 'admin' && !svc.isAdmin(ctx)) svc.authorize(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override', target);
        await startAction(svc, row.uuid, 'unlock', who);
        await updateInstance(svc, row.uuid, { locked_by: null });
        return reply.status(202).send();
      }
      case 'os-getConsoleOutput': {
        svc.authorize(ctx, 'os_compute_api:os-console-output', target);
        const args = checkBody(Type.Object({ 'os-getConsoleOutput': ConsoleOutput }), body)['os-getConsoleOutput'] ?? {};
        const length = args.length === undefined || args.length === null ? undefined : Number(args.length);
        if (!row.host || row.vm_state === VmState.BUILDING) throw conflict(`Instance ${row.uuid} is not ready`);
        const output = await svc.bus.call<string>({ topic: COMPUTE_TOPIC, server: row.host }, 'get_console_output', {
          uuid: row.uuid, ...(length !== undefined && length >= 0 ? { length } : {}),
        }, { timeoutMs: 30_000 }).catch(() => { throw new NovaError(409, `Instance ${row.uuid} is not ready`); });
        return { output };
      }
      case 'os-resetState': {
        svc.authorize(ctx, 'os_compute_api:os-admin-actions:reset_state', target);
        const { state } = checkBody(Type.Object({ 'os-resetState': Type.Object({ state: Type.Union([Type.Literal('active'), Type.Literal('error')]) }, { additionalProperties: false }) }), body)['os-resetState'];
        await startAction(svc, row.uuid, 'resetState', who);
        await updateInstance(svc, row.uuid, { vm_state: state === 'active' ? VmState.ACTIVE : VmState.ERROR, task_state: null });
        return reply.status(202).send();
      }
      case 'restore':
        svc.authorize(ctx, 'os_compute_api:os-deferred-delete:restore', target);
        // Deletes are immediate here (reclaim_instance_interval = 0): nothing is ever soft-deleted to restore.
        await beginTask(svc, row, 'restore', [VmState.SOFT_DELETED], null);
        return reply.status(202).send();
      case 'forceDelete':
        svc.authorize(ctx, 'os_compute_api:os-deferred-delete:force', target);
        await beginTask(svc, row, 'forceDelete', [VmState.SOFT_DELETED], null);
        return reply.status(202).send();
      case 'rebuild':
        return rebuild(svc, request, row, reply);
      case 'resize':
      case 'confirmResize':
      case 'revertResize':
      case 'migrate':
        return coldMoveAction(svc, request, row, key, reply);
      case 'changePassword': {
        svc.authorize(ctx, 'os_compute_api:os-admin-password', target);
        checkLock(svc, ctx, row);
        const { adminPass } = checkBody(Type.Object({ changePassword: Type.Object({ adminPass: Type.String() }, { additionalProperties: false }) }, { additionalProperties: false }), body).changePassword;
        await changeAdminPassword(svc, { ctx, requestId: request.id }, row, adminPass);
        return reply.status(202).send();
      }
      case 'resetNetwork':
        // Xen only, removed from Nova in Wallaby: 410 whoever asks.
        return gone();
      case 'injectNetworkInfo':
        // The guest learns its network from DHCP and the metadata service; Nova's libvirt driver does nothing here either.
        svc.authorize(ctx, 'os_compute_api:os-admin-actions:inject_network_info', target);
        checkBody(Type.Object({ injectNetworkInfo: Type.Null() }, { additionalProperties: false }), body);
        checkLock(svc, ctx, row);
        return reply.status(202).send();
      case 'trigger_crash_dump': {
        if (!request.apiVersion.atLeast('2.17')) throw badRequest(`There is no such action: ${key}`);
        svc.authorize(ctx, 'os_compute_api:servers:trigger_crash_dump', target);
        checkLock(svc, ctx, row);
        checkBody(Type.Object({ trigger_crash_dump: Type.Null() }, { additionalProperties: false }), body);
        await triggerCrashDump(svc, { ctx, requestId: request.id }, row);
        return reply.status(202).send();
      }
      case 'os-getVNCConsole':
      case 'os-getSPICEConsole':
      case 'os-getRDPConsole':
      case 'os-getSerialConsole':
        if (request.apiVersion.atLeast('2.6')) throw badRequest(`There is no such action: ${key}`);
        return legacyConsoleAction(svc, request, row, key, reply);
      case 'os-migrateLive':
        return liveMigrateAction(svc, request, row, reply);
      case 'evacuate':
        return evacuateAction(svc, request, row, reply);
      case 'shelve':
      case 'shelveOffload':
      case 'unshelve':
        return shelveAction(svc, request, row, key, reply);
      case 'createImage':
      case 'createBackup':
        return snapshot(svc, request, row, key, reply);
      case 'addFloatingIp':
      case 'removeFloatingIp':
        return floatingIpAction(svc, request, row, key, reply);
      case 'addSecurityGroup':
      case 'removeSecurityGroup':
        return securityGroupAction(svc, ctx, row, key, checkBody(Type.Object({ [key]: GroupName }), body)[key]!.name, reply);
      default:
        throw badRequest(`There is no such action: ${key}`);
    }
  });
}

/** add/removeSecurityGroup: changes the groups on every port of the server, through the network API. */
async function securityGroupAction(svc: ComputeService, ctx: RequestContext, row: InstanceRow, key: string, name: string, reply: FastifyReply): Promise<unknown> {
  const adding = key === 'addSecurityGroup';
  svc.authorize(ctx, adding ? 'os_compute_api:os-security-groups:add' : 'os_compute_api:os-security-groups:remove', { project_id: row.project_id });
  const net = svc.clients.network(ctx.token);
  const groups = await net.securityGroups({ tenant_id: row.project_id });
  const group = groups.find((g) => g.id === name) ?? groups.find((g) => g.name === name);
  if (!group) throw new NovaError(404, `Security group ${name} not found for project ${row.project_id}.`);
  const ports = networkInfoOf(row);
  if (ports.length === 0) throw badRequest(`Server ${row.uuid} has no ports to ${adding ? 'add' : 'remove'} security group ${name}`);
  for (const vif of ports) {
    const port = await net.port(vif.portId);
    const has = port.security_groups.includes(group.id);
    if (adding && has) throw badRequest(`Security group ${name} is already associated with the instance ${row.uuid}`);
    if (!adding && !has) throw badRequest(`Security group ${name} not associated with the instance ${row.uuid}`);
  }
  for (const vif of ports) {
    const port = await net.port(vif.portId);
    const next = adding ? [...port.security_groups, group.id] : port.security_groups.filter((g) => g !== group.id);
    await net.updatePort(vif.portId, { security_groups: next });
  }
  const names = new Set(JSON.parse(row.security_groups) as string[]);
  if (adding) names.add(group.name);
  else names.delete(group.name);
  await updateInstance(svc, row.uuid, { security_groups: JSON.stringify([...names]) });
  return reply.status(202).send();
}
