/**
 * The compute service's bus protocol (Nova's conductor and compute RPC APIs).
 * Agents have no database: everything they learn or report crosses these topics.
 */
import type { HostResources } from '../virt/driver.js';

/** The conductor, served by the controller (the process with the database). */
export const CONDUCTOR_TOPIC = 'conductor';
/** One server per compute host, named by the host. */
export const COMPUTE_TOPIC = 'compute';

export const COMPUTE_BINARY = 'nova-compute';
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
