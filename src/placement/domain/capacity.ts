import type { InventoryRow } from '../db/schema.js';

/** What can be allocated from an inventory in all: (total - reserved) x allocation ratio, rounded down as Placement does. */
export function capacityOf(inv: Pick<InventoryRow, 'total' | 'reserved' | 'allocation_ratio'>): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocation_ratio);
}

/** True when `amount` respects the inventory's min_unit, max_unit and step_size. */
export function withinUnits(inv: Pick<InventoryRow, 'min_unit' | 'max_unit' | 'step_size'>, amount: number): boolean {
  return amount >= inv.min_unit && amount <= inv.max_unit && amount % inv.step_size === 0;
}

/** True when `amount` more fits next to `used` in the inventory, unit constraints included. */
export function fits(inv: InventoryRow, used: number, amount: number): boolean {
  return withinUnits(inv, amount) && used + amount <= capacityOf(inv);
}
