import type { IncomingHttpHeaders } from 'node:http';
import { parseAddress } from '../../core/net/address.js';
import { badRequest, badSignature } from './errors.js';
import { isComputePort, type MetadataNetwork } from './network-facts.js';
import { signatureMatches } from '../contract/metadata-signature.js';

/** Who asked: the request's headers and the address of the peer that connected. */
export interface Requester {
  headers: IncomingHttpHeaders;
  socketAddress: string;
}

/** The instance a request is for, before it is looked up in the database. */
export interface Claim {
  uuid: string;
  /** The project a signed request says the instance is in; checked against the instance. */
  projectId: string | null;
  /** Where the request came from (the guest's address when a proxy forwarded it). */
  address: string;
}

export interface IdentifyDeps {
  network: MetadataNetwork;
  sharedSecret: string | null;
  trustForwardedFor: boolean;
  /** Remembers address lookups: key -> instance uuid. */
  lookups: { get(key: string): string | undefined; set(key: string, uuid: string): void };
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

const isLoopback = (address: string): boolean => address === '::1' || address.startsWith('127.');

/**
 * Which instance a request is for (Nova's metadata handler): a proxy names it in
 * X-Instance-ID, signed with the shared secret, with X-Tenant-ID; otherwise the
 * requester's address is looked up as an instance port's fixed IP. Null when no
 * instance matches; a bad or missing signature is a 403 as in Nova.
 */
export async function identify(requester: Requester, deps: IdentifyDeps): Promise<Claim | null> {
  const { headers } = requester;
  const forwarded = header(headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  const peer = requester.socketAddress.replace(/^::ffff:(?=\d+\.)/, '');
  const instanceId = header(headers, 'x-instance-id');
  // A signed request vouches for its headers; an unsigned one only when a trusted proxy sent it.
  if (instanceId !== undefined) return signedClaim(headers, instanceId, forwarded || peer, deps.sharedSecret);
  const trusted = deps.trustForwardedFor || isLoopback(peer);
  const address = (trusted && forwarded) || peer;
  const uuid = await instanceAt(address, trusted ? header(headers, 'x-neutron-network-id') : undefined,
    trusted ? header(headers, 'x-neutron-router-id') : undefined, deps);
  return uuid ? { uuid, projectId: null, address } : null;
}

function signedClaim(headers: IncomingHttpHeaders, instanceId: string, address: string, secret: string | null): Claim {
  const signature = header(headers, 'x-instance-id-signature');
  const projectId = header(headers, 'x-tenant-id');
  if (signature === undefined) throw badRequest('X-Instance-ID-Signature header is missing from request.');
  if (projectId === undefined) throw badRequest('X-Tenant-ID header is missing from request.');
  // Without a secret nothing can be verified: refuse rather than trust anyone's claim.
  if (!secret || !signatureMatches(secret, instanceId, signature)) throw badSignature();
  return { uuid: instanceId, projectId, address };
}

/**
 * The instance whose port has `address` as a fixed IP, on the given network or on a
 * network attached to the given router when the proxy says which (addresses overlap
 * between projects). Null when none or more than one instance has it.
 */
async function instanceAt(address: string, networkId: string | undefined, routerId: string | undefined, deps: IdentifyDeps): Promise<string | null> {
  if (!parseAddress(address)) return null;
  const key = `${address}|${networkId ?? ''}|${routerId ?? ''}`;
  const known = deps.lookups.get(key);
  if (known) return known;
  let networks: string[] | undefined = networkId ? [networkId] : undefined;
  if (!networks && routerId) {
    const interfaces = await deps.network.ports({ device_id: routerId });
    networks = [...new Set(interfaces.filter((p) => /^network:(router_interface|ha_router_replicated_interface)/.test(p.device_owner)).map((p) => p.network_id))];
    if (networks.length === 0) return null;
  }
  const ports = (await deps.network.ports({ fixed_ips: `ip_address=${address}`, ...(networks ? { network_id: networks } : {}) })).filter(isComputePort);
  const instances = [...new Set(ports.map((p) => p.device_id))];
  if (instances.length !== 1) return null;
  deps.lookups.set(key, instances[0]!);
  return instances[0]!;
}
