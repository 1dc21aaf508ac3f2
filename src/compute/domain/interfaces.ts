import { RemoteApiError } from '../../core/http/index.js';
import type { PortInfo } from '../../network/contract/client.js';
import type { InstanceRow } from '../db/schema.js';
import { conflict, NovaError, notFound } from '../errors.js';
import type { AttachRequest, AttachResult } from '../manager/operations/interfaces.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { actorOf, startAction, type Caller } from './instance-actions.js';
import { networkInfoOf } from './instance-model.js';
import { beginTask } from './instances.js';
import { VmState } from './states.js';

const ATTACH_STATES = [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED];

/** The server's ports as the network service has them now (os-interface list). */
export async function portsOfServer(svc: ComputeService, caller: Caller, row: InstanceRow): Promise<PortInfo[]> {
  return svc.clients.network(caller.ctx.token).ports({ device_id: row.uuid });
}

async function notFoundAs<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof RemoteApiError && e.status === 404) throw notFound(message);
    throw e;
  }
}

/**
 * os-interface create: the caller's port or network is checked with their token (what
 * they may use), then the host makes and plugs the port; Nova waits for it (an RPC
 * call), so the answer carries the attached port or the reason it failed.
 */
export async function attachInterface(svc: ComputeService, caller: Caller, row: InstanceRow, args: { netId?: string; portId?: string; fixedIp?: string }): Promise<PortInfo> {
  await beginTask(svc, row, 'attach_interface', ATTACH_STATES, null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const net = svc.clients.network(caller.ctx.token);
  if (args.portId) {
    const port = await notFoundAs(net.port(args.portId), `Port ${args.portId} could not be found.`);
    if (port.device_id) throw conflict(`Port ${args.portId} is still in use.`);
  }
  if (args.netId) await notFoundAs(net.network(args.netId), `Network ${args.netId} could not be found.`);
  await startAction(svc, row.uuid, 'attach_interface', actorOf(caller, row));
  const request: AttachRequest = { uuid: row.uuid, projectId: row.project_id, availabilityZone: row.availability_zone, ...args };
  const result = await svc.bus.call<AttachResult>({ topic: COMPUTE_TOPIC, server: row.host }, 'attach_interface', { request: { ...request } }, { timeoutMs: 120_000 });
  if (!result.ok) throw new NovaError(result.status, result.message);
  return net.port(result.entry.portId);
}

/** os-interface delete: only a port the server has; ours are deleted, the user's unbound. */
export async function detachInterface(svc: ComputeService, caller: Caller, row: InstanceRow, portId: string): Promise<void> {
  await beginTask(svc, row, 'detach_interface', ATTACH_STATES, null);
  if (!row.host) throw conflict(`Instance ${row.uuid} is not ready`);
  const cached = networkInfoOf(row).find((p) => p.portId === portId);
  if (!cached) throw notFound(`Port ${portId} is not attached`);
  await startAction(svc, row.uuid, 'detach_interface', actorOf(caller, row));
  await svc.bus.call({ topic: COMPUTE_TOPIC, server: row.host }, 'detach_interface', { uuid: row.uuid, port: { portId, preexisting: cached.preexisting } }, { timeoutMs: 120_000 });
}
