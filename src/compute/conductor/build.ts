import type { MessageBus } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { finishEvent, startEvent } from '../domain/instance-actions.js';
import { flavorOf, systemMetadataOf, type FlavorSnapshot } from '../domain/instance-model.js';
import { getInstance, recordFault, updateInstance } from '../domain/instances.js';
import { TaskState, VmState } from '../domain/states.js';
import { COMPUTE_TOPIC, type BuildRequest } from '../rpc/contract.js';
import { NoValidHost, selectDestination, type Destination } from '../scheduler/scheduler.js';
import { KeyedLock } from '../../core/concurrency/keyed-lock.js';
import { getServerGroup, groupHosts } from '../domain/server-groups.js';

/** Serialises placement within one server group (see scheduleAndBuild). */
const groupLocks = new KeyedLock();
import type { ComputeService } from '../service.js';
import type { InstanceRow } from '../db/schema.js';

/** Builds tried per instance before it goes to ERROR ([scheduler] max_attempts). */
export const MAX_BUILD_ATTEMPTS = 3;
const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';

/** Hosts an instance's build already failed on (kept in its system metadata across reschedules). */
export function triedHosts(row: InstanceRow): string[] {
  return JSON.parse(systemMetadataOf(row)['retry_hosts'] ?? '[]') as string[];
}

/**
 * Schedules one instance and hands it to the chosen host's agent (Nova's conductor
 * schedule_and_build_instances): NoValidHost leaves it in ERROR with the reason as its
 * fault; an instance deleted meanwhile gives its claim back.
 */
export async function scheduleAndBuild(svc: ComputeService, bus: MessageBus, uuid: string, requestId: string, log: Logger): Promise<void> {
  let row: InstanceRow;
  try {
    row = await getInstance(svc, null, uuid);
  } catch {
    return;
  }
  if (row.task_state !== TaskState.SCHEDULING) return;
  await startEvent(svc, uuid, requestId, SCHEDULE_EVENT, null);
  const flavor = flavorOf(row);
  try {
    const destination = await placeInstance(svc, row, { flavor, ignoreHosts: triedHosts(row), forcedHost: systemMetadataOf(row)['forced_host'] ?? null },
      (d) => updateInstance(svc, uuid, { host: d.host, node: d.node }, [TaskState.SCHEDULING]));
    // Deleted or taken over while it was scheduled: placeInstance gave the claim back.
    if (!destination) return;
    await finishEvent(svc, uuid, requestId, SCHEDULE_EVENT);
    const metadata = Object.fromEntries((await svc.db.selectFrom('instance_metadata').selectAll().where('instance_uuid', '=', uuid).execute()).map((m) => [m.key, m.value]));
    const request: BuildRequest = {
      uuid, requestId, name: row.display_name, hostname: row.hostname, projectId: row.project_id, userId: row.user_id,
      flavor: { ...flavor }, imageRef: row.image_ref, userData: row.user_data, keyData: row.key_data, configDrive: row.config_drive === 1, metadata,
      securityGroups: JSON.parse(row.security_groups) as string[], requestedNetworks: JSON.parse(row.requested_networks) as unknown,
      availabilityZone: row.availability_zone, node: destination.node,
    };
    await bus.cast({ topic: COMPUTE_TOPIC, server: destination.host }, 'build_and_run_instance', { request: { ...request } });
  } catch (e) {
    const retried = triedHosts(row).length > 0;
    const message = e instanceof NoValidHost
      ? (retried ? `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${uuid}.` : e.message)
      : `Build of instance ${uuid} failed: ${e instanceof Error ? e.message : String(e)}`;
    if (!(e instanceof NoValidHost)) log.error({ err: e, instance: uuid }, 'scheduling failed');
    await buildError(svc, uuid, requestId, SCHEDULE_EVENT, message, null);
  }
}

export interface PlacementChoice {
  flavor: FlavorSnapshot;
  /** Hosts not to use: those a build failed on, or the source of a move. */
  ignoreHosts: string[];
  forcedHost?: string | null;
  requestedHost?: string | null;
  /** Defaults to the instance's zone. */
  availabilityZone?: string | null;
}

/**
 * Picks and claims a host for an instance (a boot, a move, an unshelve) with its image
 * properties, hints and server group, then records the choice with `record`. Members
 * of one group are placed one at a time, so two boots never both take the last allowed
 * host. Returns null (claim given back) when `record` finds the instance moved on.
 */
export async function placeInstance(svc: ComputeService, row: InstanceRow, choice: PlacementChoice, record: (d: Destination) => Promise<boolean>): Promise<Destination | null> {
  const sysmeta = systemMetadataOf(row);
  const hints = JSON.parse(row.scheduler_hints) as { same_host?: string[]; different_host?: string[]; group?: string; query?: string };
  const place = async (): Promise<Destination | null> => {
    const group = hints.group ? await getServerGroup(svc, null, hints.group).catch(() => null) : null;
    const destination = await selectDestination(svc, {
      instanceUuid: row.uuid, projectId: row.project_id, userId: row.user_id, flavor: choice.flavor,
      imageProperties: JSON.parse(sysmeta['image_properties'] ?? '{}') as Record<string, string>,
      availabilityZone: choice.availabilityZone !== undefined ? choice.availabilityZone : row.availability_zone,
      forcedHost: choice.forcedHost ?? null, requestedHost: choice.requestedHost ?? null, ignoreHosts: choice.ignoreHosts, hints,
      ...(group ? { group: { policy: group.policy, maxPerHost: group.rules.max_server_per_host ?? 1, hosts: await groupHosts(svc, group.uuid, row.uuid) } } : {}),
    });
    if (await record(destination)) return destination;
    await svc.placement.deleteAllocations(row.uuid);
    return null;
  };
  return hints.group ? groupLocks.run(hints.group, place) : place();
}

/** Puts an instance in ERROR after a failed build: the fault, the failed event, and its claim given back. */
export async function buildError(svc: ComputeService, uuid: string, requestId: string, event: string, message: string, host: string | null): Promise<void> {
  // The claim goes first: once the instance shows ERROR it must hold nothing.
  await svc.placement.deleteAllocations(uuid);
  await recordFault(svc, uuid, { code: 500, message, details: message, host });
  await finishEvent(svc, uuid, requestId, event, message);
  await updateInstance(svc, uuid, { vm_state: VmState.ERROR, task_state: null });
}
