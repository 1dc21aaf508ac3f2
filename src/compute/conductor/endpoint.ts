import { textArg as text, type JsonObject, type MessageBus, type Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { editNetworkInfo, getInstance, updateInstance, type InstanceChanges } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import { buildError, MAX_BUILD_ATTEMPTS, scheduleAndBuild, triedHosts } from './build.js';
import { systemMetadataOf } from '../domain/instance-model.js';
import { recordBuildOutcome, upsertComputeNode } from '../domain/compute-nodes.js';
import { heartbeat, registerService } from '../domain/services.js';
import { BUILD_EVENT, COMPUTE_BINARY, CONDUCTOR_TOPIC, type RegisterComputeReply } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { PowerState, type HostResources } from '../virt/driver.js';
import type { MigrationRow } from '../db/schema.js';
import type { FlavorSnapshot, VifCacheEntry } from '../domain/instance-model.js';
import { getMigration, updateMigration } from '../domain/migrations.js';
import { markDeleted } from '../domain/server-delete.js';
import { evacuate, evacuatedFrom, evacuationDone } from './evacuate.js';
import { initHostInstances } from './init-host.js';
import { liveMigrate, liveMigrationDone, liveMigrationFailed } from './live-migration.js';
import { instanceOffloaded, instanceShelved, instanceUnshelved, unshelve, unshelveFailed } from './shelve.js';
import { migrateServer, moveFailed, resizeConfirmed, resizeFinished, resizeReverted } from './move.js';


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
/**
 * Instance fields an agent may set; anything else in an update is refused. Like
 * network_info, security_groups is what the network service put on the ports the agent
 * made (a server shows its ports' groups, as Nova's do).
 */
const AGENT_FIELDS = new Set(['vm_state', 'task_state', 'power_state', 'launched_at', 'network_info', 'security_groups', 'progress', 'host', 'node', 'root_device_name', 'terminated_at']);

function changesOf(v: unknown): InstanceChanges {
  if (!v || typeof v !== 'object') throw new TypeError('values must be an object');
  const values = v as Record<string, unknown>;
  const bad = Object.keys(values).find((k) => !AGENT_FIELDS.has(k));
  if (bad) throw new TypeError(`an agent may not set ${bad}`);
  return values as InstanceChanges;
}

/** Migration statuses an agent reports on its own (the rest the conductor sets). */
const AGENT_MIGRATION_STATUSES = new Set(['migrating', 'post-migrating', 'preparing', 'running', 'failed']);

function powerStateArg(args: JsonObject): number {
  const p = args['power_state'];
  if (typeof p !== 'number' || !Object.values(PowerState).includes(p as never)) throw new TypeError('power_state must be a power state');
  return p;
}

/** What the conductor answers from outside the compute database. */
export interface ConductorSources {
  /** The files of an instance's config drive (the metadata service's documents); null when the instance is gone. */
  configDriveFiles?: (uuid: string) => Promise<Record<string, string | Buffer> | null>;
}

export async function serveConductor(bus: MessageBus, svc: ComputeService, log: Logger, sources: ConductorSources = {}): Promise<Subscription> {
  const migrationArg = async (args: JsonObject): Promise<MigrationRow> => {
    const migration = await getMigration(svc, text(args['migration'], 'migration'));
    if (!migration) throw new TypeError('no such migration');
    return migration;
  };
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
      const host = typeof args['host'] === 'string' ? args['host'] : null;
      if (args['phase'] === 'start') {
        await startEvent(svc, uuid, requestId, event, host);
        return null;
      }
      const error = typeof args['error'] === 'string' ? args['error'] : undefined;
      await finishEvent(svc, uuid, requestId, event, error);
      // A build that worked clears the host's run of failures (BuildFailureWeigher).
      if (event === BUILD_EVENT && !error && host) await recordBuildOutcome(svc, host, true);
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
      await recordBuildOutcome(svc, host, false);
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
    migrate_server: async (args: JsonObject): Promise<null> => {
      const flavor = args['flavor'];
      if (flavor !== null && (typeof flavor !== 'object' || Array.isArray(flavor))) throw new TypeError('flavor must be an object or null');
      await migrateServer(svc, bus, {
        uuid: text(args['uuid'], 'uuid'), requestId: text(args['request_id'], 'request_id'), flavor: flavor as FlavorSnapshot | null,
        host: typeof args['host'] === 'string' ? args['host'] : null,
      }, log);
      return null;
    },
    migration_status: async (args: JsonObject): Promise<boolean> => {
      const status = text(args['status'], 'status');
      if (!AGENT_MIGRATION_STATUSES.has(status)) throw new TypeError(`an agent may not set migration status ${status}`);
      const from = args['from'];
      // With `from`, only out of those statuses: a live migration an admin cancelled while queued stays cancelled.
      return updateMigration(svc, (await migrationArg(args)).uuid, { status }, Array.isArray(from) ? from.map(String) : undefined);
    },
    resize_finished: async (args: JsonObject): Promise<null> => {
      await resizeFinished(svc, await migrationArg(args), powerStateArg(args));
      return null;
    },
    resize_confirmed: async (args: JsonObject): Promise<null> => {
      await resizeConfirmed(svc, await migrationArg(args));
      return null;
    },
    resize_reverted: async (args: JsonObject): Promise<null> => {
      await resizeReverted(svc, await migrationArg(args), powerStateArg(args));
      return null;
    },
    move_failed: async (args: JsonObject): Promise<null> => {
      await moveFailed(svc, await migrationArg(args), text(args['request_id'], 'request_id'), text(args['event'], 'event'), text(args['message'], 'message'),
        args['rollback'] === true, typeof args['host'] === 'string' ? args['host'] : null);
      return null;
    },
    instance_shelved: async (args: JsonObject): Promise<null> => {
      await instanceShelved(svc, text(args['uuid'], 'uuid'), text(args['image_id'], 'image_id'), text(args['host'], 'host'));
      return null;
    },
    instance_offloaded: async (args: JsonObject): Promise<null> => {
      await instanceOffloaded(svc, text(args['uuid'], 'uuid'));
      return null;
    },
    unshelve_instance: async (args: JsonObject): Promise<null> => {
      const zone = args['availability_zone'];
      const host = args['host'];
      await unshelve(svc, bus, text(args['uuid'], 'uuid'), text(args['request_id'], 'request_id'), {
        ...(zone === null || typeof zone === 'string' ? { zone } : {}), ...(typeof host === 'string' ? { host } : {}),
      }, log);
      return null;
    },
    instance_unshelved: async (args: JsonObject): Promise<null> => {
      await instanceUnshelved(svc, text(args['uuid'], 'uuid'));
      return null;
    },
    unshelve_failed: async (args: JsonObject): Promise<null> => {
      await unshelveFailed(svc, text(args['uuid'], 'uuid'), text(args['message'], 'message'), typeof args['host'] === 'string' ? args['host'] : null);
      return null;
    },
    network_info_add: async (args: JsonObject): Promise<null> => {
      const entry = args['entry'] as unknown as VifCacheEntry | undefined;
      if (!entry || typeof entry.portId !== 'string' || !Array.isArray(entry.ips)) throw new TypeError('entry must be a network cache entry');
      await editNetworkInfo(svc, text(args['uuid'], 'uuid'), (ports) => [...ports.filter((p) => p.portId !== entry.portId), entry]);
      return null;
    },
    network_info_remove: async (args: JsonObject): Promise<null> => {
      const portId = text(args['port_id'], 'port_id');
      await editNetworkInfo(svc, text(args['uuid'], 'uuid'), (ports) => ports.filter((p) => p.portId !== portId));
      return null;
    },
    live_migrate: async (args: JsonObject): Promise<string | null> => liveMigrate(svc, bus, text(args['migration'], 'migration'), text(args['request_id'], 'request_id'), {
      host: typeof args['host'] === 'string' ? args['host'] : null, force: args['force'] === true,
    }, log),
    live_migration_done: async (args: JsonObject): Promise<null> => {
      await liveMigrationDone(svc, await migrationArg(args));
      return null;
    },
    live_migration_failed: async (args: JsonObject): Promise<null> => {
      await liveMigrationFailed(svc, await migrationArg(args), text(args['message'], 'message'), args['rolled_back'] === true, typeof args['host'] === 'string' ? args['host'] : null,
        args['cancelled'] === true);
      return null;
    },
    evacuate: async (args: JsonObject): Promise<null> => {
      await evacuate(svc, bus, text(args['migration'], 'migration'), text(args['request_id'], 'request_id'), {
        host: typeof args['host'] === 'string' ? args['host'] : null, force: args['force'] === true,
      }, log);
      return null;
    },
    evacuation_done: async (args: JsonObject): Promise<null> => {
      await evacuationDone(svc, await migrationArg(args));
      return null;
    },
    config_drive_files: async (args: JsonObject): Promise<JsonObject> => {
      const uuid = text(args['uuid'], 'uuid');
      const files = sources.configDriveFiles ? await sources.configDriveFiles(uuid) : null;
      if (!files) throw new TypeError(`no config drive for instance ${uuid}`);
      // Bus messages are JSON: every file travels base64-encoded.
      return Object.fromEntries(Object.entries(files).map(([path, content]) => [path, Buffer.from(content).toString('base64')]));
    },
    init_host: async (args: JsonObject): Promise<JsonObject[]> => {
      const deletes = await initHostInstances(svc, text(args['host'], 'host'), log);
      return deletes.map((d) => ({ uuid: d.uuid, ports: d.ports }));
    },
    instances_on_host: async (args: JsonObject): Promise<JsonObject[]> => {
      const rows = await svc.db.selectFrom('instances').select(['uuid', 'vm_state', 'task_state', 'power_state'])
        .where('host', '=', text(args['host'], 'host')).where('deleted_at', 'is', null).execute();
      return rows.map((r) => ({ ...r }));
    },
    register_compute: async (args: JsonObject): Promise<RegisterComputeReply> => {
      const host = text(args['host'], 'host');
      const service = await registerService(svc, host, COMPUTE_BINARY);
      const node = await upsertComputeNode(svc, service, resourcesOf(args['resources']));
      return { serviceUuid: service.uuid, nodeUuid: node.uuid, evacuated: await evacuatedFrom(svc, host) };
    },
    report_state: async (args: JsonObject): Promise<null> => {
      await heartbeat(svc, text(args['host'], 'host'), text(args['binary'], 'binary'));
      return null;
    },
  });
}
