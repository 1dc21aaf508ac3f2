import type { JsonObject, MessageBus, Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import type { ImageClient } from '../../image/contract/client.js';
import type { NetworkClient } from '../../network/contract/client.js';
import { ConductorApi } from './conductor-api.js';
import { InstanceEvents, type ExternalEvent } from './instance-events.js';
import { syncPowerStates } from './power-sync.js';
import { buildAndRunInstance } from './operations/build.js';
import { terminateInstance } from './operations/terminate.js';
import { runPowerAction } from './operations/power.js';
import { triggerCrashDump } from './operations/crash-dump.js';
import { rebuildInstance, type RebuildRequest } from './operations/rebuild.js';
import { snapshotInstance, type SnapshotRequest } from './operations/snapshot.js';
import { COMPUTE_BINARY, COMPUTE_TOPIC, CONDUCTOR_TOPIC, type BuildRequest, type LiveMigrationRequest, type MoveRequest, type RegisterComputeReply } from '../rpc/contract.js';
import { confirmResize, finishResize, finishRevertResize, resizeInstance, revertResize, type MoveDeps } from './operations/resize.js';
import type { VifInfo, VirtDriver } from '../virt/driver.js';
import { liveMigration, postLiveMigrationAtDestination, preLiveMigration, rollbackLiveMigrationAtDestination } from './operations/live-migration.js';
import { attachInterface, detachInterface, type AttachRequest } from './operations/interfaces.js';
import { shelveInstance, shelveOffloadInstance, unshelveInstance, type ShelveDeps, type ShelveRequest, type UnshelveRequest } from './operations/shelve.js';

/** The other services an agent calls, with the service's own credentials. */
export interface AgentClients {
  network: NetworkClient;
  image: ImageClient;
}

export interface ComputeAgentOptions {
  host: string;
  /** Seconds between power-state syncs; 0 or less only at start ([compute] sync_power_state_interval). */
  syncPowerStateInterval?: number;
  /** Seconds a build waits for each port's network-vif-plugged; 0 does not wait ([compute] vif_plugging_timeout). */
  vifPluggingTimeout?: number;
  /** Seconds between heartbeats ([compute] report_interval). */
  reportInterval: number;
}

/**
 * The compute agent of one host (nova-compute): it registers its hypervisor through
 * the conductor, heartbeats, and runs the operations the conductor sends to its host
 * through the virt driver. It has no database access.
 */
export class ComputeAgent {
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  /** The compute node (and Placement provider) uuid the conductor assigned. */
  nodeUuid: string | null = null;

  constructor(
    private readonly bus: MessageBus,
    readonly driver: VirtDriver,
    private readonly clients: AgentClients,
    private readonly options: ComputeAgentOptions,
    private readonly log: Logger,
  ) {
    this.conductor = new ConductorApi(bus, options.host);
  }

  private readonly conductor: ConductorApi;
  /** External events (network-vif-plugged...) for operations waiting on this host. */
  readonly events = new InstanceEvents();
  /** Operations in flight, so stop() waits for them instead of cutting a build in half. */
  private readonly inFlight = new Set<Promise<void>>();

  private track(work: Promise<void>): void {
    const p = work.catch((e: unknown) => this.log.error({ err: e, host: this.options.host }, 'compute operation failed'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  get host(): string {
    return this.options.host;
  }

  async start(): Promise<void> {
    await this.driver.init(this.options.host);
    this.driver.setLifecycleListener?.((uuid) => { void this.syncPowerStates(uuid); });
    const deps = { host: this.options.host, events: this.events, vifPluggingTimeout: this.options.vifPluggingTimeout ?? 0, driver: this.driver, conductor: this.conductor, network: this.clients.network, image: this.clients.image, log: this.log };
    const shelveDeps: ShelveDeps = deps;
    // Before taking work: what this host was doing when it stopped will never report back (Nova's init_host).
    for (const d of await this.conductor.initHost()) {
      await terminateInstance(deps, d.uuid, d.ports).catch((e: unknown) => this.log.warn({ err: e, instance: d.uuid }, 'unfinished delete not finished'));
    }
    this.subscription = await this.bus.serve({ topic: COMPUTE_TOPIC, server: this.options.host }, {
      build_and_run_instance: async (args: JsonObject) => {
        this.track(buildAndRunInstance(deps, buildRequestOf(args['request'])));
        return null;
      },
      power_action: async (args: JsonObject) => {
        const [uuid, requestId, action] = [args['uuid'], args['request_id'], args['action']];
        if (typeof uuid !== 'string' || typeof requestId !== 'string' || typeof action !== 'string') throw new TypeError('power_action needs uuid, request_id and action');
        const rescueImage = typeof args['rescue_image'] === 'string' ? args['rescue_image'] : null;
        this.track(runPowerAction(deps, uuid, requestId, action, rescueImage));
        return null;
      },
      rebuild_instance: async (args: JsonObject) => {
        const req = args['request'] as unknown as RebuildRequest | undefined;
        if (!req || typeof req.uuid !== 'string' || typeof req.imageRef !== 'string' || !Array.isArray(req.vifs)) throw new TypeError('rebuild_instance needs a request');
        this.track(rebuildInstance(deps, req));
        return null;
      },
      snapshot_instance: async (args: JsonObject) => {
        const req = args['request'] as unknown as SnapshotRequest | undefined;
        if (!req || typeof req.uuid !== 'string' || typeof req.imageId !== 'string') throw new TypeError('snapshot_instance needs a request');
        this.track(snapshotInstance({ ...deps, image: this.clients.image }, req));
        return null;
      },
      ...this.moveHandlers({ ...deps, bus: this.bus }),
      shelve_instance: async (args: JsonObject) => {
        const req = args['request'] as unknown as ShelveRequest | undefined;
        if (!req || typeof req.uuid !== 'string' || typeof req.imageId !== 'string' || !Array.isArray(req.vifs)) throw new TypeError('shelve_instance needs a request');
        this.track(shelveInstance(shelveDeps, req));
        return null;
      },
      shelve_offload_instance: async (args: JsonObject) => {
        const [uuid, requestId, vifs] = [args['uuid'], args['request_id'], args['vifs']];
        if (typeof uuid !== 'string' || typeof requestId !== 'string' || !Array.isArray(vifs)) throw new TypeError('shelve_offload_instance needs uuid, request_id and vifs');
        this.track(shelveOffloadInstance(shelveDeps, uuid, requestId, vifs as unknown as VifInfo[]));
        return null;
      },
      unshelve_instance: async (args: JsonObject) => {
        const req = args['request'] as unknown as UnshelveRequest | undefined;
        if (!req || typeof req.uuid !== 'string' || !req.spec || !Array.isArray(req.vifs)) throw new TypeError('unshelve_instance needs a request');
        this.track(unshelveInstance(shelveDeps, req, args['offloaded'] === true));
        return null;
      },
      drop_resize_source: async (args: JsonObject) => {
        const uuid = args['uuid'];
        if (typeof uuid !== 'string') throw new TypeError('drop_resize_source needs uuid');
        this.track(this.driver.confirmMigration(uuid));
        return null;
      },
      attach_interface: async (args: JsonObject) => {
        const req = args['request'] as unknown as AttachRequest | undefined;
        if (!req || typeof req.uuid !== 'string' || typeof req.projectId !== 'string') throw new TypeError('attach_interface needs a request');
        return { ...(await attachInterface(deps, req)) };
      },
      detach_interface: async (args: JsonObject) => {
        const [uuid, port] = [args['uuid'], args['port'] as { portId?: unknown; preexisting?: unknown } | undefined];
        if (typeof uuid !== 'string' || !port || typeof port.portId !== 'string') throw new TypeError('detach_interface needs uuid and port');
        await detachInterface(deps, uuid, { portId: port.portId, preexisting: port.preexisting === true });
        return null;
      },
      live_migration_force_complete: async (args: JsonObject) => {
        if (typeof args['uuid'] !== 'string') throw new TypeError('live_migration_force_complete needs uuid');
        await this.driver.liveMigrationForceComplete(args['uuid']);
        return null;
      },
      live_migration_abort: async (args: JsonObject) => {
        if (typeof args['uuid'] !== 'string') throw new TypeError('live_migration_abort needs uuid');
        await this.driver.liveMigrationAbort(args['uuid']);
        return null;
      },
      set_admin_password: async (args: JsonObject) => {
        const [uuid, password] = [args['uuid'], args['password']];
        if (typeof uuid !== 'string' || typeof password !== 'string') throw new TypeError('set_admin_password needs uuid and password');
        await this.driver.setAdminPassword(uuid, password);
        return null;
      },
      external_instance_event: async (args: JsonObject) => {
        const events = args['events'];
        if (!Array.isArray(events)) throw new TypeError('external_instance_event needs events');
        for (const e of events as unknown as ExternalEvent[]) {
          if (typeof e.uuid !== 'string' || typeof e.name !== 'string') continue;
          if (!this.events.deliver({ uuid: e.uuid, name: e.name, tag: typeof e.tag === 'string' ? e.tag : null, status: String(e.status) })) {
            this.log.debug({ instance: e.uuid, event: e.name }, 'external event nobody waited for');
          }
        }
        return null;
      },
      trigger_crash_dump: async (args: JsonObject) => {
        const [uuid, requestId] = [args['uuid'], args['request_id']];
        if (typeof uuid !== 'string' || typeof requestId !== 'string') throw new TypeError('trigger_crash_dump needs uuid and request_id');
        this.track(triggerCrashDump(deps, uuid, requestId));
        return null;
      },
      get_diagnostics: async (args: JsonObject) => {
        const uuid = args['uuid'];
        if (typeof uuid !== 'string') throw new TypeError('get_diagnostics needs uuid');
        return { ...(await this.driver.diagnostics(uuid)) } as unknown as JsonObject;
      },
      get_vnc_console: async (args: JsonObject) => {
        const uuid = args['uuid'];
        if (typeof uuid !== 'string') throw new TypeError('get_vnc_console needs uuid');
        return { ...(await this.driver.vncConsole(uuid)) };
      },
      get_console_output: async (args: JsonObject) => {
        const uuid = args['uuid'];
        if (typeof uuid !== 'string') throw new TypeError('get_console_output needs uuid');
        const lines = typeof args['length'] === 'number' ? args['length'] : undefined;
        return this.driver.consoleOutput(uuid, lines);
      },
      terminate_instance: async (args: JsonObject) => {
        const uuid = args['uuid'];
        const ports = args['ports'];
        if (typeof uuid !== 'string' || !Array.isArray(ports)) throw new TypeError('terminate_instance needs uuid and ports');
        this.track(terminateInstance(deps, uuid, ports as Array<{ portId: string; preexisting: boolean }>));
        return null;
      },
    });
    const reply = await this.bus.call<RegisterComputeReply>({ topic: CONDUCTOR_TOPIC }, 'register_compute', {
      host: this.options.host, resources: { ...(await this.driver.hostResources()) },
    });
    this.nodeUuid = reply.nodeUuid;
    // Evacuated while this host was down: another host runs them now.
    for (const uuid of reply.evacuated ?? []) await this.driver.destroy(uuid).catch((e: unknown) => this.log.warn({ err: e, instance: uuid }, 'evacuated guest not destroyed'));
    this.timer = setInterval(() => { void this.report(); }, this.options.reportInterval * 1000);
    this.timer.unref();
    // The hypervisor is the truth after a restart (guests that died or vanished meanwhile), and from then on periodically.
    await this.syncPowerStates();
    const every = this.options.syncPowerStateInterval ?? 600;
    if (every > 0) {
      this.syncTimer = setInterval(() => { void this.syncPowerStates(); }, every * 1000);
      this.syncTimer.unref();
    }
  }

  /** The resize / cold-migration chain's steps on this host (see operations/resize.ts). */
  private moveHandlers(deps: MoveDeps): Record<string, (args: JsonObject) => Promise<null>> {
    const steps: Record<string, (d: MoveDeps, r: MoveRequest) => Promise<void>> = {
      resize_instance: resizeInstance, finish_resize: finishResize, confirm_resize: confirmResize, revert_resize: revertResize, finish_revert_resize: finishRevertResize,
    };
    const liveSteps: Record<string, (d: MoveDeps, r: LiveMigrationRequest) => Promise<void>> = {
      pre_live_migration: preLiveMigration, live_migration: liveMigration, post_live_migration_at_destination: postLiveMigrationAtDestination,
      rollback_live_migration_at_destination: rollbackLiveMigrationAtDestination,
    };
    return {
      ...Object.fromEntries(Object.entries(steps).map(([method, run]) => [method, async (args: JsonObject) => {
        this.track(run(deps, moveRequestOf(args['request'])));
        return null;
      }])),
      ...Object.fromEntries(Object.entries(liveSteps).map(([method, run]) => [method, async (args: JsonObject) => {
        this.track(run(deps, liveRequestOf(args['request'])));
        return null;
      }])),
    };
  }

  /** One pass of the power-state sync (of one instance, when a driver event names it); failures are logged and the next pass tries again. */
  async syncPowerStates(only?: string): Promise<number> {
    try {
      const instances = (await this.conductor.instancesOnHost()).filter((i) => only === undefined || i.uuid === only);
      return await syncPowerStates({ driver: this.driver, conductor: this.conductor, log: this.log, host: this.options.host }, instances);
    } catch (e) {
      this.log.warn({ err: e, host: this.options.host }, 'power-state sync failed');
      return 0;
    }
  }

  /** One heartbeat; a failure is logged and the next one tries again. */
  async report(): Promise<void> {
    try {
      await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'report_state', { host: this.options.host, binary: COMPUTE_BINARY });
    } catch (e) {
      this.log.warn({ err: e, host: this.options.host }, 'compute heartbeat failed');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.timer = null;
    this.syncTimer = null;
    await this.subscription?.close();
    this.subscription = null;
    // Events can no longer arrive: operations waiting for one give up now instead of at their timeout.
    this.events.abandonAll('agent stopping');
    await Promise.all([...this.inFlight]);
    await this.driver.close();
  }
}

/** A move request as the conductor or another host sent it, checked for what every step relies on. */
function moveRequestOf(v: unknown): MoveRequest {
  const r = v as Partial<MoveRequest> | null;
  if (!r || typeof r !== 'object') throw new TypeError('request must be an object');
  for (const key of ['uuid', 'requestId', 'migrationUuid', 'sourceHost', 'destHost'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') throw new TypeError(`${key} must be a non-empty string`);
  }
  if (!r.oldSpec || !r.newSpec || !Array.isArray(r.vifs)) throw new TypeError('a move needs oldSpec, newSpec and vifs');
  return r as MoveRequest;
}

/** A live-migration request, checked like a move request. */
function liveRequestOf(v: unknown): LiveMigrationRequest {
  const r = v as Partial<LiveMigrationRequest> | null;
  if (!r || typeof r !== 'object') throw new TypeError('request must be an object');
  for (const key of ['uuid', 'requestId', 'migrationUuid', 'sourceHost', 'destHost'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') throw new TypeError(`${key} must be a non-empty string`);
  }
  if (!r.spec || !Array.isArray(r.vifs)) throw new TypeError('a live migration needs spec and vifs');
  return r as LiveMigrationRequest;
}

/** A build request as the conductor sent it, checked for what the build relies on. */
function buildRequestOf(v: unknown): BuildRequest {
  const r = v as Partial<BuildRequest> | null;
  if (!r || typeof r !== 'object') throw new TypeError('request must be an object');
  for (const key of ['uuid', 'requestId', 'name', 'hostname', 'projectId', 'userId'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') throw new TypeError(`${key} must be a non-empty string`);
  }
  if (!r.flavor || typeof r.flavor !== 'object') throw new TypeError('flavor must be an object');
  return r as BuildRequest;
}
