import type { FlavorSnapshot } from '../domain/instance-model.js';
import type { HostState } from './host-state.js';

/** What the filters look at besides the host (Nova's RequestSpec, the parts used here). */
export interface FilterRequest {
  flavor: FlavorSnapshot;
  imageProperties: Record<string, string>;
  availabilityZone: string | null;
  /** Hosts already tried for this instance (reschedules). */
  ignoreHosts: string[];
  hints: { same_host?: string[]; different_host?: string[] };
}

/** One scheduler filter: a name (as in Nova's enabled_filters) and a host test. */
export interface HostFilter {
  name: string;
  passes(host: HostState, request: FilterRequest): boolean;
}

/** Enabled, up and not forced down. */
export const ComputeFilter: HostFilter = { name: 'ComputeFilter', passes: (h) => h.up && !h.service.disabled };

/** The host is in the requested zone. */
export const AvailabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter', passes: (h, r) => r.availabilityZone === null || h.availabilityZone === r.availabilityZone,
};

/** A reschedule never goes back to a host that already failed the build. */
export const RetryFilter: HostFilter = { name: 'RetryFilter', passes: (h, r) => !r.ignoreHosts.includes(h.host) };

/** Image properties that constrain the hypervisor: hypervisor_type, architecture (img_arch), as Nova's ImagePropertiesFilter. */
export const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes: (h, r) => {
    const wantedType = r.imageProperties['hypervisor_type'] ?? r.imageProperties['img_hv_type'];
    if (wantedType && wantedType.toLowerCase() !== h.node.hypervisor_type.toLowerCase()) return false;
    const arch = r.imageProperties['architecture'] ?? r.imageProperties['hw_architecture'];
    const hostArch = (JSON.parse(h.node.cpu_info) as { arch?: string }).arch;
    return !arch || !hostArch || arch.toLowerCase() === hostArch.toLowerCase();
  },
};

/** same_host / different_host hints: relative to the hosts of the named instances. */
export const SameHostFilter: HostFilter = {
  name: 'SameHostFilter', passes: (h, r) => !r.hints.same_host?.length || r.hints.same_host.some((uuid) => h.instances.has(uuid)),
};
export const DifferentHostFilter: HostFilter = {
  name: 'DifferentHostFilter', passes: (h, r) => !r.hints.different_host?.length || !r.hints.different_host.some((uuid) => h.instances.has(uuid)),
};

export const DEFAULT_FILTERS: readonly HostFilter[] = [ComputeFilter, AvailabilityZoneFilter, RetryFilter, ImagePropertiesFilter, SameHostFilter, DifferentHostFilter];
