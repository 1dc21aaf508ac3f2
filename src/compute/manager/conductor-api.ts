import type { MessageBus } from '../../core/bus/index.js';
import { CONDUCTOR_TOPIC } from '../rpc/contract.js';
import type { VifCacheEntry } from '../domain/instance-model.js';
import type { HostInstance } from './power-sync.js';

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
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'action_event', { uuid, request_id: requestId, event, phase: 'finish', host: this.host, ...(error ? { error } : {}) });
  }

  async buildFailed(uuid: string, requestId: string, message: string, retryable: boolean): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'build_failed', { uuid, request_id: requestId, host: this.host, message, retryable });
  }

  async terminated(uuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'instance_terminated', { uuid });
  }

  /** Moves the migration on; with `from`, only out of those statuses (false when it was elsewhere, e.g. cancelled). */
  async migrationStatus(migrationUuid: string, status: string, from?: string[]): Promise<boolean> {
    return this.bus.call<boolean>({ topic: CONDUCTOR_TOPIC }, 'migration_status', { migration: migrationUuid, status, ...(from ? { from } : {}) });
  }

  async resizeFinished(migrationUuid: string, powerState: number): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'resize_finished', { migration: migrationUuid, power_state: powerState });
  }

  async resizeConfirmed(migrationUuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'resize_confirmed', { migration: migrationUuid });
  }

  async resizeReverted(migrationUuid: string, powerState: number): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'resize_reverted', { migration: migrationUuid, power_state: powerState });
  }

  /** A step of a move failed here; `rollback` when nothing was handed over yet (the instance can stay where it was). */
  async moveFailed(migrationUuid: string, requestId: string, event: string, message: string, rollback: boolean): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'move_failed', { migration: migrationUuid, request_id: requestId, event, message, rollback, host: this.host });
  }

  /** The guest's disk is the shelved image now; the instance is SHELVED. */
  async shelved(uuid: string, imageId: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'instance_shelved', { uuid, image_id: imageId, host: this.host });
  }

  /** The host let go of a shelved instance: SHELVED_OFFLOADED, claim given back. */
  async offloaded(uuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'instance_offloaded', { uuid });
  }

  /** Running again: ACTIVE, the shelved image deleted. */
  async unshelved(uuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'instance_unshelved', { uuid, host: this.host });
  }

  async unshelveFailed(uuid: string, requestId: string, message: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'unshelve_failed', { uuid, request_id: requestId, message, host: this.host });
  }

  /** Adds an attached port to the instance's network cache. */
  async addInterface(uuid: string, entry: VifCacheEntry): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'network_info_add', { uuid, entry: { ...entry } as never });
  }

  async removeInterface(uuid: string, portId: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'network_info_remove', { uuid, port_id: portId });
  }

  async liveMigrationDone(migrationUuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'live_migration_done', { migration: migrationUuid });
  }

  /** `rolledBack`: the guest still runs on the source, so the instance stays there. */
  async liveMigrationFailed(migrationUuid: string, message: string, rolledBack: boolean, cancelled = false): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'live_migration_failed', { migration: migrationUuid, message, rolled_back: rolledBack, cancelled, host: this.host });
  }

  /** The evacuated guest runs here: the instance's host becomes this one. */
  async evacuated(migrationUuid: string): Promise<void> {
    await this.bus.call({ topic: CONDUCTOR_TOPIC }, 'evacuation_done', { migration: migrationUuid });
  }

  /**
   * At agent start, before it takes work: the conductor ends what this host's operations
   * left unfinished when it stopped (see conductor/init-host.ts) and hands back the
   * deletes the agent must finish.
   */
  initHost(): Promise<Array<{ uuid: string; ports: Array<{ portId: string; preexisting: boolean }> }>> {
    return this.bus.call({ topic: CONDUCTOR_TOPIC }, 'init_host', { host: this.host });
  }

  /** The live instances the conductor has on this host (for the power-state sync). */
  instancesOnHost(): Promise<HostInstance[]> {
    return this.bus.call<HostInstance[]>({ topic: CONDUCTOR_TOPIC }, 'instances_on_host', { host: this.host });
  }

  /** The instance's config drive files, decoded. */
  async configDriveFiles(uuid: string): Promise<Record<string, Buffer>> {
    const encoded = await this.bus.call<Record<string, string>>({ topic: CONDUCTOR_TOPIC }, 'config_drive_files', { uuid }, { timeoutMs: 60_000 });
    return Object.fromEntries(Object.entries(encoded).map(([path, b64]) => [path, Buffer.from(b64, 'base64')]));
  }
}
