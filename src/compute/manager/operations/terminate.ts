import type { NetworkClient } from '../../../network/contract/client.js';
import type { VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';
import { releasePorts } from '../network-allocation.js';

/**
 * Deletes an instance on this host (Nova's terminate_instance): guest destroyed, the
 * ports the build made deleted and the user's unbound (including any the cache missed,
 * found by device_id), then the conductor marks it deleted and frees its claim.
 */
export async function terminateInstance(deps: { driver: VirtDriver; network: NetworkClient; conductor: ConductorApi }, uuid: string, cached: Array<{ portId: string; preexisting: boolean }>): Promise<void> {
  await deps.driver.destroy(uuid);
  const known = new Map(cached.map((p) => [p.portId, p.preexisting]));
  for (const port of await deps.network.ports({ device_id: uuid })) if (!known.has(port.id)) known.set(port.id, false);
  await releasePorts(deps.network, [...known].map(([portId, preexisting]) => ({ portId, preexisting })));
  await deps.conductor.terminated(uuid);
}
