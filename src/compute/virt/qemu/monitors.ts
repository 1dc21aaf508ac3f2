import { QmpClient } from './qmp.js';

/**
 * One QMP connection per running guest (QEMU serves one monitor client at a time, so
 * connections are kept, not opened per call). A connection that closes on its own
 * means QEMU exited: `onExit` hears of it, which is how a guest that powered itself
 * off or crashed is noticed at once instead of at the next power-state sync.
 */
export class Monitors {
  private readonly clients = new Map<string, QmpClient>();
  private readonly connecting = new Map<string, Promise<QmpClient>>();
  private readonly closing = new Set<QmpClient>();

  constructor(private readonly onExit: (uuid: string) => void) {}

  async get(uuid: string, socketPath: string): Promise<QmpClient> {
    const known = this.clients.get(uuid);
    if (known && !known.isClosed) return known;
    let pending = this.connecting.get(uuid);
    if (!pending) {
      pending = QmpClient.connect(socketPath).then((client) => {
        this.clients.set(uuid, client);
        client.once('close', () => {
          if (this.clients.get(uuid) === client) this.clients.delete(uuid);
          if (!this.closing.delete(client)) this.onExit(uuid);
        });
        return client;
      }).finally(() => this.connecting.delete(uuid));
      this.connecting.set(uuid, pending);
    }
    return pending;
  }

  /** Drops the connection without reporting an exit (the driver stops the guest itself, or the agent stops). */
  forget(uuid: string): void {
    const client = this.clients.get(uuid);
    if (!client) return;
    this.clients.delete(uuid);
    this.closing.add(client);
    client.close();
  }

  /** Marks the guest's coming exit as the driver's own doing (a stop, a suspend), so it is not reported. */
  expectExit(uuid: string): void {
    const client = this.clients.get(uuid);
    if (client) this.closing.add(client);
  }

  closeAll(): void {
    for (const uuid of [...this.clients.keys()]) this.forget(uuid);
  }
}
