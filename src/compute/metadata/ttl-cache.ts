import type { Clock } from '../../core/clock.js';

/**
 * A map whose entries expire `seconds` after they were set (Nova's metadata cache). A TTL
 * of 0 keeps nothing. Expired entries are dropped when read, and all of them whenever the
 * map grows past `maxEntries`, so a stream of distinct keys cannot grow it without bound.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly seconds: number, private readonly clock: Clock, private readonly maxEntries = 10_000) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.seconds <= 0) return;
    const now = this.clock.now().getTime();
    if (this.entries.size >= this.maxEntries) {
      for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
      // Still full of live entries: the oldest make room (Map keeps insertion order).
      for (const k of this.entries.keys()) {
        if (this.entries.size < this.maxEntries) break;
        this.entries.delete(k);
      }
    }
    this.entries.set(key, { value, expires: now + this.seconds * 1000 });
  }
}
