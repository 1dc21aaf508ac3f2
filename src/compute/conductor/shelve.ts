import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { flavorOf, systemMetadataOf } from '../domain/instance-model.js';
import { instanceSpecOf, vifsOf } from '../domain/instance-spec.js';
import { getInstance, metadataOf, recordFault, updateInstance } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import { NoValidHost } from '../scheduler/scheduler.js';
import type { ComputeService } from '../service.js';
import { PowerState } from '../virt/driver.js';
import type { UnshelveRequest } from '../manager/operations/shelve.js';
import { placeInstance } from './build.js';

const SHELVED_KEYS = ['shelved_at', 'shelved_image_id', 'shelved_host'];

function withoutShelvedKeys(sysmeta: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(sysmeta).filter(([k]) => !SHELVED_KEYS.includes(k))));
}

/** The host made the shelved image: the instance is SHELVED there, powered off. */
export async function instanceShelved(svc: ComputeService, uuid: string, imageId: string, host: string): Promise<void> {
  const row = await getInstance(svc, null, uuid);
  const sysmeta = { ...systemMetadataOf(row), shelved_at: svc.now(), shelved_image_id: imageId, shelved_host: host };
  await updateInstance(svc, uuid, { vm_state: VmState.SHELVED, task_state: null, power_state: PowerState.SHUTDOWN, system_metadata: JSON.stringify(sysmeta) },
    [TaskState.SHELVING_IMAGE_UPLOADING]);
}

/** The host let go: the claim is given back before the instance shows SHELVED_OFFLOADED. */
export async function instanceOffloaded(svc: ComputeService, uuid: string): Promise<void> {
  await svc.placement.deleteAllocations(uuid);
  await updateInstance(svc, uuid, { vm_state: VmState.SHELVED_OFFLOADED, task_state: null, power_state: PowerState.NOSTATE, host: null, node: null },
    [TaskState.SHELVING_OFFLOADING]);
}

/**
 * Nova's conductor unshelve_instance: a SHELVED instance is started on its host; an
 * offloaded one is scheduled again (in `zone` or on `host` when asked) and booted
 * from its shelved image there. No valid host leaves it offloaded.
 */
export async function unshelve(svc: ComputeService, bus: MessageBus, uuid: string, requestId: string, target: { zone?: string | null; host?: string | null }, log: Logger): Promise<void> {
  const row = await getInstance(svc, null, uuid);
  if (row.task_state !== TaskState.UNSHELVING) return;
  const sysmeta = systemMetadataOf(row);
  const meta = (await metadataOf(svc, [uuid])).get(uuid) ?? {};
  const spec = { ...instanceSpecOf(row, flavorOf(row), meta), imageId: sysmeta['shelved_image_id'] ?? row.image_ref };
  const request: UnshelveRequest = { uuid, requestId, spec, vifs: vifsOf(row) };
  if (row.vm_state === VmState.SHELVED && row.host) {
    await bus.cast({ topic: COMPUTE_TOPIC, server: row.host }, 'unshelve_instance', { request: { ...request }, offloaded: false });
    return;
  }
  const event = 'schedule_instances';
  await startEvent(svc, uuid, requestId, event, null);
  try {
    const zone = target.zone !== undefined ? target.zone : row.availability_zone;
    const destination = await placeInstance(svc, row, { flavor: flavorOf(row), ignoreHosts: [], requestedHost: target.host ?? null, availabilityZone: zone },
      (d) => updateInstance(svc, uuid, { host: d.host, node: d.node, ...(target.zone !== undefined ? { availability_zone: target.zone } : {}) }, [TaskState.UNSHELVING]));
    if (!destination) return;
    await finishEvent(svc, uuid, requestId, event);
    await bus.cast({ topic: COMPUTE_TOPIC, server: destination.host }, 'unshelve_instance', { request: { ...request }, offloaded: true });
  } catch (e) {
    if (!(e instanceof NoValidHost)) log.error({ err: e, instance: uuid }, 'unshelve scheduling failed');
    await finishEvent(svc, uuid, requestId, event, e instanceof Error ? e.message : String(e));
    await updateInstance(svc, uuid, { task_state: null }, [TaskState.UNSHELVING]);
  }
}

/** Running again: the shelved keys go (the agent deleted the image). */
export async function instanceUnshelved(svc: ComputeService, uuid: string): Promise<void> {
  const row = await getInstance(svc, null, uuid);
  await updateInstance(svc, uuid, { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, system_metadata: withoutShelvedKeys(systemMetadataOf(row)) },
    [TaskState.UNSHELVING]);
}

/** The boot from the shelved image failed: back to offloaded (claim given back) with the reason as a fault. */
export async function unshelveFailed(svc: ComputeService, uuid: string, message: string, host: string | null): Promise<void> {
  const row = await getInstance(svc, null, uuid);
  await recordFault(svc, uuid, { code: 500, message, details: message, host });
  if (row.vm_state === VmState.SHELVED_OFFLOADED) {
    await svc.placement.deleteAllocations(uuid);
    await updateInstance(svc, uuid, { task_state: null, host: null, node: null }, [TaskState.UNSHELVING]);
  } else {
    await updateInstance(svc, uuid, { task_state: null }, [TaskState.UNSHELVING]);
  }
}
