import type { ComputeService } from '../service.js';

/**
 * Moves everything one Placement consumer holds to another in one atomic write, as
 * Nova does at the start of a move (the instance's source allocation becomes the
 * migration's, so the instance can claim its destination) and on revert (back again).
 * Whatever `to` held before is replaced. Throws when the write loses a race.
 */
export async function moveAllocations(svc: ComputeService, from: string, to: string, owner: { projectId: string; userId: string }, toType: 'INSTANCE' | 'MIGRATION'): Promise<void> {
  const source = await svc.placement.allocationsOf(from);
  const target = await svc.placement.allocationsOf(to);
  if (source.generation === null) return;
  const result = await svc.placement.claim([
    { consumer: to, allocations: source.allocations, ...owner, consumerGeneration: target.generation, consumerType: toType },
    { consumer: from, allocations: {}, ...owner, consumerGeneration: source.generation },
  ]);
  if (!result.ok) throw new Error(`moving allocations of ${from} to ${to} failed: ${result.message}`);
}
