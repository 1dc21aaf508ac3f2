import { systemMetadataOf } from '../domain/instance-model.js';
import type { ComputeService } from '../service.js';

/**
 * The password a guest posts (encrypted with its key pair's public key, by
 * cloudbase-init and the like) is kept as Nova keeps it: in system metadata, split into
 * password_0..password_3 of 255 characters each, so at most 1020 bytes.
 */
const CHUNKS = 4;
const CHUNK_LENGTH = 255;
export const MAX_PASSWORD_BYTES = CHUNKS * CHUNK_LENGTH;

/** The stored password (Nova's extract_password), or null when none is set. */
export function passwordOf(systemMetadata: Record<string, string>): string | null {
  const joined = Object.keys(systemMetadata).filter((k) => k.startsWith('password_')).sort().map((k) => systemMetadata[k]).join('');
  return joined || null;
}

/** The system metadata items that hold `password` (Nova's convert_password). */
export function passwordItems(password: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: CHUNKS }, (_, i) => [`password_${i}`, password.slice(i * CHUNK_LENGTH, (i + 1) * CHUNK_LENGTH)]));
}

export type StoreResult = 'stored' | 'already-set' | 'gone';

/**
 * Rewrites an instance's system metadata with `edit` as a compare-and-swap, so no
 * concurrent change to other keys (by the conductor) is lost; `edit` answers null to
 * leave it as it is. Returns false when the instance is gone.
 */
async function editSystemMetadata(svc: ComputeService, uuid: string, edit: (current: Record<string, string>) => Record<string, string> | null): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await svc.db.selectFrom('instances').select('system_metadata').where('uuid', '=', uuid).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) return false;
    const updated = edit(systemMetadataOf(row));
    if (!updated) return true;
    const result = await svc.db.updateTable('instances').set({ system_metadata: JSON.stringify(updated), updated_at: svc.now() })
      .where('uuid', '=', uuid).where('deleted_at', 'is', null).where('system_metadata', '=', row.system_metadata).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return true;
  }
  // Five lost races in a row: someone else keeps rewriting this instance; let the caller retry.
  throw new Error(`could not update the system metadata of instance ${uuid}: it kept changing`);
}

/** Stores the password unless one is set already (two racing posts cannot both win). */
export async function storePassword(svc: ComputeService, uuid: string, password: string): Promise<StoreResult> {
  let alreadySet = false;
  const found = await editSystemMetadata(svc, uuid, (current) => {
    alreadySet = passwordOf(current) !== null;
    return alreadySet ? null : { ...current, ...passwordItems(password) };
  });
  if (!found) return 'gone';
  return alreadySet ? 'already-set' : 'stored';
}

/** Forgets the stored password (DELETE os-server-password). */
export async function clearPassword(svc: ComputeService, uuid: string): Promise<void> {
  await editSystemMetadata(svc, uuid, (current) => Object.fromEntries(Object.entries(current).filter(([k]) => !k.startsWith('password_'))));
}
