/**
 * Events the network (and later block storage) service sends about an instance through
 * os-server-external-events (network-vif-plugged...), delivered to the agent of the
 * instance's host. An operation prepares for the events it needs before it triggers
 * them, then waits, as Nova's virtapi.wait_for_instance_event does; an event nobody
 * prepared for is dropped, exactly as Nova drops it.
 *
 * One difference from Nova: a build binds its ports before it knows their ids well
 * enough to prepare, and an agent may plug a port (the noop dataplane at once) before
 * the build prepares. Nova avoids that by skipping ports already active in its network
 * info; here the build opens the instance first (`open`), and until `clear` events for
 * it that nobody prepared for are kept for a later `prepare`.
 */
export interface ExternalEvent {
  uuid: string;
  name: string;
  tag: string | null;
  status: string;
}

const keyOf = (uuid: string, name: string, tag: string | null): string => `${uuid}|${name}|${tag ?? ''}`;

export class InstanceEvents {
  private readonly waiters = new Map<string, (status: string) => void>();
  /** Instances opened for early events: event key -> status of an event that came before its prepare. */
  private readonly early = new Map<string, Map<string, string>>();

  /** Keeps this instance's unprepared events until `clear`, for prepares that come after them. */
  open(uuid: string): void {
    if (!this.early.has(uuid)) this.early.set(uuid, new Map());
  }

  /** Registers interest in one event; the returned promise resolves with its status. */
  prepare(uuid: string, name: string, tag: string | null): Promise<string> {
    const key = keyOf(uuid, name, tag);
    const arrived = this.early.get(uuid)?.get(key);
    if (arrived !== undefined) {
      this.early.get(uuid)!.delete(key);
      return Promise.resolve(arrived);
    }
    return new Promise((resolve) => { this.waiters.set(key, resolve); });
  }

  /** Hands an event to whoever prepared for it (or keeps it for an open instance); false when nobody wants it. */
  deliver(event: ExternalEvent): boolean {
    const key = keyOf(event.uuid, event.name, event.tag);
    const waiter = this.waiters.get(key);
    if (!waiter) {
      const kept = this.early.get(event.uuid);
      kept?.set(key, event.status);
      return kept !== undefined;
    }
    this.waiters.delete(key);
    waiter(event.status);
    return true;
  }

  /** Ends every wait with this status (the agent is stopping: no event will reach it any more). */
  abandonAll(status: string): void {
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    this.early.clear();
    for (const resolve of waiting) resolve(status);
  }

  /** Forgets what an instance waited for or kept (its operation ended or gave up, or the instance went). */
  clear(uuid: string): void {
    for (const key of [...this.waiters.keys()]) if (key.startsWith(`${uuid}|`)) this.waiters.delete(key);
    this.early.delete(uuid);
  }
}

/**
 * Waits until every prepared event arrived or `timeoutMs` passed. Resolves with the
 * events that failed or never came; the caller decides whether that is fatal.
 */
export async function waitForEvents(waits: Array<{ label: string; status: Promise<string> }>, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  try {
    const results = await Promise.all(waits.map(async (w) => ({ label: w.label, status: await Promise.race([w.status, timeout]) })));
    return results.filter((r) => r.status !== 'completed').map((r) => `${r.label} (${r.status})`);
  } finally {
    clearTimeout(timer);
  }
}
