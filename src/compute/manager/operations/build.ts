import type { Logger } from '../../../core/log.js';
import type { ImageClient } from '../../../image/contract/client.js';
import type { NetworkClient } from '../../../network/contract/client.js';
import type { FlavorSnapshot, VifCacheEntry } from '../../domain/instance-model.js';
import { TaskState, VmState } from '../../domain/states.js';
import { BUILD_EVENT, type BuildRequest } from '../../rpc/contract.js';
import { DriverError, PowerState, type InstanceSpec, type VirtDriver } from '../../virt/driver.js';
import type { ConductorApi } from '../conductor-api.js';
import { allocateNetwork, BuildRequestError, releasePorts } from '../network-allocation.js';
import { waitForEvents, type InstanceEvents } from '../instance-events.js';
import { bootImageProperties } from './image-properties.js';

export interface BuildDeps {
  host: string;
  /** Where network-vif-plugged arrives; with vifPluggingTimeout > 0 the build waits for it per port. */
  events: InstanceEvents;
  vifPluggingTimeout: number;
  driver: VirtDriver;
  conductor: ConductorApi;
  network: NetworkClient;
  image: ImageClient;
  log: Logger;
}

const EVENT = BUILD_EVENT;

/** The instance was deleted (or taken by another task) while we built it: stop quietly. */
class Superseded extends Error {}

/**
 * Builds one instance on this host (Nova's _build_and_run_instance): image check,
 * ports bound here, driver spawn, ACTIVE. Any failure gives back what was made here
 * (guest, ports) and reports to the conductor, which reschedules or errors.
 */
export async function buildAndRunInstance(deps: BuildDeps, req: BuildRequest): Promise<void> {
  const { conductor, driver } = deps;
  let ports: VifCacheEntry[] = [];
  let spawned = false;
  // When each stage ended (ms since the agent took the build), logged: where a slow boot's time went.
  const began = Date.now();
  const msAt: Record<string, number> = {};
  const done = (stage: string): void => { msAt[stage] = Date.now() - began; };
  const step = async (values: Record<string, unknown>, from: Array<string | null>): Promise<void> => {
    if (!(await conductor.update(req.uuid, values, from))) throw new Superseded();
  };
  await conductor.eventStart(req.uuid, req.requestId, EVENT);
  // Opened before the ports are bound: an agent may report one plugged before the build prepares for it.
  if (deps.vifPluggingTimeout > 0) deps.events.open(req.uuid);
  try {
    const flavor = req.flavor as unknown as FlavorSnapshot;
    const imageProperties = req.imageRef ? await bootImageProperties(deps.image, req.imageRef) : {};
    done('image');
    await step({ task_state: TaskState.NETWORKING }, [TaskState.SCHEDULING]);
    const allocated = await allocateNetwork(deps.network, {
      projectId: req.projectId, instanceUuid: req.uuid, host: deps.host, availabilityZone: req.availabilityZone,
      securityGroups: req.securityGroups, requestedNetworks: req.requestedNetworks,
    });
    ports = allocated.cache;
    done('network');
    await step({
      task_state: TaskState.SPAWNING, network_info: JSON.stringify(ports),
      ...(allocated.portGroups ? { security_groups: JSON.stringify(allocated.portGroups) } : {}),
    }, [TaskState.NETWORKING]);
    const spec: InstanceSpec = {
      uuid: req.uuid, name: req.name, hostname: req.hostname, vcpus: flavor.vcpus, memoryMb: flavor.memory_mb, rootGb: flavor.root_gb,
      ephemeralGb: flavor.ephemeral_gb, swapMb: flavor.swap, extraSpecs: flavor.extra_specs, imageId: req.imageRef, imageProperties,
      userData: req.userData, keyData: req.keyData, configDrive: req.configDrive, metadata: { uuid: req.uuid, name: req.name, meta: req.metadata },
    };
    // Nova's libvirt driver: prepare for each port's network-vif-plugged before the guest starts, then wait for them.
    const waits = deps.vifPluggingTimeout > 0
      ? allocated.vifs.map((v) => ({ label: `network-vif-plugged-${v.portId}`, status: deps.events.prepare(req.uuid, 'network-vif-plugged', v.portId) }))
      : [];
    await driver.spawn(spec, allocated.vifs, []);
    spawned = true;
    done('spawn');
    if (waits.length > 0) {
      const missing = await waitForEvents(waits, deps.vifPluggingTimeout * 1000);
      if (missing.length > 0) throw new DriverError(`Virtual Interface creation failed: no ${missing.join(', ')}`, true);
    }
    done('vifsPlugged');
    await step({ vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: new Date().toISOString() }, [TaskState.SPAWNING]);
    await conductor.eventFinish(req.uuid, req.requestId, EVENT);
    deps.log.info({ instance: req.uuid, msAt }, 'build: instance active');
  } catch (e) {
    if (spawned || e instanceof Superseded) await driver.destroy(req.uuid).catch((err: unknown) => deps.log.error({ err, instance: req.uuid }, 'destroy after failed build'));
    await releasePorts(deps.network, ports).catch((err: unknown) => deps.log.error({ err, instance: req.uuid }, 'port cleanup after failed build'));
    if (e instanceof Superseded) return;
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof BuildRequestError || e instanceof DriverError)) deps.log.error({ err: e, instance: req.uuid }, 'build failed');
    await conductor.eventFinish(req.uuid, req.requestId, EVENT, message);
    await conductor.buildFailed(req.uuid, req.requestId, message, !(e instanceof BuildRequestError));
  } finally {
    deps.events.clear(req.uuid);
  }
}
