import { JsonFilter } from './json-filter.js';
import type { FlavorSnapshot } from '../domain/instance-model.js';
import type { HostState } from './host-state.js';

/** What the filters look at besides the host (Nova's RequestSpec, the parts used here). */
export interface FilterRequest {
  flavor: FlavorSnapshot;
  imageProperties: Record<string, string>;
  availabilityZone: string | null;
  /** Hosts already tried for this instance (reschedules). */
  ignoreHosts: string[];
  hints: { same_host?: string[]; different_host?: string[]; query?: string };
  /** The server group the instance joins: its policy and where its other members run. */
  group?: { policy: string; maxPerHost: number; hosts: Map<string, number> };
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

/** affinity: once a member is placed, the others follow it. */
export const ServerGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter', passes: (h, r) => r.group?.policy !== 'affinity' || r.group.hosts.size === 0 || r.group.hosts.has(h.host),
};

/** anti-affinity: at most max_server_per_host members (default 1) on a host. */
export const ServerGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter', passes: (h, r) => r.group?.policy !== 'anti-affinity' || (r.group.hosts.get(h.host) ?? 0) < r.group.maxPerHost,
};

/**
 * Flavor extra specs against the host's aggregates' metadata: keys scoped
 * `aggregate_instance_extra_specs:` and unscoped keys must equal (one of the
 * comma-separated) values an aggregate of the host has (Nova's AggregateInstanceExtraSpecsFilter).
 */
export const AggregateInstanceExtraSpecsFilter: HostFilter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  passes: (h, r) => {
    for (const [key, wanted] of Object.entries(r.flavor.extra_specs)) {
      const scope = key.split(':');
      if (scope.length > 1 && scope[0] !== 'aggregate_instance_extra_specs') continue;
      const name = scope.length > 1 ? scope.slice(1).join(':') : key;
      const values = h.aggregateMetadata.flatMap((m) => (m[name] ?? '').split(',').map((x) => x.trim()).filter(Boolean));
      if (values.length === 0 || !values.includes(wanted)) return false;
    }
    return true;
  },
};

/**
 * `capabilities:` scoped extra specs against what the host reports (hypervisor_type,
 * cpu_info keys, vcpus...). Unscoped keys are left to the aggregate filter here, so a
 * flavor property like ssd=true means "hosts of an aggregate with ssd=true".
 */
export const ComputeCapabilitiesFilter: HostFilter = {
  name: 'ComputeCapabilitiesFilter',
  passes: (h, r) => {
    const cpu = JSON.parse(h.node.cpu_info) as Record<string, unknown>;
    const facts: Record<string, unknown> = { hypervisor_type: h.node.hypervisor_type, hypervisor_version: h.node.hypervisor_version, vcpus: h.node.vcpus, memory_mb: h.node.memory_mb, cpu_info: cpu };
    for (const [key, wanted] of Object.entries(r.flavor.extra_specs)) {
      if (!key.startsWith('capabilities:')) continue;
      let value: unknown = facts;
      for (const part of key.slice('capabilities:'.length).split(':')) value = (value as Record<string, unknown> | undefined)?.[part];
      if (value === undefined || !matchesCapability(String(value), wanted)) return false;
    }
    return true;
  },
};

/** Nova's extra-spec operators: "s== x", ">= 4", "<in> x", "<or> a <or> b", or plain equality. */
function matchesCapability(value: string, wanted: string): boolean {
  const w = wanted.trim();
  const [op, ...rest] = w.split(/\s+/);
  const arg = rest.join(' ');
  switch (op) {
    case '=': return Number(value) >= Number(arg);
    case '>=': return Number(value) >= Number(arg);
    case '<=': return Number(value) <= Number(arg);
    case '==': return Number(value) === Number(arg);
    case '!=': return Number(value) !== Number(arg);
    case 's==': return value === arg;
    case 's!=': return value !== arg;
    case '<in>': return value.includes(arg);
    case '<or>': return w.split('<or>').map((x) => x.trim()).filter(Boolean).includes(value);
    default: return value === w;
  }
}

export const DEFAULT_FILTERS: readonly HostFilter[] = [
  ComputeFilter, AvailabilityZoneFilter, RetryFilter, ComputeCapabilitiesFilter, ImagePropertiesFilter, AggregateInstanceExtraSpecsFilter,
  SameHostFilter, DifferentHostFilter, ServerGroupAffinityFilter, ServerGroupAntiAffinityFilter, JsonFilter,
];
