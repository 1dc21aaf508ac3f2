import { RemoteApiError } from '../../../core/http/index.js';
import type { NetworkClient } from '../../../network/contract/client.js';
import type { VifCacheEntry } from '../../domain/instance-model.js';
import type { VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';
import { allocateNetwork, BuildRequestError, releasePorts } from '../network-allocation.js';

export interface InterfaceDeps {
  host: string;
  driver: VirtDriver;
  conductor: ConductorApi;
  network: NetworkClient;
}

/** compute.attach_interface: a network (with an address) or a user's port, or the project's one network. */
export interface AttachRequest {
  uuid: string;
  projectId: string;
  availabilityZone: string | null;
  netId?: string;
  portId?: string;
  fixedIp?: string;
}

/** What the API answers with: the port attached, or the failure with Nova's status for it. */
export type AttachResult = { ok: true; entry: VifCacheEntry } | { ok: false; status: number; message: string };

/**
 * Nova's attach_interface on the host: the port is made (or the user's bound) here,
 * plugged into the guest, and added to the instance's network cache. A failure gives
 * the port back and is answered, not thrown, so the API can say why.
 */
export async function attachInterface(deps: InterfaceDeps, req: AttachRequest): Promise<AttachResult> {
  const entry = req.portId ? { port: req.portId } : req.netId ? { uuid: req.netId, ...(req.fixedIp ? { fixed_ip: req.fixedIp } : {}) } : null;
  let allocated;
  try {
    allocated = await allocateNetwork(deps.network, {
      projectId: req.projectId, instanceUuid: req.uuid, host: deps.host, availabilityZone: req.availabilityZone, securityGroups: [],
      requestedNetworks: entry ? [entry] : 'auto',
    });
  } catch (e) {
    const cause = e instanceof BuildRequestError ? e.cause : e;
    const status = cause instanceof RemoteApiError && (cause.status === 404 || cause.status === 409) ? cause.status : 400;
    return { ok: false, status, message: e instanceof Error ? e.message : String(e) };
  }
  if (allocated.vifs.length === 0) return { ok: false, status: 400, message: 'Network could not be found for the instance; specify a network or a port.' };
  const [vif, cached] = [allocated.vifs[0]!, allocated.cache[0]!];
  try {
    await deps.driver.attachInterface(req.uuid, vif);
    await deps.conductor.addInterface(req.uuid, cached);
  } catch (e) {
    await deps.driver.detachInterface(req.uuid, vif.portId).catch(() => undefined);
    await releasePorts(deps.network, [{ portId: vif.portId, preexisting: cached.preexisting }]);
    return { ok: false, status: 500, message: `Failed to attach network adapter device to ${req.uuid}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, entry: cached };
}

/** Nova's detach_interface: unplugged from the guest, out of the cache, then deleted (ours) or unbound (the user's). */
export async function detachInterface(deps: InterfaceDeps, uuid: string, port: { portId: string; preexisting: boolean }): Promise<void> {
  await deps.driver.detachInterface(uuid, port.portId);
  await deps.conductor.removeInterface(uuid, port.portId);
  await releasePorts(deps.network, [port]);
}
