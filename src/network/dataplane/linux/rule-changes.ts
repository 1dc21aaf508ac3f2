import type { GroupFilter } from '../driver.js';

type Rule = GroupFilter['rules'][number];
const key = (r: Rule): string => JSON.stringify([r.direction, r.ethertype, r.protocol, r.portRangeMin, r.portRangeMax, r.remoteIpPrefix, r.remoteGroupId]);

/**
 * Which ends of a group's ports' connections a rule change may have closed: a removed
 * ingress rule closes connections towards the ports (they are the destination), a
 * removed egress rule those from them (the source).
 */
export function removedRuleEnds(before: GroupFilter, after: GroupFilter): Array<'source' | 'destination'> {
  const now = new Set(after.rules.map(key));
  const removed = before.rules.filter((r) => !now.has(key(r)));
  const ends = new Set<'source' | 'destination'>();
  for (const r of removed) ends.add(r.direction === 'ingress' ? 'destination' : 'source');
  return [...ends];
}

/** Whether a group lost members: rules naming it as their remote group then allow less. */
export function lostMembers(before: GroupFilter, after: GroupFilter): boolean {
  return before.memberIps.some((ip) => !after.memberIps.includes(ip));
}
