/**
 * The network part of the `cli` tier: what of the seeds' Neutron workflow the network
 * service serves so far (networks), through the official `openstack` CLI.
 */
import type { Cloud } from '../lib/cloud.js';
import { CaseRecorder, type CaseTotals, check, checkEqual, OpenStackCli } from './osc.js';

type Row = Record<string, unknown>;

export async function runNetworkCli(cloud: Cloud, opts: { verbose: boolean }): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const ids: Record<string, string> = {};
  const id = (key: string): string => ids[key] ?? `missing-${key}`;

  await rec.case('network create: project network with a VXLAN segment', async () => {
    const n = await os.json(['network', 'create', '--description', 'cli net', 'cli-net']);
    ids.net = String(n.id);
    checkEqual([n.name, n.description, n.status, n.mtu, n['provider:network_type']], ['cli-net', 'cli net', 'ACTIVE', 1450, 'vxlan'], 'created network');
    check(typeof n['provider:segmentation_id'] === 'number', `segmentation id: ${String(n['provider:segmentation_id'])}`);
  });
  await rec.case('network create --external --provider-network-type flat', async () => {
    const n = await os.json(['network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'physnet1', 'cli-public']);
    ids.public = String(n.id);
    checkEqual([n['router:external'], n.mtu, n['provider:physical_network']], [true, 1500, 'physnet1'], 'external network');
  });
  await rec.case('network list --external / --internal', async () => {
    const external = await os.json<Row[]>(['network', 'list', '--external']);
    const internal = await os.json<Row[]>(['network', 'list', '--internal']);
    check(external.some((r) => r.ID === id('public')) && !external.some((r) => r.ID === id('net')), 'external list');
    check(internal.some((r) => r.ID === id('net')) && !internal.some((r) => r.ID === id('public')), 'internal list');
  });
  await rec.case('network set --name --disable, then show', async () => {
    await os.ok(['network', 'set', '--name', 'cli-net-2', '--disable', id('net')]);
    const n = await os.json(['network', 'show', id('net')]);
    checkEqual([n.name, n.admin_state_up, n.revision_number], ['cli-net-2', false, 2], 'after set');
  });
  await rec.case('demo cannot see the admin\'s network but sees the external one', async () => {
    const rows = await os.json<Row[]>(['network', 'list'], { cloud: 'stratus-demo' });
    check(!rows.some((r) => r.ID === id('net')), 'private network visible to demo');
    check(rows.some((r) => r.ID === id('public')), 'external network hidden from demo');
    await os.fails(['network', 'create', '--share', 'not-allowed'], { cloud: 'stratus-demo' });
  });
  await rec.case('network delete', async () => {
    await os.ok(['network', 'delete', id('net'), id('public')]);
    const rows = await os.json<Row[]>(['network', 'list']);
    check(!rows.some((r) => r.ID === id('net') || r.ID === id('public')), 'deleted networks still listed');
    await os.fails(['network', 'show', id('net')]);
  });
  return rec.totals;
}
