/**
 * The placement part of the `cli` tier: resource providers, inventories, classes,
 * traits, aggregates, allocations, usages and allocation candidates through the
 * official `openstack` CLI with its placement plugin (Debian's python3-osc-placement).
 */
import type { Cloud } from '../lib/cloud.js';
import { CaseRecorder, type CaseTotals, check, checkEqual, OpenStackCli } from './osc.js';

type Row = Record<string, unknown>;

export async function runPlacementCli(cloud: Cloud, opts: { verbose: boolean }): Promise<CaseTotals> {
  const os = new OpenStackCli(cloud);
  const rec = new CaseRecorder(opts.verbose);
  const pv = (version: string, args: string[]): string[] => ['--os-placement-api-version', version, ...args];
  const ids: Record<string, string> = {};
  const id = (key: string): string => ids[key] ?? `missing-${key}`;
  const consumer = 'b8c2ef3f-4b0a-4cc3-9c7e-7c5c1d3c3a11';

  await rec.case('resource provider create / show, nested under a parent (1.14)', async () => {
    const host = await os.json(['resource', 'provider', 'create', 'cli-host']);
    ids.host = String(host.uuid);
    const child = await os.json(pv('1.14', ['resource', 'provider', 'create', '--parent-provider', id('host'), 'cli-host-gpu']));
    ids.child = String(child.uuid);
    checkEqual([child.parent_provider_uuid, child.root_provider_uuid], [id('host'), id('host')], 'child provider');
    const tree = await os.json<Row[]>(pv('1.14', ['resource', 'provider', 'list', '--in-tree', id('child')]));
    checkEqual(tree.map((r) => r.name).sort(), ['cli-host', 'cli-host-gpu'], 'providers in the tree');
    await os.fails(['resource', 'provider', 'create', 'cli-host']);
  });
  await rec.case('resource provider inventory set / list / show, with an allocation ratio', async () => {
    await os.ok(['resource', 'provider', 'inventory', 'set', id('host'), '--resource', 'VCPU=4', '--resource', 'VCPU:allocation_ratio=2',
      '--resource', 'MEMORY_MB=2048', '--resource', 'MEMORY_MB:reserved=512', '--resource', 'DISK_GB=20']);
    const rows = await os.json<Row[]>(['resource', 'provider', 'inventory', 'list', id('host')]);
    checkEqual(rows.map((r) => r.resource_class).sort(), ['DISK_GB', 'MEMORY_MB', 'VCPU'], 'inventory classes');
    const vcpu = await os.json(['resource', 'provider', 'inventory', 'show', id('host'), 'VCPU']);
    checkEqual([vcpu.total, vcpu.allocation_ratio], [4, 2], 'VCPU inventory');
    await os.fails(['resource', 'provider', 'inventory', 'set', id('host'), '--resource', 'DISK_GB=5', '--resource', 'DISK_GB:reserved=6']);
  });
  await rec.case('resource class create / list / delete (custom classes)', async () => {
    await os.ok(pv('1.2', ['resource', 'class', 'create', 'CUSTOM_CLI_ACCEL']));
    const rows = await os.json<Row[]>(pv('1.2', ['resource', 'class', 'list']));
    check(rows.some((r) => r.name === 'CUSTOM_CLI_ACCEL') && rows.some((r) => r.name === 'VCPU'), 'class list');
    await os.ok(['resource', 'provider', 'inventory', 'set', id('child'), '--resource', 'CUSTOM_CLI_ACCEL=2']);
    await os.fails(pv('1.2', ['resource', 'class', 'delete', 'CUSTOM_CLI_ACCEL']));
  });
  await rec.case('trait create / resource provider trait set / list', async () => {
    await os.ok(pv('1.6', ['trait', 'create', 'CUSTOM_CLI_FAST']));
    await os.ok(pv('1.6', ['resource', 'provider', 'trait', 'set', id('host'), '--trait', 'CUSTOM_CLI_FAST', '--trait', 'HW_CPU_X86_AVX2']));
    const rows = await os.json<Row[]>(pv('1.6', ['resource', 'provider', 'trait', 'list', id('host')]));
    checkEqual(rows.map((r) => r.name).sort(), ['CUSTOM_CLI_FAST', 'HW_CPU_X86_AVX2'], 'provider traits');
    const listed = await os.json<Row[]>(pv('1.6', ['trait', 'list', '--name', 'startswith:CUSTOM_CLI']));
    checkEqual(listed.map((r) => r.name), ['CUSTOM_CLI_FAST'], 'trait list filter');
    await os.fails(pv('1.6', ['trait', 'delete', 'CUSTOM_CLI_FAST']));
  });
  await rec.case('resource provider aggregate set / list (1.19, with generation)', async () => {
    const agg = '5b2c3d9e-1f1a-4e3b-9f00-000000000001';
    const gen = (await os.json(['resource', 'provider', 'show', id('host')])).generation;
    const rows = await os.json<Row[]>(pv('1.19', ['resource', 'provider', 'aggregate', 'set', id('host'), '--aggregate', agg, '--generation', String(gen)]));
    checkEqual(rows.map((r) => r.uuid), [agg], 'aggregates after set');
    await os.fails(pv('1.19', ['resource', 'provider', 'aggregate', 'set', id('host'), '--aggregate', agg, '--generation', String(gen)]));
  });
  await rec.case('allocation candidate list: resources, required traits, member_of', async () => {
    const rows = await os.json<Row[]>(pv('1.21', ['allocation', 'candidate', 'list', '--resource', 'VCPU=2', '--resource', 'MEMORY_MB=512',
      '--required', 'CUSTOM_CLI_FAST', '--member-of', '5b2c3d9e-1f1a-4e3b-9f00-000000000001']));
    check(rows.some((r) => r['resource provider'] === id('host')), `candidates: ${JSON.stringify(rows)}`);
    const none = await os.json<Row[]>(pv('1.21', ['allocation', 'candidate', 'list', '--resource', 'VCPU=9']));
    check(!none.some((r) => r['resource provider'] === id('host')), 'host offered beyond its capacity (4 x 2.0 = 8 VCPU)');
  });
  await rec.case('resource provider allocation set / show / usage, capacity refused', async () => {
    await os.ok(pv('1.12', ['resource', 'provider', 'allocation', 'set', consumer, '--allocation', `rp=${id('host')},VCPU=6,MEMORY_MB=1024`,
      '--project-id', 'cli-project', '--user-id', 'cli-user']));
    const shown = await os.json<Row[]>(pv('1.12', ['resource', 'provider', 'allocation', 'show', consumer]));
    const sorted = (o: unknown): Row => Object.fromEntries(Object.entries(o as Row).sort(([a], [b]) => a.localeCompare(b)));
    checkEqual(shown.map((r) => [r.resource_provider, sorted(r.resources)]), [[id('host'), { MEMORY_MB: 1024, VCPU: 6 }]], 'allocation');
    const usage = await os.json<Row[]>(['resource', 'provider', 'usage', 'show', id('host')]);
    checkEqual(Object.fromEntries(usage.map((r) => [r.resource_class, r.usage])), { DISK_GB: 0, MEMORY_MB: 1024, VCPU: 6 }, 'provider usage');
    const total = await os.json<Row[]>(pv('1.9', ['resource', 'usage', 'show', 'cli-project']));
    checkEqual(Object.fromEntries(total.map((r) => [r.resource_class, r.usage])), { MEMORY_MB: 1024, VCPU: 6 }, 'project usage');
    await os.fails(pv('1.12', ['resource', 'provider', 'allocation', 'set', 'c0c0c0c0-4b0a-4cc3-9c7e-7c5c1d3c3a11', '--allocation', `rp=${id('host')},VCPU=3`,
      '--project-id', 'cli-project', '--user-id', 'cli-user']));
  });
  await rec.case('resource provider delete: refused while allocated or a parent, then clean', async () => {
    await os.fails(['resource', 'provider', 'delete', id('host')]);
    await os.ok(pv('1.12', ['resource', 'provider', 'allocation', 'delete', consumer]));
    await os.ok(['resource', 'provider', 'delete', id('child')]);
    await os.ok(['resource', 'provider', 'delete', id('host')]);
    await os.ok(pv('1.6', ['trait', 'delete', 'CUSTOM_CLI_FAST']));
    await os.ok(pv('1.2', ['resource', 'class', 'delete', 'CUSTOM_CLI_ACCEL']));
    const rows = await os.json<Row[]>(['resource', 'provider', 'list']);
    check(!rows.some((r) => r.uuid === id('host')), 'deleted provider still listed');
  });
  return rec.totals;
}
