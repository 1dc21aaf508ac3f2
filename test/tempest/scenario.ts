/**
 * Tempest's scenario tests against real guests: a cloud on the QEMU driver and the linux
 * dataplane with two fake hosts (as the vm tier runs it), the Stratus test guest as
 * image_ref/image_ref_alt, and `[validation] run_validation = true`, so every scenario
 * SSHes into its servers through floating IPs on an external network the host reaches.
 *
 *   node dist/test/tempest/run.js --scenario [--regex REGEX]
 *
 * Afterwards the host must be as it was: no QEMU, namespace, bridge, tap or daemon of
 * the run left (leftovers are killed by pid / deleted by name and reported).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guestImageCacheDir } from '../../src/cli/virt-drivers.js';
import { ensureGuestImage, GUEST_DEBS } from '../../src/guest/guest-image.js';
import { agentRunDir } from '../../src/network/agent/host-dataplane.js';
import { startCloud } from '../lib/cloud.js';
import { ensureDebs } from '../lib/debs.js';
import { resultsDir } from '../lib/paths.js';
import { TEMPEST_DEBS } from '../lib/tools.js';
import { DATAPLANE_DEBS } from '../dataplane/tier.js';
import { leftovers, sweep, type Footprint } from '../dataplane/leftovers.js';
import { killQemusUnder } from '../vm/qemu-processes.js';
import { VM_HOST, vmConf } from '../vm/suite.js';
import { VM_DEBS } from '../vm/tier.js';
import { type AdminSession, type ComputeRefs, createWorkspace, mergeIni, serviceCaller, setIniOption, stratusConfForTempest } from './conf.js';
import { failureLines, runTempest, skipLines, type Selection, type TempestRun } from './run.js';

/** Tempest pings guests from the host by running `ping`/`ping6` (busybox's applet is no binary of that name). */
export const SCENARIO_DEBS = ['iputils-ping'];

/**
 * The compute API tests of a guest's VNC console (3): a console URL, the noVNC page, the
 * RFB handshake through the proxy and a bad token turned away. The fake driver has no
 * VNC server, so the API run leaves them off; they run against real guests here.
 */
const VNC_TESTS = '^tempest\\.api\\.compute\\.servers\\.test_novnc\\.|^tempest\\.api\\.compute\\.servers\\.test_server_actions\\.ServerActionsTestJSON\\.test_get_vnc_console';

/**
 * Every scenario test of Tempest 33 (84), and the API tests that need a real guest's
 * console (VNC_TESTS), which the API run on the fake driver skips.
 */
export const SCENARIO_SELECTION = `^tempest\\.scenario\\.|${VNC_TESTS}`;

/**
 * What `npm test` runs (about 4 minutes alone): the core test of each module the real-VM
 * issue names — boot and SSH with metadata checks, floating IP connectivity, security
 * groups between guests, snapshot and boot from it, suspend/resume, shelve/unshelve —
 * and the noVNC console tests.
 */
export const SCENARIO_IN_TEST = [
  'test_server_basic_ops\\.TestServerBasicOps\\.test_server_basic_ops',
  'test_network_basic_ops\\.TestNetworkBasicOps\\.test_network_basic_ops',
  'test_security_groups_basic_ops\\.TestSecurityGroupsBasicOps\\.test_in_tenant_traffic',
  'test_snapshot_pattern\\.TestSnapshotPattern\\.test_snapshot_pattern',
  'test_server_advanced_ops\\.TestServerAdvancedOps\\.test_server_sequence_suspend_resume',
  'test_shelve_instance\\.TestShelveInstance\\.test_shelve_instance\\b',
].map((t) => `^tempest\\.scenario\\.${t}`).concat(VNC_TESTS).join('|');

/** ScenarioResult.note when not run as root: the run needs QEMU on taps, namespaces and bridges. */
export const NOT_ROOT = 'needs root (QEMU on taps, namespaces, bridges)';

/** The external network's subnet; private, and apart from the vm tier's (.251) and the dataplane tier's (.250). */
export const SCENARIO_EXTERNAL_CIDR = '172.31.253.0/24';
/** The fake hosts' underlay, apart from the vm tier's 169.254.251.0/24. */
const SCENARIO_UNDERLAY = '169.254.253.0/24';

/**
 * VNIs apart from the default 1:1000 other test clouds on this machine use: the network
 * node's VXLAN devices of every cloud live in the host's own namespace, named and keyed
 * by VNI (stvx-<vni>), so two clouds giving a network the same VNI meet there and one
 * network loses its VXLAN device (seen: test_server_basic_ops unreachable while the vm
 * tier ran).
 */
const SCENARIO_VNI_RANGE = '25300:26299';

/** stratus.conf: the vm tier's cloud (QEMU, linux dataplane, two fake hosts) plus what Tempest expects of any cloud. */
export function scenarioCloudConf(prefix: string): string {
  const own = `[ml2_type_vxlan]\nvni_ranges = ${SCENARIO_VNI_RANGE}\n`;
  return mergeIni(mergeIni(vmConf(prefix, SCENARIO_UNDERLAY), stratusConfForTempest()), own);
}

/**
 * The guest uploaded twice (two distinct images, or the "need distinct images" tests
 * skip) and two flavors sized for it; the alt flavor is the resize target, so bigger.
 */
export function prepareGuestCompute(qcow2: string): (session: AdminSession) => Promise<ComputeRefs> {
  return async (session) => {
    const image = serviceCaller(session, 'image');
    const bytes = new Uint8Array(readFileSync(qcow2));
    const images: string[] = [];
    for (const name of ['stratus-guest', 'stratus-guest-alt']) {
      const made = await image('POST', '/v2/images', { name, disk_format: 'qcow2', container_format: 'bare', visibility: 'public' });
      await image('PUT', `/v2/images/${made.id}/file`, bytes, 'application/octet-stream');
      images.push(String(made.id));
    }
    const compute = serviceCaller(session, 'compute');
    const flavors: string[] = [];
    for (const [name, ram] of [['m1.guest', 192], ['m1.guest-alt', 256]] as const) {
      flavors.push(String((await compute('POST', '/flavors', { flavor: { name, ram, vcpus: 1, disk: 1 } })).flavor.id));
    }
    return { imageId: images[0]!, imageIdAlt: images[1]!, flavorId: flavors[0]!, flavorIdAlt: flavors[1]! };
  };
}

/**
 * [compute-feature-enabled] for the QEMU driver: on only for what it does. No password
 * injection (change_password), no serial console proxy; block migration is off because
 * the fake hosts share storage (hard-linked disks), as Nova's shared-storage setups.
 */
const QEMU_FEATURES: Readonly<Record<string, boolean>> = {
  pause: true, suspend: true, rescue: true, resize: true, cold_migration: true,
  live_migration: true, block_migration_for_live_migration: false, snapshot: true,
  shelve: true, shelve_migrate: true, console_output: true, interface_attach: true,
  change_password: false, serial_console: false, vnc_console: true,
  config_drive: true, metadata_service: true,
};

/** tempest.conf edits for SSH validation against the guest (on top of the API tiers' conf). */
export function scenarioTempestConf(conf: string, qcow2: string): string {
  const set: Array<[string, string, string]> = [
    // TCG boots take 5-10 s alone and far longer on a busy 2-core host; snapshots upload the disk.
    ['compute', 'build_timeout', '300'],
    ['validation', 'run_validation', 'true'],
    ['validation', 'connect_method', 'floating'],
    ['validation', 'auth_method', 'keypair'],
    ['validation', 'image_ssh_user', 'cirros'],
    ['validation', 'image_alt_ssh_user', 'cirros'],
    ['validation', 'ssh_timeout', '300'],
    ['validation', 'ping_timeout', '240'],
    ['validation', 'connect_timeout', '60'],
    ['network', 'floating_network_name', 'public'],
    ['scenario', 'img_file', qcow2],
    ['scenario', 'img_disk_format', 'qcow2'],
    ['scenario', 'img_container_format', 'bare'],
    ['scenario', 'dhcp_client', 'udhcpc'],
    ...Object.entries(QEMU_FEATURES).map(([k, v]): [string, string, string] => ['compute-feature-enabled', k, String(v)]),
  ];
  return set.reduce((text, [section, key, value]) => setIniOption(text, section, key, value), conf);
}

export interface ScenarioResult {
  /** The Tempest results; absent when the run could not start (see note). */
  run?: TempestRun;
  /** Why nothing ran (not root, packages missing, guest build failed). */
  note?: string;
  /** What of the run was still on the host afterwards (then removed); empty when clean. */
  left: string[];
  /** Wall time of the whole thing (guest image, cloud, Tempest, clean-up), seconds. */
  seconds: number;
}

/** Runs `sel` (default: every scenario test) against a fresh QEMU cloud, one worker unless told. */
export async function runScenario(sel: Selection = {}, opts: { concurrency?: number; label?: string } = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const seconds = (): number => Math.round((Date.now() - started) / 1000);
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { note: NOT_ROOT, left: [], seconds: 0 };
  }
  const debs = await ensureDebs([...new Set([...TEMPEST_DEBS, ...DATAPLANE_DEBS, ...GUEST_DEBS, ...VM_DEBS, ...SCENARIO_DEBS])]);
  if (!debs.ok) return { note: debs.note ?? 'tools missing', left: [], seconds: seconds() };
  let guest;
  try {
    guest = await ensureGuestImage({ cacheDir: guestImageCacheDir() });
  } catch (e) {
    return { note: `the guest image could not be built: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, left: [], seconds: seconds() };
  }
  const label = opts.label ?? 'scenario';
  const prefix = `scn${randomBytes(2).toString('hex')}-`;
  const footprint: Footprint = { prefix, networkIds: [], portIds: [], vmNamespaces: [], runDir: agentRunDir(prefix, VM_HOST) };
  const cloud = await startCloud({ tier: label, conf: scenarioCloudConf(prefix), resultsDir: resultsDir(join('tempest', label)), readyTimeoutMs: 90_000 });
  let run: TempestRun | undefined;
  try {
    const ws = await createWorkspace(cloud, {
      compute: prepareGuestCompute(guest.qcow2),
      externalCidr: SCENARIO_EXTERNAL_CIDR,
      tune: (conf) => scenarioTempestConf(conf, guest.qcow2),
    });
    try {
      run = await runTempest(ws, sel.regex || sel.loadList ? sel : { regex: SCENARIO_SELECTION }, {
        label, concurrency: opts.concurrency ?? 1, timeoutMs: 4 * 60 * 60_000,
      });
    } finally {
      ws.remove();
    }
  } finally {
    await cloud.stop();
  }
  // The cloud's own stop removes guests and devices; whatever it missed is a failure of the run.
  const left = [...killQemusUnder(cloud.dataDir), ...await leftovers(footprint)];
  if (left.length > 0) await sweep(footprint);
  return { ...(run ? { run } : {}), left, seconds: seconds() };
}

/** What to print for a scenario run: failures, skips by reason, leftovers, then one summary line named `name`. */
export function scenarioLines(r: ScenarioResult, name: string): string[] {
  if (!r.run) return [`${name}: not run (${r.note ?? 'unknown'})`];
  const lines = [...failureLines(r.run, 40), ...skipLines(r.run, 20)];
  if (r.left.length > 0) lines.push(`  FAIL  the host is not as it was after the run (removed now): ${r.left.join(', ')}`);
  const m = Math.floor(r.seconds / 60);
  lines.push(`${name}: ${r.run.passed} passed, ${r.run.failed} failed, ${r.run.skipped} skipped (${r.run.selected} tests; ${m} min ${r.seconds % 60} s; ${r.run.resultsDir})`);
  return lines;
}
