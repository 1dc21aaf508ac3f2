import { NeutronError } from '../errors.js';
import { usedSegments } from '../db/networks.js';
import type { NetworkService } from '../service.js';

/** No VNI is left in [ml2_type_vxlan] vni_ranges. */
export const noSegmentsLeft = (): NeutronError =>
  new NeutronError(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');

/** The lowest VXLAN VNI in the configured ranges that no network holds yet. */
export async function freeVni(svc: NetworkService): Promise<number> {
  const used = new Set(await usedSegments(svc.db, 'vxlan', ''));
  for (const { min, max } of svc.settings.vniRanges) {
    for (let vni = min; vni <= max; vni++) if (!used.has(vni)) return vni;
  }
  throw noSegmentsLeft();
}
