/**
 * The `dataplane` tier: starts a cloud whose network agent runs the linux dataplane,
 * runs the namespace-VM suite against it, stops it, and then requires the host to be
 * exactly as it was: anything of the run still there is removed and counted as a failure.
 */
import { withCloud } from '../lib/cloud.js';
import { ensureDebs } from '../lib/debs.js';
import { resultsDir } from '../lib/paths.js';
import { CLI_DEBS } from '../lib/tools.js';
import type { CaseTotals } from '../cli/osc.js';
import { leftovers, sweep, type Footprint } from './leftovers.js';
import { dataplaneConf, newPrefix, runDataplaneSuite } from './suite.js';

/** Host tools the linux dataplane and its namespace VMs use. */
export const DATAPLANE_DEBS = ['iproute2', 'nftables', 'dnsmasq-base', 'busybox-static', 'conntrack', 'radvd'];

export interface DataplaneTierResult extends CaseTotals {
  note?: string;
  lines: string[];
}

export async function runDataplaneTier(verbose: boolean): Promise<DataplaneTierResult> {
  const lines: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { passed: 0, failed: 0, lines, note: 'needs root (network namespaces, bridges, nftables)' };
  }
  const debs = await ensureDebs([...CLI_DEBS, ...DATAPLANE_DEBS]);
  if (!debs.ok) return { passed: 0, failed: 0, lines, note: debs.note ?? 'dataplane tools missing' };
  const prefix = newPrefix();
  let footprint: Footprint | undefined;
  const totals = { passed: 0, failed: 0 };
  try {
    await withCloud({ tier: 'dataplane', conf: dataplaneConf(prefix), resultsDir: resultsDir('dataplane') }, async (cloud) => {
      const r = await runDataplaneSuite(cloud, prefix, { verbose }) as CaseTotals & { footprint: Footprint };
      footprint = r.footprint;
      totals.passed += r.passed;
      totals.failed += r.failed;
    });
  } catch (e) {
    lines.push(`  FAIL  dataplane cloud: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    totals.failed++;
  }
  if (footprint) {
    const left = await leftovers(footprint);
    if (left.length > 0) {
      lines.push(`  FAIL  the host is not as it was after the run: ${left.join(', ')}`);
      totals.failed++;
    } else {
      totals.passed++;
      if (verbose) lines.push('  ok    nothing of the run is left on the host');
    }
    await sweep(footprint);
  }
  return { ...totals, lines };
}
