/** The metadata path of guests (Neutron's metadata proxy and agent): a proxy per namespace, one agent per host. */
export { addressResolverOverBus } from './address-resolver.js';
export { MetadataAgent, type AddressQuery, type MetadataAgentOptions, type ResolveAddress } from './metadata-agent.js';
export { MetadataProxies, type MetadataProxiesOptions, type ProxyOrigin } from './proxy-processes.js';
