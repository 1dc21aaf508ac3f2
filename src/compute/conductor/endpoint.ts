import { textArg as text, type JsonObject, type MessageBus, type Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { getInstance, updateInstance, type InstanceChanges } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import { buildError, MAX_BUILD_ATTEMPTS, scheduleAndBuild, triedHosts } from './build.js';
import { systemMetadataOf } from '../domain/instance-model.js';
import { upsertComputeNode } from '../domain/compute-nodes.js';
import { heartbeat, registerService } from '../domain/services.js';
import { COMPUTE_BINARY, CONDUCTOR_TOPIC, type RegisterComputeReply } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { HostResources } from '../virt/driver.js';


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
/** Instance fields an agent may set; anything else in an update is refused. */
const AGENT_FIELDS = new Set(['vm_state', 'task_state', 'power_state', 'launched_at', 'network_info', 'progress', 'host', 'node', 'root_device_name', 'terminated_at']);

function changesOf(v: unknown): InstanceChanges {
  if (!v || typeof v !== 'object') throw new TypeError('values must be an object');
  const values = v as Record<string, unknown>;
  const bad = Object.keys(values).find((k) => !AGENT_FIELDS.has(k));
  if (bad) throw new TypeError(`an agent may not set ${bad}`);
  return values as InstanceChanges;
}

export async function serveConductor(bus: MessageBus, svc: ComputeService, log: Logger): Promise<Subscription> {
  return bus.serve({ topic: CONDUCTOR_TOPIC }, {
    build_instances: async (args: JsonObject): Promise<null> => {
      const uuids = args['uuids'];
      if (!Array.isArray(uuids) || uuids.some((u) => typeof u !== 'string')) throw new TypeError('uuids must be a list of strings');
      const requestId = text(args['request_id'], 'request_id');
      // One after the other, so each claim sees the previous one's usage.
      for (const uuid of uuids as string[]) await scheduleAndBuild(svc, bus, uuid, requestId, log);
      return null;
    },
    instance_update: async (args: JsonObject): Promise<boolean> => {
      const expected = args['expectedTaskStates'];
      return updateInstance(svc, text(args['uuid'], 'uuid'), changesOf(args['values']), Array.isArray(expected) ? (expected as Array<string | null>) : undefined);
    },
    action_event: async (args: JsonObject): Promise<null> => {
      const uuid = text(args['uuid'], 'uuid');
      const requestId = text(args['request_id'], 'request_id');
      const event = text(args['event'], 'event');
      if (args['phase'] === 'start') await startEvent(svc, uuid, requestId, event, typeof args['host'] === 'string' ? args['host'] : null);
      else await finishEvent(svc, uuid, requestId, event, typeof args['error'] === 'string' ? args['error'] : undefined);
      return null;
    },
    build_failed: async (args: JsonObject): Promise<null> => {
      const uuid = text(args['uuid'], 'uuid');
      const requestId = text(args['request_id'], 'request_id');
      const host = text(args['host'], 'host');
      const message = text(args['message'], 'message');
      let row;
      try {
        row = await getInstance(svc, null, uuid);
      } catch {
        return null;
      }
      const tried = [...triedHosts(row), host];
      await svc.placement.deleteAllocations(uuid);
      if (args['retryable'] === true && tried.length < MAX_BUILD_ATTEMPTS && row.task_state !== TaskState.DELETING) {
        const sysmeta = { ...systemMetadataOf(row), retry_hosts: JSON.stringify(tried) };
        const again = await updateInstance(svc, uuid, { host: null, node: null, task_state: TaskState.SCHEDULING, vm_state: VmState.BUILDING, system_metadata: JSON.stringify(sysmeta) });
        if (again) await scheduleAndBuild(svc, bus, uuid, requestId, log);
        return null;
      }
      await buildError(svc, uuid, requestId, 'compute_build_and_run_instance', message, host);
      return null;
    },
    instance_terminated: async (args: JsonObject): Promise<null> => {
      const uuid = text(args['uuid'], 'uuid');
      await markDeleted(svc, uuid);
      return null;
    },
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

/**
 * The last step of a delete: its claim and group membership given back first, then the
 * instance marked deleted, so nobody sees a deleted server still holding resources.
 */
export async function markDeleted(svc: ComputeService, uuid: string): Promise<void> {
  await svc.placement.deleteAllocations(uuid);
  await svc.db.deleteFrom('server_group_members').where('instance_uuid', '=', uuid).execute();
  const now = svc.now();
  await svc.db.updateTable('instances').set({ vm_state: VmState.DELETED, task_state: null, power_state: 0, terminated_at: now, deleted_at: now, updated_at: now })
    .where('uuid', '=', uuid).where('deleted_at', 'is', null).execute();
}
