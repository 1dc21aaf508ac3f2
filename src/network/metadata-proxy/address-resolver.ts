import type { MessageBus } from '../../core/bus/index.js';
import { PLUGIN_TOPIC, type PluginMethods } from '../rpc/contract.js';
import type { ResolveAddress } from './metadata-agent.js';

type Owner = PluginMethods['get_address_owner']['result'];

/**
 * The metadata agent's address lookup on a host without database access: asks the
 * network service over the bus (get_address_owner), as Neutron's metadata agent asks
 * the plugin.
 */
export function addressResolverOverBus(bus: MessageBus, timeoutMs = 10_000): ResolveAddress {
  return async ({ networkId, routerId, ip }) => {
    const owner = await bus.call<Owner>({ topic: PLUGIN_TOPIC }, 'get_address_owner',
      { ...(networkId ? { network_id: networkId } : {}), ...(routerId ? { router_id: routerId } : {}), ip }, { timeoutMs });
    return owner && { instanceId: owner.instance_id, projectId: owner.project_id };
  };
}
