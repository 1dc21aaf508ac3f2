import type { MessageBus } from '../../core/bus/index.js';
import { CONDUCTOR_TOPIC } from '../rpc/contract.js';

/** The agent's side of the conductor protocol (rpc/contract.ts): typed calls over the bus. */
export class ConductorApi {
  constructor(private readonly bus: MessageBus, private readonly host: string) {}

  /** Moves the instance on; false when it moved on meanwhile (deleted, another task). */
  update(uuid: string, values: Record<string, unknown>, expectedTaskStates?: Array<string | null>): Promise<boolean> {
    return this.bus.call<boolean>({ topic: CONDUCTOR_TOPIC }, 'instance_update', { uuid, values, ...(expectedTaskStates ? { expectedTaskStates } : {}) });
  }

  async eventStart(uuid: string, requestId: string, event: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'action_event', { uuid, request_id: requestId, event, phase: 'start', host: this.host });
  }

  async eventFinish(uuid: string, requestId: string, event: string, error?: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'action_event', { uuid, request_id: requestId, event, phase: 'finish', ...(error ? { error } : {}) });
  }

  async buildFailed(uuid: string, requestId: string, message: string, retryable: boolean): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'build_failed', { uuid, request_id: requestId, host: this.host, message, retryable });
  }

  async terminated(uuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'instance_terminated', { uuid });
  }
}
