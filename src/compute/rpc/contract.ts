/**
 * The compute service's bus protocol (Nova's conductor and compute RPC APIs).
 * Agents have no database: everything they learn or report crosses these topics.
 */
import type { HostResources, InstanceSpec, VifInfo } from '../virt/driver.js';

/** The conductor, served by the controller (the process with the database). */
export const CONDUCTOR_TOPIC = 'conductor';
/** One server per compute host, named by the host. */
export const COMPUTE_TOPIC = 'compute';

export const COMPUTE_BINARY = 'nova-compute';
/** The instance action event of a build on a host (its outcome feeds the BuildFailureWeigher). */
export const BUILD_EVENT = 'compute_build_and_run_instance';
export const SCHEDULER_BINARY = 'nova-scheduler';
export const CONDUCTOR_BINARY = 'nova-conductor';

/** conductor.register_compute: a compute agent starting on `host` with what its hypervisor offers. */
export interface RegisterComputeArgs {
  host: string;
  resources: HostResources;
}

export interface RegisterComputeReply {
  serviceUuid: string;
  nodeUuid: string;
  /** Instances evacuated from this host while it was down: their guests here must go. */
  evacuated: string[];
}

/** conductor.report_state: a heartbeat. */
export interface ReportStateArgs {
  host: string;
  binary: string;
}

/** compute.build_and_run_instance: everything the agent needs to build one instance (it has no database). */
export interface BuildRequest {
  uuid: string;
  requestId: string;
  name: string;
  hostname: string;
  projectId: string;
  userId: string;
  /** JSON FlavorSnapshot. */
  flavor: Record<string, unknown>;
  imageRef: string | null;
  userData: string | null;
  keyData: string | null;
  configDrive: boolean;
  metadata: Record<string, string>;
  securityGroups: string[];
  /** 'auto', 'none' or explicit entries. */
  requestedNetworks: unknown;
  availabilityZone: string | null;
  node: string;
}

/** conductor.instance_update: an agent moving an instance on; false when it moved on meanwhile or is gone. */
export interface InstanceUpdateArgs {
  uuid: string;
  values: Record<string, unknown>;
  expectedTaskStates?: Array<string | null>;
}

/** conductor.build_failed: the agent cleaned up after a failed build; reschedule or give up. */
export interface BuildFailedArgs {
  uuid: string;
  requestId: string;
  host: string;
  message: string;
  /** Another host might succeed (a driver failure); false for errors in the request itself. */
  retryable: boolean;
}

/**
 * compute.resize_instance / finish_resize / revert_resize / finish_revert_resize /
 * confirm_resize: one resize or cold migration, carried from host to host (Nova's
 * resize chain: source powers off and hands over, destination finishes).
 */
export interface MoveRequest {
  uuid: string;
  requestId: string;
  migrationUuid: string;
  sourceHost: string;
  destHost: string;
  /** The guest as it was (for a revert) and as it will be (the new flavor). */
  oldSpec: InstanceSpec;
  newSpec: InstanceSpec;
  vifs: VifInfo[];
  /** Start the guest at the end (false when it was stopped). */
  powerOn: boolean;
}

/** compute.pre_live_migration / live_migration / post_live_migration_at_destination. */
export interface LiveMigrationRequest {
  uuid: string;
  requestId: string;
  migrationUuid: string;
  sourceHost: string;
  destHost: string;
  destNode: string;
  spec: InstanceSpec;
  vifs: VifInfo[];
  paused: boolean;
  /** Set by the destination's pre step for the source's stream. */
  uri?: string;
}
