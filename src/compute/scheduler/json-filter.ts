import type { FilterRequest, HostFilter } from './filters.js';
import { free, type HostState } from './host-state.js';

/** The host facts a query's $variables name (Nova's HostState attributes these filters read). */
function variablesOf(h: HostState): Record<string, unknown> {
  const capacity = (rc: string): number => h.summary.resources[rc]?.capacity ?? 0;
  return {
    host: h.host, nodename: h.node.hypervisor_hostname, hypervisor_hostname: h.node.hypervisor_hostname, hypervisor_type: h.node.hypervisor_type,
    free_ram_mb: free(h, 'MEMORY_MB'), free_disk_mb: free(h, 'DISK_GB') * 1024, total_usable_ram_mb: capacity('MEMORY_MB'),
    total_usable_disk_gb: capacity('DISK_GB'), vcpus_total: capacity('VCPU'), vcpus_used: h.summary.resources['VCPU']?.used ?? 0,
    num_instances: h.instances.size,
  };
}

type Value = unknown;
const compare = (op: (a: never, b: never) => boolean) => (args: Value[]): boolean => args.length >= 2 && args.slice(1).every((rhs) => op(args[0] as never, rhs as never));

/**
 * The query language's commands, as nova.scheduler.filters.json_filter defines them,
 * quirks included: `not` answers a list, which counts as true inside `and`/`or`.
 */
const COMMANDS: Record<string, (args: Value[]) => Value> = {
  '=': compare((a, b) => a === b),
  '<': compare((a, b) => a < b),
  '>': compare((a, b) => a > b),
  '<=': compare((a, b) => a <= b),
  '>=': compare((a, b) => a >= b),
  in: (args) => args.length >= 2 && args.slice(1).includes(args[0]),
  not: (args) => args.map((a) => !a),
  or: (args) => args.some(Boolean),
  and: (args) => args.every(Boolean),
};

class BadQuery extends Error {}

function evaluate(query: Value, vars: Record<string, unknown>): Value {
  if (!Array.isArray(query) || query.length === 0) return true;
  const [cmd, ...rest] = query;
  const run = typeof cmd === 'string' ? COMMANDS[cmd] : undefined;
  if (!run) throw new BadQuery(`unknown command ${String(cmd)}`);
  const args = rest.map((a) => {
    if (Array.isArray(a)) return evaluate(a, vars);
    if (typeof a === 'string' && a.startsWith('$')) return vars[a.slice(1)] ?? null;
    return a;
  });
  return run(args);
}

/**
 * The `query` scheduler hint (Nova's JsonFilter): a JSON expression such as
 * [">=", "$free_ram_mb", 1024] over the host's facts; a host passes when it is true
 * (any true for a list). A query that cannot be read lets no host pass.
 */
export const JsonFilter: HostFilter = {
  name: 'JsonFilter',
  passes: (h, r: FilterRequest) => {
    const text = r.hints.query;
    if (!text) return true;
    try {
      const result = evaluate(JSON.parse(text) as Value, variablesOf(h));
      return Array.isArray(result) ? result.some(Boolean) : Boolean(result);
    } catch {
      return false;
    }
  },
};
