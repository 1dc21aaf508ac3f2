/**
 * A set of names known to exist in the database, filled on demand. Every allocation
 * and candidates request names resource classes and traits; asking the database each
 * time would double the cost of the hot path. A name another process created is found
 * by the fallback lookup; one it deleted is caught by the database on use.
 */
export class NameCache {
  private readonly known = new Set<string>();

  constructor(private readonly lookup: (names: string[]) => Promise<string[]>) {}

  /** The names among `names` that do not exist. */
  async missing(names: Iterable<string>): Promise<string[]> {
    const unknown = [...new Set(names)].filter((n) => !this.known.has(n));
    if (unknown.length === 0) return [];
    for (const found of await this.lookup(unknown)) this.known.add(found);
    return unknown.filter((n) => !this.known.has(n));
  }

  add(name: string): void {
    this.known.add(name);
  }

  forget(name: string): void {
    this.known.delete(name);
  }
}
