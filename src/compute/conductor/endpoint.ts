import type { JsonObject, MessageBus, Subscription } from '../../core/bus/index.js';
import { upsertComputeNode } from '../domain/compute-nodes.js';
import { heartbeat, registerService } from '../domain/services.js';
import { COMPUTE_BINARY, CONDUCTOR_TOPIC, type RegisterComputeReply } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { HostResources } from '../virt/driver.js';

const text = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${name} must be a non-empty string`);
  return v;
};

function resourcesOf(v: unknown): HostResources {
  const r = v as Partial<HostResources> | null;
  if (!r || typeof r !== 'object') throw new TypeError('resources must be an object');
  text(r.hypervisorHostname, 'hypervisorHostname');
  for (const key of ['vcpus', 'memoryMb', 'localGb', 'hypervisorVersion'] as const) {
    if (typeof r[key] !== 'number' || !Number.isInteger(r[key]) || r[key]! < 0) throw new TypeError(`${key} must be a non-negative integer`);
  }
  return r as HostResources;
}

/**
 * The conductor's bus endpoint: what agents (which have no database) ask of the
 * controller. Arguments are checked here because the agent may run another version.
 */
export async function serveConductor(bus: MessageBus, svc: ComputeService): Promise<Subscription> {
  return bus.serve({ topic: CONDUCTOR_TOPIC }, {
    register_compute: async (args: JsonObject): Promise<RegisterComputeReply> => {
      const host = text(args['host'], 'host');
      const service = await registerService(svc, host, COMPUTE_BINARY);
      const node = await upsertComputeNode(svc, service, resourcesOf(args['resources']));
      return { serviceUuid: service.uuid, nodeUuid: node.uuid };
    },
    report_state: async (args: JsonObject): Promise<null> => {
      await heartbeat(svc, text(args['host'], 'host'), text(args['binary'], 'binary'));
      return null;
    },
  });
}
