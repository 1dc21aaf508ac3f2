/**
 * Events the network (and later block storage) service sends about an instance through
 * os-server-external-events (network-vif-plugged...), delivered to the agent of the
 * instance's host. An operation prepares for the events it needs before it triggers
 * them, then waits, as Nova's virtapi.wait_for_instance_event does; an event nobody
 * prepared for is dropped, exactly as Nova drops it.
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

  /** Registers interest in one event; the returned promise resolves with its status. */
  prepare(uuid: string, name: string, tag: string | null): Promise<string> {
    return new Promise((resolve) => { this.waiters.set(keyOf(uuid, name, tag), resolve); });
  }

  /** Hands an event to whoever prepared for it; false when nobody did. */
  deliver(event: ExternalEvent): boolean {
    const key = keyOf(event.uuid, event.name, event.tag);
    const waiter = this.waiters.get(key);
    if (!waiter) return false;
    this.waiters.delete(key);
    waiter(event.status);
    return true;
  }

  /** Forgets what an instance waited for (its operation gave up or the instance went). */
  clear(uuid: string): void {
    for (const key of [...this.waiters.keys()]) if (key.startsWith(`${uuid}|`)) this.waiters.delete(key);
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
