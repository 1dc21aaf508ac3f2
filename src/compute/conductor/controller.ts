import type { MessageBus, Subscription } from '../../core/bus/index.js';
import type { Logger } from '../../core/log.js';
import { heartbeat, registerService } from '../domain/services.js';
import { CONDUCTOR_BINARY, SCHEDULER_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { serveConductor, type ConductorSources } from './endpoint.js';
import { confirmOverdueResizes, offloadOverdueShelved } from './periodic.js';

/** How often the periodic tasks look for due work (Nova's periodic tick is 60 s; finer here, the queries are cheap). */
const PERIODIC_INTERVAL_MS = 10_000;

/**
 * The controller side of compute in one process: the conductor on the bus and the
 * scheduler and conductor service records with their heartbeats (as nova-scheduler and
 * nova-conductor report themselves), so `compute service list` shows the control plane.
 */
export class ComputeController {
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private periodic: NodeJS.Timeout | null = null;

  constructor(private readonly bus: MessageBus, private readonly svc: ComputeService, private readonly host: string, private readonly log: Logger, private readonly sources: ConductorSources = {}) {}

  async start(): Promise<void> {
    this.subscription = await serveConductor(this.bus, this.svc, this.log, this.sources);
    for (const binary of [SCHEDULER_BINARY, CONDUCTOR_BINARY]) await registerService(this.svc, this.host, binary);
    this.timer = setInterval(() => {
      for (const binary of [SCHEDULER_BINARY, CONDUCTOR_BINARY]) {
        heartbeat(this.svc, this.host, binary).catch((e: unknown) => this.log.warn({ err: e, binary }, 'heartbeat failed'));
      }
    }, this.svc.settings.reportInterval * 1000);
    this.timer.unref();
    // The clock-driven work Nova's compute managers do: auto-confirming resizes, offloading shelved instances.
    this.periodic = setInterval(() => { void this.runPeriodicTasks(); }, PERIODIC_INTERVAL_MS);
    this.periodic.unref();
  }

  /** One pass of the periodic tasks; failures are logged and the next pass tries again. */
  async runPeriodicTasks(): Promise<void> {
    await confirmOverdueResizes(this.svc, this.log).catch((e: unknown) => this.log.warn({ err: e }, 'resize auto-confirm failed'));
    await offloadOverdueShelved(this.svc, this.bus).catch((e: unknown) => this.log.warn({ err: e }, 'shelved offload failed'));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.periodic) clearInterval(this.periodic);
    this.timer = null;
    this.periodic = null;
    await this.subscription?.close();
    this.subscription = null;
  }
}
