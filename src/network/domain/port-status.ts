import { getPort, setPortStatus } from '../db/ports.js';
import type { ComputeEvent } from '../contract/compute-events.js';
import type { Port } from '../model.js';
import type { NetworkService } from '../service.js';

const servedByCompute = (p: Port): boolean => p.deviceOwner.startsWith('compute:') && p.deviceId !== '';

/** Sends compute events without holding up the caller (see httpComputeEvents: failures are logged there). */
export function tellCompute(svc: NetworkService, events: ComputeEvent[]): void {
  if (!svc.computeEvents || events.length === 0) return;
  void svc.computeEvents(events);
}

/**
 * An agent's report that it plugged (ACTIVE) or unplugged (DOWN) a port. Only the host
 * the port is bound to counts (a late report from the old host is ignored). A change
 * of a server's port is told to compute: network-vif-plugged is what a build waits for.
 */
export async function reportPortStatus(svc: NetworkService, portId: string, host: string, status: 'ACTIVE' | 'DOWN'): Promise<void> {
  const port = await getPort(svc.db, portId);
  if (!port || port.binding.hostId !== host || port.status === status) return;
  await setPortStatus(svc.db, portId, host, status);
  if (servedByCompute(port)) {
    tellCompute(svc, [{ name: status === 'ACTIVE' ? 'network-vif-plugged' : 'network-vif-unplugged', server_uuid: port.deviceId, tag: port.id, status: 'completed' }]);
  }
}

/** A server's port was deleted: compute forgets the interface (network-vif-deleted). */
export function portDeleted(svc: NetworkService, port: Port): void {
  if (servedByCompute(port)) tellCompute(svc, [{ name: 'network-vif-deleted', server_uuid: port.deviceId, tag: port.id, status: 'completed' }]);
}

/**
 * Floating IPs were associated with or taken from these ports: each server port's
 * instance gets network-changed (Neutron's nova notifier does the same), so compute
 * shows the floating address in the server's addresses.
 */
export async function floatingIpsMoved(svc: NetworkService, portIds: ReadonlyArray<string | null | undefined>): Promise<void> {
  const events: ComputeEvent[] = [];
  for (const id of new Set(portIds.filter((p): p is string => !!p))) {
    const port = await getPort(svc.db, id);
    if (port && servedByCompute(port)) events.push({ name: 'network-changed', server_uuid: port.deviceId, tag: port.id, status: 'completed' });
  }
  tellCompute(svc, events);
}
