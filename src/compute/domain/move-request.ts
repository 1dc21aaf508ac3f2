import type { InstanceRow, MigrationRow } from '../db/schema.js';
import type { MoveRequest } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { flavorOf, systemMetadataOf, type FlavorSnapshot } from './instance-model.js';
import { instanceSpecOf, vifsOf } from './instance-spec.js';
import { metadataOf } from './instances.js';
import { VmState } from './states.js';

/**
 * Everything the hosts of a resize or cold migration need for any of its steps
 * (hand-over, finish, confirm, revert), from the instance and its migration record.
 * The flavors before and after are in the instance's system metadata while it moves.
 */
export async function moveRequestOf(svc: ComputeService, row: InstanceRow, migration: MigrationRow, requestId: string): Promise<MoveRequest> {
  const sysmeta = systemMetadataOf(row);
  const flavor = (key: string): FlavorSnapshot => (sysmeta[key] ? JSON.parse(sysmeta[key]) as FlavorSnapshot : flavorOf(row));
  const meta = (await metadataOf(svc, [row.uuid])).get(row.uuid) ?? {};
  return {
    uuid: row.uuid, requestId, migrationUuid: migration.uuid, sourceHost: migration.source_compute!, destHost: migration.dest_compute!,
    oldSpec: instanceSpecOf(row, flavor('old_flavor'), meta), newSpec: instanceSpecOf(row, flavor('new_flavor'), meta), vifs: vifsOf(row),
    powerOn: (sysmeta['old_vm_state'] ?? row.vm_state) !== VmState.STOPPED,
  };
}
