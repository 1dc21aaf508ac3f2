import { invalidInput, NeutronError } from '../errors.js';
import { canonicalAddress, parseCidr } from '../../core/net/address.js';
import { ICMP_PROTOCOLS, IP_PROTOCOLS, PORT_PROTOCOLS, protocolNumber } from '../protocols.js';
import type { SecurityGroupRule } from '../model.js';
import type { Body } from './attributes.js';

/**
 * Neutron's security group rule checks (neutron/db/securitygroups_db.py and the
 * extension's validators), with its fault types. Returns the rule's normalised fields.
 */
type RuleFields = Pick<SecurityGroupRule, 'direction' | 'ethertype' | 'protocol' | 'portRangeMin' | 'portRangeMax' | 'remoteIpPrefix' | 'remoteGroupId'>;

function direction(value: unknown): SecurityGroupRule['direction'] {
  if (value === undefined) throw invalidInput("Failed to parse request. Required attribute 'direction' not specified");
  if (value !== 'ingress' && value !== 'egress') throw invalidInput(`${String(value)} is not in ['ingress', 'egress']`);
  return value;
}

function ethertype(value: unknown): SecurityGroupRule['ethertype'] {
  if (value === undefined || value === null) return 'IPv4';
  const v = String(value).toLowerCase();
  if (v === 'ipv4') return 'IPv4';
  if (v === 'ipv6') return 'IPv6';
  throw new NeutronError(400, 'SecurityGroupRuleInvalidEtherType', `Security group rule for ethertype '${String(value)}' not supported. Allowed values are ['IPv4', 'IPv6'].`);
}

function protocol(value: unknown): string | null {
  if (value === undefined || value === null || value === 'any') return null;
  const v = String(value).toLowerCase();
  if (v in IP_PROTOCOLS) return v;
  if (/^\d{1,3}$/.test(v) && Number(v) <= 255) return String(Number(v));
  throw new NeutronError(400, 'SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${String(value)} not supported. Only protocol values [None, ${Object.keys(IP_PROTOCOLS).map((p) => `'${p}'`).join(', ')}] and integer representations [0 to 255] are supported.`);
}

function port(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 65535) {
    throw new NeutronError(400, 'SecurityGroupInvalidPortValue', `Invalid value for port ${String(value)}.`);
  }
  return n as number;
}

export function validateRule(body: Body): RuleFields {
  const rule: RuleFields = {
    direction: direction(body['direction']), ethertype: ethertype(body['ethertype']), protocol: protocol(body['protocol']),
    portRangeMin: port(body['port_range_min']), portRangeMax: port(body['port_range_max']),
    remoteIpPrefix: null, remoteGroupId: (body['remote_group_id'] as string | null | undefined) ?? null,
  };
  const number = protocolNumber(rule.protocol);
  if (rule.portRangeMin !== null || rule.portRangeMax !== null) {
    if (number === undefined) throw new NeutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
    if (ICMP_PROTOCOLS.has(number)) {
      for (const [field, attr, v] of [['type', 'port_range_min', rule.portRangeMin], ['code', 'port_range_max', rule.portRangeMax]] as const) {
        if (v !== null && v > 255) throw new NeutronError(400, 'SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${v}. It must be 0 to 255.`);
      }
      if (rule.portRangeMin === null && rule.portRangeMax !== null) {
        throw new NeutronError(400, 'SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${rule.portRangeMax} is provided but ICMP type (port-range-min) is missing.`);
      }
    } else if (PORT_PROTOCOLS.has(number)) {
      if (rule.portRangeMin === 0 || rule.portRangeMax === 0) throw new NeutronError(400, 'SecurityGroupInvalidPortValue', 'Invalid value for port 0.');
      // Both bounds, min <= max (one port is min = max), as Neutron's _validate_port_range.
      if (rule.portRangeMin === null || rule.portRangeMax === null || rule.portRangeMin > rule.portRangeMax) {
        throw new NeutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
      }
    } else {
      throw new NeutronError(400, 'SecurityGroupInvalidProtocolForPortRange',
        `Invalid protocol ${rule.protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
    }
  }
  if ((number === 58 && rule.ethertype === 'IPv4')) {
    throw new NeutronError(400, 'SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype IPv4 for protocol ${rule.protocol}.`);
  }
  const prefix = body['remote_ip_prefix'];
  if (prefix !== undefined && prefix !== null) {
    const cidr = parseCidr(prefix);
    if (!cidr) throw invalidInput(`'${String(prefix)}' is not a valid IP subnet`);
    if (`IPv${cidr.version}` !== rule.ethertype) {
      throw new NeutronError(400, 'SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${rule.ethertype} for CIDR ${String(prefix)}`);
    }
    // As Neutron's str(netaddr.IPNetwork(...)): the mask is always added, host bits are kept as given (10.2.3.124/24 stays so).
    rule.remoteIpPrefix = `${canonicalAddress(String(prefix).split('/')[0])}/${cidr.prefixlen}`;
  }
  if (rule.remoteIpPrefix !== null && rule.remoteGroupId !== null) {
    throw new NeutronError(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  }
  return rule;
}
