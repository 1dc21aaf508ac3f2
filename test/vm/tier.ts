/**
 * The `vm` tier: real QEMU guests. Installs what it needs (QEMU, the guest build's
 * packages, the dataplane's tools, Chromium for the console check), builds the Stratus
 * guest from Debian packages (cached between runs), starts a cloud on the QEMU driver
 * and the linux dataplane, runs the walk-through, and then requires the host to be as
 * it was: no QEMU, namespace, bridge, tap or daemon of the run left.
 */
import { ensureGuestImage, GUEST_DEBS } from '../../src/guest/guest-image.js';
import { guestImageCacheDir } from '../../src/cli/virt-drivers.js';
import { withCloud } from '../lib/cloud.js';
import { CONSOLE_DEBS } from '../lib/console-screenshot.js';
import { ensureDebs } from '../lib/debs.js';
import { resultsDir } from '../lib/paths.js';
import { CLI_DEBS } from '../lib/tools.js';
import type { CaseTotals } from '../cli/osc.js';
import { DATAPLANE_DEBS } from '../dataplane/tier.js';
import { leftovers, sweep, type Footprint } from '../dataplane/leftovers.js';
import { killLeftoverQemus } from './qemu-processes.js';
import { newPrefix, runVmSuite, vmConf } from './suite.js';

/** What the QEMU driver itself runs: QEMU, qemu-img, genisoimage for config drives, ssh to reach guests. */
export const VM_DEBS = ['qemu-system-x86', 'qemu-utils', 'genisoimage', 'openssh-client', 'e2fsprogs'];

export interface VmTierResult extends CaseTotals {
  note?: string;
  lines: string[];
}

export async function runVmTier(verbose: boolean): Promise<VmTierResult> {
  const lines: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { passed: 0, failed: 0, lines, note: 'needs root (QEMU on taps, namespaces, bridges)' };
  }
  const debs = await ensureDebs([...new Set([...CLI_DEBS, ...DATAPLANE_DEBS, ...GUEST_DEBS, ...VM_DEBS, ...CONSOLE_DEBS])]);
  if (!debs.ok) return { passed: 0, failed: 0, lines, note: debs.note ?? 'VM tools missing' };
  const totals = { passed: 0, failed: 0 };
  let guest;
  try {
    guest = await ensureGuestImage({ cacheDir: guestImageCacheDir(), ...(verbose ? { log: (m: string) => lines.push(`  ..    ${m}`) } : {}) });
  } catch (e) {
    lines.push(`  FAIL  the guest image could not be built: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return { passed: 0, failed: 1, lines };
  }
  const prefix = newPrefix();
  let footprint: Footprint | undefined;
  let serverIds: string[] = [];
  try {
    await withCloud({ tier: 'vm', conf: vmConf(prefix), resultsDir: resultsDir('vm'), readyTimeoutMs: 90_000 }, async (cloud) => {
      const r = await runVmSuite(cloud, prefix, guest.qcow2, { verbose, resultsDir: resultsDir('vm') });
      footprint = r.footprint;
      serverIds = r.serverIds;
      totals.passed += r.passed;
      totals.failed += r.failed;
    });
  } catch (e) {
    lines.push(`  FAIL  vm cloud: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    totals.failed++;
  }
  const left = [...await killLeftoverQemus(serverIds), ...(footprint ? await leftovers(footprint) : [])];
  if (left.length > 0) {
    lines.push(`  FAIL  the host is not as it was after the run: ${left.join(', ')}`);
    totals.failed++;
  } else if (footprint) {
    totals.passed++;
    if (verbose) lines.push('  ok    nothing of the run is left on the host (QEMU, namespaces, bridges, taps, daemons)');
  }
  if (footprint) await sweep(footprint);
  return { ...totals, lines };
}
