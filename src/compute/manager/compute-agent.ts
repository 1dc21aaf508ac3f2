import type { MessageBus, Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { COMPUTE_BINARY, COMPUTE_TOPIC, CONDUCTOR_TOPIC, type RegisterComputeReply } from '../rpc/contract.js';
import type { VirtDriver } from '../virt/driver.js';

export interface ComputeAgentOptions {
  host: string;
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
  /** The compute node (and Placement provider) uuid the conductor assigned. */
  nodeUuid: string | null = null;

  constructor(
    private readonly bus: MessageBus,
    readonly driver: VirtDriver,
    private readonly options: ComputeAgentOptions,
    private readonly log: Logger,
  ) {}

  get host(): string {
    return this.options.host;
  }

  async start(): Promise<void> {
    await this.driver.init(this.options.host);
    this.subscription = await this.bus.serve({ topic: COMPUTE_TOPIC, server: this.options.host }, {});
    const reply = await this.bus.call<RegisterComputeReply>({ topic: CONDUCTOR_TOPIC }, 'register_compute', {
      host: this.options.host, resources: { ...(await this.driver.hostResources()) },
    });
    this.nodeUuid = reply.nodeUuid;
    this.timer = setInterval(() => { void this.report(); }, this.options.reportInterval * 1000);
    this.timer.unref();
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
    this.timer = null;
    await this.subscription?.close();
    this.subscription = null;
    await this.driver.close();
  }
}
