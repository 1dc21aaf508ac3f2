import { canonicalAddress, formatCidr, parseCidr } from '../../core/net/address.js';
import { canonicalMac } from '../ipam/mac.js';
import { invalidInput, NeutronError } from '../errors.js';
import type { AddressPair, ExtraDhcpOpt } from '../model.js';

/** A fixed_ips entry as requested: a subnet, an address, or both. */
export interface FixedIpRequest {
  subnetId?: string;
  ipAddress?: string;
}

/** neutron_lib's validate_fixed_ips, plus max_fixed_ips_per_port. */
export function fixedIpRequests(value: unknown, max: number): FixedIpRequest[] {
  if (!Array.isArray(value)) throw invalidInput(`Invalid data format for fixed IP: '${String(value)}'`);
  if (value.length > max) throw invalidInput('Exceeded maximum amount of fixed ips per port.');
  const seen = new Set<string>();
  return value.map((entry) => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw invalidInput(`Invalid data format for fixed IP: '${JSON.stringify(entry)}'`);
    for (const key of Object.keys(e)) if (key !== 'subnet_id' && key !== 'ip_address') throw invalidInput(`Unrecognized attribute(s) '${key}'`);
    const request: FixedIpRequest = {};
    if (e['ip_address'] !== undefined) {
      const ip = canonicalAddress(e['ip_address']);
      if (!ip) throw invalidInput(`'${String(e['ip_address'])}' is not a valid IP address`);
      if (seen.has(ip)) throw invalidInput(`Duplicate IP address '${String(e['ip_address'])}'`);
      seen.add(ip);
      request.ipAddress = ip;
    }
    if (e['subnet_id'] !== undefined) {
      if (typeof e['subnet_id'] !== 'string') throw invalidInput(`'${String(e['subnet_id'])}' is not a valid UUID`);
      request.subnetId = e['subnet_id'];
    }
    if (!request.ipAddress && !request.subnetId) throw invalidInput('IP allocation requires subnet_id or ip_address');
    return request;
  });
}

/** Neutron's default max_allowed_address_pair. */
const MAX_ADDRESS_PAIRS = 10;

export function addressPairs(value: unknown, portMac: string): AddressPair[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(`Allowed address pairs must be a list.`);
  if (value.length > MAX_ADDRESS_PAIRS) {
    throw new NeutronError(400, 'AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${MAX_ADDRESS_PAIRS}.`);
  }
  const seen = new Set<string>();
  return value.map((entry) => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e !== 'object') throw invalidInput(`Allowed address pairs must be a list.`);
    if (e['ip_address'] === undefined) throw new NeutronError(400, 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address');
    for (const key of Object.keys(e)) if (key !== 'ip_address' && key !== 'mac_address') throw new NeutronError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${key}'`);
    const cidr = parseCidr(e['ip_address']);
    if (!cidr) throw invalidInput(`'${String(e['ip_address'])}' is not a valid IP address`);
    // A host address is shown bare, a network as a cidr, as Neutron stores what was given.
    const ip = String(e['ip_address']).includes('/') ? formatCidr(cidr) : canonicalAddress(e['ip_address'])!;
    const mac = e['mac_address'] === undefined || e['mac_address'] === null ? portMac : canonicalMac(e['mac_address']);
    if (!mac) throw invalidInput(`'${String(e['mac_address'])}' is not a valid MAC address`);
    const key = `${mac} ${ip}`;
    if (seen.has(key)) {
      throw new NeutronError(400, 'DuplicateAddressPairInRequest', `Request contains duplicate address pair: mac_address ${mac} ip_address ${ip}.`);
    }
    seen.add(key);
    return { ip_address: ip, mac_address: mac };
  });
}

export function extraDhcpOpts(value: unknown): ExtraDhcpOpt[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(`Invalid data format for extra-dhcp-opt: ${JSON.stringify(value)}`);
  return value.map((entry) => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || typeof e['opt_name'] !== 'string' || !('opt_value' in e)) {
      throw invalidInput(`Invalid data format for extra-dhcp-opt: ${JSON.stringify(entry)}`);
    }
    const version = e['ip_version'] === undefined ? 4 : Number(e['ip_version']);
    if (version !== 4 && version !== 6) throw invalidInput(`${String(e['ip_version'])} is not in [4, 6]`);
    return { opt_name: e['opt_name'], opt_value: e['opt_value'] === null ? null : String(e['opt_value']), ip_version: version };
  });
}

export function securityGroupIds(value: unknown): string[] {
  if (value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidInput(`'${String(value)}' is not a list`);
  return [...new Set(value as string[])];
}
