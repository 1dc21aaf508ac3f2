import { isIP } from 'node:net';
import type { NewSecurityGroupRule, SecurityGroupInfo, SecurityGroupRuleInfo } from '../../network/contract/client.js';
import { badRequest } from '../errors.js';

/**
 * The nova-network view of Neutron security groups (nova/network/security_group_api.py):
 * ingress rules only, ports as from/to with -1 for "any ICMP", a CIDR on every rule.
 */
export interface NovaRule {
  id: string;
  parentGroupId: string;
  protocol: string | null;
  fromPort: number | null;
  toPort: number | null;
  /** The remote group, when the rule admits a group rather than a CIDR. */
  groupId: string | null;
  cidr: string;
}

export interface NovaGroup {
  id: string;
  name: string;
  description: string;
  projectId: string;
  rules: NovaRule[];
}

/** A rule as a user asks for it through os-security-group-rules, before it exists. */
export interface NewRule {
  groupId?: string;
  cidr?: string;
  protocol?: string;
  fromPort?: number;
  toPort?: number;
}

export const ANY_IPV4 = '0.0.0.0/0';

/** oslo's is_uuid_like: 32 hex digits once hyphens, braces and a urn:uuid: prefix are dropped. */
export function isUuidLike(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  return /^[0-9a-f]{32}$/.test(text.toLowerCase().replace(/^urn:uuid:/, '').replace(/[-{}]/g, ''));
}

/** Nova refuses ids that are no UUIDs before asking the network service. */
export function checkGroupId(id: unknown): string {
  if (!isUuidLike(id)) throw badRequest('Security group id should be uuid');
  return id;
}

/** oslo's is_valid_cidr: an address, a slash and a prefix length that fits it. */
function splitCidr(cidr: string): { address: string; prefix: number; version: 4 | 6 } | null {
  const [address, prefix, ...rest] = cidr.split('/');
  const version = isIP(address ?? '');
  if (rest.length || !prefix || !/^\d+$/.test(prefix) || version === 0) return null;
  const bits = Number(prefix);
  if (bits > (version === 4 ? 32 : 128)) return null;
  return { address: address!, prefix: bits, version: version as 4 | 6 };
}

/** A rule's CIDR: 0.0.0.0/0 when none is given, else a valid (URL-decoded) network or Nova's 400. */
export function parseCidr(cidr: unknown): string {
  if (cidr === undefined || cidr === null || cidr === '' || cidr === false || cidr === 0) return ANY_IPV4;
  let text = String(cidr);
  try {
    text = decodeURIComponent(text);
  } catch {
    throw badRequest(`${text} is not a valid IP network.`);
  }
  if (!splitCidr(text)) throw badRequest(`${text} is not a valid IP network.`);
  return text;
}

/** Nova's "Bad prefix" check: a /0 is only allowed on the all-zero address. */
export function checkCidrPrefix(cidr: string): void {
  const parts = splitCidr(cidr);
  if (!parts || parts.prefix !== 0) return;
  const allZero = parts.version === 4 ? parts.address.split('.').every((p) => Number(p) === 0) : new URL(`http://[${parts.address}]`).hostname === '[::]';
  if (!allZero) throw badRequest(`Bad prefix for network in cidr ${cidr}`);
}

/** Python's int() as Nova applies it to ports: integers, numeric strings, truncated floats; undefined when it would raise. */
function pythonInt(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Nova's _new_ingress_rule: a group rule opens every port of TCP/UDP/ICMP unless told
 * otherwise; a CIDR rule needs a protocol and both ports (null when they are missing).
 */
export function newIngressRule(args: { groupId?: string; cidr?: string; protocol?: unknown; fromPort?: unknown; toPort?: unknown }): NewRule | null {
  const rule: NewRule = {};
  let { fromPort, toPort } = args;
  const protocolText = isSet(args.protocol) && args.protocol !== '' ? String(args.protocol) : '';
  const upper = protocolText.toUpperCase();
  if (args.groupId) {
    rule.groupId = args.groupId;
    if (!isSet(fromPort) && !isSet(toPort)) {
      if (upper === 'ICMP') [fromPort, toPort] = [-1, -1];
      else if (upper === 'TCP' || upper === 'UDP') [fromPort, toPort] = [1, 65535];
    }
  } else if (args.cidr) {
    rule.cidr = args.cidr;
  }
  // Without a protocol and both ports a CIDR rule means nothing; a group rule admits everything.
  if (!protocolText || !isSet(fromPort) || !isSet(toPort)) return rule.cidr ? null : rule;
  const from = pythonInt(fromPort);
  const to = pythonInt(toPort);
  if (from === undefined || to === undefined) {
    throw badRequest(upper === 'ICMP'
      ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
      : 'Invalid input received: To and From ports must be integers');
  }
  if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw badRequest(`Invalid IP protocol ${protocolText}.`);
  const range = (why: string): Error => badRequest(`Invalid port range ${from}:${to}. ${why}`);
  if (upper !== 'ICMP' && from > to) throw range('Former value cannot be greater than the later');
  if (upper !== 'ICMP' && (from < 1 || to > 65535)) throw range(`Valid ${upper} ports should be between 1-65535`);
  if (upper === 'ICMP' && (from < -1 || from > 255 || to < -1 || to > 255)) throw range('For ICMP, the type:code must be valid');
  return { ...rule, protocol: protocolText, fromPort: from, toPort: to };
}

/** Nova's duplicate check against the group's ingress rules: the id of an equal rule, or null. */
export function existingRule(group: NovaGroup, rule: NewRule): string | null {
  const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);
  const match = group.rules.find((r) => same(r.groupId, rule.groupId) && same(r.cidr, rule.cidr) && same(r.fromPort, rule.fromPort)
    && same(r.toPort, rule.toPort) && same(r.protocol, rule.protocol));
  return match ? match.id : null;
}

/** The Neutron rule a Nova rule becomes: ingress, IPv4 for group rules, -1 ports left open. */
export function neutronRuleBody(parentGroupId: string, rule: NewRule): NewSecurityGroupRule {
  return {
    direction: 'ingress',
    protocol: rule.protocol ?? null,
    ethertype: rule.cidr && splitCidr(rule.cidr)?.version === 6 ? 'IPv6' : 'IPv4',
    remote_ip_prefix: rule.cidr ?? null,
    security_group_id: parentGroupId,
    remote_group_id: rule.groupId ?? null,
    ...(rule.fromPort !== undefined && rule.fromPort !== -1 ? { port_range_min: rule.fromPort } : {}),
    ...(rule.toPort !== undefined && rule.toPort !== -1 ? { port_range_max: rule.toPort } : {}),
  };
}

/** A Neutron rule in Nova's terms: a protocol without ports covers them all (1-65535, or -1 for ICMP). */
export function novaRule(r: SecurityGroupRuleInfo): NovaRule {
  let fromPort = r.port_range_min;
  let toPort = r.port_range_max;
  if (r.protocol && fromPort === null && toPort === null) {
    const tcpOrUdp = ['TCP', 'UDP'].includes(r.protocol.toUpperCase());
    [fromPort, toPort] = tcpOrUdp ? [1, 65535] : [-1, -1];
  }
  return { id: r.id, parentGroupId: r.security_group_id, protocol: r.protocol, fromPort, toPort, groupId: r.remote_group_id, cidr: parseCidr(r.remote_ip_prefix) };
}

export function novaGroup(g: SecurityGroupInfo): NovaGroup {
  return {
    id: g.id, name: g.name, description: g.description, projectId: g.tenant_id,
    rules: (g.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map(novaRule),
  };
}
