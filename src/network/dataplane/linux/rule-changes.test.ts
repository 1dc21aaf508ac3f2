import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GroupFilter } from '../driver.js';
import { lostMembers, removedRuleEnds } from './rule-changes.js';
import { ZoneBook } from './zones.js';

type Rule = GroupFilter['rules'][number];
const rule = (direction: 'ingress' | 'egress', protocol: string | null): Rule => ({
  direction, ethertype: 'IPv4', protocol, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null,
});
const group = (rules: Rule[], memberIps: string[] = []): GroupFilter => ({ id: 'g', stateful: true, rules, memberIps });

describe('what a group change closes', () => {
  it('a removed ingress rule closes connections to the ports, a removed egress rule those from them', () => {
    expect(removedRuleEnds(group([rule('ingress', 'icmp'), rule('egress', null)]), group([rule('egress', null)]))).toEqual(['destination']);
    expect(removedRuleEnds(group([rule('ingress', 'icmp'), rule('egress', null)]), group([rule('ingress', 'icmp')]))).toEqual(['source']);
    expect(removedRuleEnds(group([rule('ingress', 'icmp')]), group([rule('ingress', 'icmp'), rule('ingress', 'tcp')]))).toEqual([]);
  });

  it('notices members leaving, not members joining', () => {
    expect(lostMembers(group([], ['10.0.0.2', '10.0.0.3']), group([], ['10.0.0.2']))).toBe(true);
    expect(lostMembers(group([], ['10.0.0.2']), group([], ['10.0.0.2', '10.0.0.3']))).toBe(false);
  });
});

describe('conntrack zone book', () => {
  it('gives each network a zone, the same one after a restart, and reuses forgotten ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-zones-'));
    try {
      const file = join(dir, 'zones.json');
      const book = new ZoneBook(file);
      expect([book.zoneOf('a'), book.zoneOf('b'), book.zoneOf('a')]).toEqual([1, 2, 1]);
      const again = new ZoneBook(file);
      expect(again.zoneOf('b')).toBe(2);
      again.keepOnly(new Set(['b']));
      expect(again.zoneOf('c')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
