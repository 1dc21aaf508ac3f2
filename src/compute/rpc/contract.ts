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
