import { describe, expect, it } from 'vitest';
import type { PortWiring, RouterWiring } from '../driver.js';
import { externalGuardScript } from './external-guard.js';
import { ROUTER_TABLE, routerNatScript } from './router-nat.js';

const port = (portId: string, networkId: string, ip: string, deviceOwner: string): PortWiring => ({
  portId, networkId, host: 'h', macAddress: 'fa:16:3e:00:00:01', mtu: 1450,
  segment: { networkType: 'vxlan', physicalNetwork: null, segmentationId: 7 },
  fixedIps: [{ subnetId: `s-${networkId}`, ipAddress: ip }], deviceId: 'r1', deviceOwner,
  adminStateUp: true, portSecurityEnabled: false, securityGroupIds: [], allowedAddressPairs: [],
});

const router = (over: Partial<RouterWiring> = {}): RouterWiring => ({
  routerId: 'r1', enableSnat: true, routes: [], floatingIps: [],
  gateway: { port: port('gw0000000001', 'ext', '172.24.4.10', 'network:router_gateway'), subnets: [{ id: 's-ext', cidr: '172.24.4.0/24', gatewayIp: '172.24.4.1' }] },
  interfaces: [{ port: port('if0000000001', 'n1', '10.0.0.1', 'network:router_interface'), subnets: [{ id: 's-n1', cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }] }],
  ...over,
});

describe('router NAT', () => {
  it('SNATs the tenant subnets out of the gateway as its address, and redirects metadata from the interfaces', () => {
    const script = routerNatScript(router());
    expect(script).toContain(`table ip ${ROUTER_TABLE} {\n`);
    expect(script).toContain('oifname "qg-gw000000000" ip saddr { 10.0.0.0/24 } snat to 172.24.4.10');
    expect(script).toContain('iifname { "qr-if000000000" } ip daddr 169.254.169.254 tcp dport 80 redirect to :9697');
    // Replaced in one transaction: made if missing, deleted, defined anew.
    expect(script.indexOf(`delete table ip ${ROUTER_TABLE}`)).toBeLessThan(script.indexOf(`table ip ${ROUTER_TABLE} {\n`));
  });

  it('translates a floating IP 1:1 both ways, before the router-wide SNAT', () => {
    const script = routerNatScript(router({ floatingIps: [{ floatingIp: '172.24.4.20', fixedIp: '10.0.0.5' }] }));
    expect(script).toContain('ip daddr 172.24.4.20 dnat to 10.0.0.5');
    const fipSnat = script.indexOf('ip saddr 10.0.0.5 snat to 172.24.4.20');
    expect(fipSnat).toBeGreaterThan(-1);
    expect(fipSnat).toBeLessThan(script.indexOf('snat to 172.24.4.10'));
  });

  it('does no SNAT with enable_snat off or without a gateway, and no floating IP without a gateway', () => {
    expect(routerNatScript(router({ enableSnat: false }))).not.toContain('snat to 172.24.4.10');
    const isolated = routerNatScript(router({ gateway: null, floatingIps: [{ floatingIp: '172.24.4.20', fixedIp: '10.0.0.5' }] }));
    expect(isolated).not.toMatch(/snat|dnat/);
  });

  it('leaves IPv6 untranslated', () => {
    const v6 = router({ interfaces: [{ port: port('if0000000002', 'n6', 'fd00::1', 'network:router_interface'), subnets: [{ id: 's-n6', cidr: 'fd00::/64', gatewayIp: 'fd00::1' }] }] });
    expect(routerNatScript(v6)).not.toContain('fd00');
  });
});

describe('external bridge guard', () => {
  it('drops what is routed between an external bridge and any other interface, and is no table without bridges', () => {
    const script = externalGuardScript('stratus_external', ['stbr-ext000000']);
    expect(script).toContain('iifname "stbr-ext000000" oifname != "stbr-ext000000" drop');
    expect(script).toContain('oifname "stbr-ext000000" iifname != "stbr-ext000000" drop');
    expect(externalGuardScript('stratus_external', [])).not.toContain('table inet stratus_external {\n');
  });
});
