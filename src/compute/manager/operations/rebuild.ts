import type { FlavorSnapshot } from '../../domain/instance-model.js';
import { TaskState, VmState } from '../../domain/states.js';
import { PowerState, type InstanceSpec, type VifInfo, type VirtDriver } from '../../virt/driver.js';
import type { ImageClient } from '../../../image/contract/client.js';
import type { NetworkClient } from '../../../network/contract/client.js';
import { bootImageProperties } from './image-properties.js';
import type { ConductorApi } from '../conductor-api.js';
import { bindPorts } from './resize.js';

/** compute.rebuild_instance: the new root disk from `imageRef`, same ports, same host. */
export interface RebuildRequest {
  uuid: string;
  requestId: string;
  name: string;
  hostname: string;
  flavor: FlavorSnapshot;
  imageRef: string;
  userData: string | null;
  keyData: string | null;
  vifs: VifInfo[];
  /** A stopped instance stays stopped after its rebuild. */
  wasStopped: boolean;
  /** The instance has a config drive (instance.config_drive): the rebuilt guest gets one again. */
  configDrive?: boolean;
  /** An evacuation: the guest is rebuilt on this host (another than its failed one); its ports follow. */
  evacuation?: { migrationUuid: string };
}

const EVENT = 'compute_rebuild_instance';

/** Nova's rebuild on the instance's host: destroy the guest, spawn it again from the new image with the same ports. */
export async function rebuildInstance(deps: { host: string; driver: VirtDriver; conductor: ConductorApi; network: NetworkClient; image: ImageClient }, req: RebuildRequest): Promise<void> {
  const { driver, conductor } = deps;
  await conductor.eventStart(req.uuid, req.requestId, EVENT);
  try {
    const imageProperties = await bootImageProperties(deps.image, req.imageRef);
    await driver.destroy(req.uuid);
    if (req.evacuation) await bindPorts(deps.network, req.vifs, deps.host);
    await conductor.update(req.uuid, { task_state: TaskState.REBUILD_SPAWNING }, [TaskState.REBUILDING]);
    const f = req.flavor;
    const spec: InstanceSpec = {
      uuid: req.uuid, name: req.name, hostname: req.hostname, vcpus: f.vcpus, memoryMb: f.memory_mb, rootGb: f.root_gb, ephemeralGb: f.ephemeral_gb,
      swapMb: f.swap, extraSpecs: f.extra_specs, imageId: req.imageRef, imageProperties, userData: req.userData, keyData: req.keyData,
      configDrive: req.configDrive === true, metadata: { uuid: req.uuid, name: req.name },
    };
    await driver.spawn(spec, req.vifs, []);
    if (req.wasStopped) await driver.powerOff(req.uuid, 0);
    if (req.evacuation) await conductor.evacuated(req.evacuation.migrationUuid);
    await conductor.update(req.uuid, {
      vm_state: req.wasStopped ? VmState.STOPPED : VmState.ACTIVE, task_state: null,
      power_state: req.wasStopped ? PowerState.SHUTDOWN : PowerState.RUNNING, launched_at: new Date().toISOString(),
    }, [TaskState.REBUILD_SPAWNING]);
    await conductor.eventFinish(req.uuid, req.requestId, EVENT);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await conductor.update(req.uuid, { vm_state: VmState.ERROR, task_state: null }, [TaskState.REBUILDING, TaskState.REBUILD_SPAWNING]);
    if (req.evacuation) await conductor.migrationStatus(req.evacuation.migrationUuid, 'failed');
    await conductor.eventFinish(req.uuid, req.requestId, EVENT, message);
  }
}
