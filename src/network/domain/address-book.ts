import { usedAddresses } from '../db/ports.js';
import { parseAddress } from '../../core/net/address.js';
import type { NetworkService } from '../service.js';

const ascending = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The addresses each subnet has handed out, kept sorted in memory so that picking the
 * first free one does not reread and re-sort the whole subnet on every port create
 * (at 1,000 ports that was most of a create's time). It is only a hint: the database's
 * unique index still decides, a conflict drops the subnet's entry, and so does any
 * release of addresses (port, floating IP, router, subnet or network deletes), so the
 * next allocation reads the truth again. Allocation runs
 * under the network's lock, so this process never races itself on an entry.
 */
export class AddressBook {
  private readonly used = new Map<string, bigint[]>();

  /** The subnet's used addresses, ascending (read from the database when not known). */
  async usedIn(svc: NetworkService, subnetId: string): Promise<readonly bigint[]> {
    let list = this.used.get(subnetId);
    if (!list) {
      list = (await usedAddresses(svc.db, subnetId)).map((a) => parseAddress(a)!.value).sort(ascending);
      this.used.set(subnetId, list);
    }
    return list;
  }

  /** Records addresses a saved port now holds. */
  taken(ips: ReadonlyArray<{ subnetId: string; ipAddress: string }>): void {
    for (const { subnetId, ipAddress } of ips) {
      const list = this.used.get(subnetId);
      if (!list) continue;
      const value = parseAddress(ipAddress)!.value;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]! < value) lo = mid + 1; else hi = mid;
      }
      if (list[lo] !== value) list.splice(lo, 0, value);
    }
  }

  /** Forgets subnets whose addresses were released or taken elsewhere; the next use rereads them. */
  forget(subnetIds: Iterable<string>): void {
    for (const id of subnetIds) this.used.delete(id);
  }

  /** Forgets everything (a network or many ports went at once). */
  clear(): void {
    this.used.clear();
  }
}
