import { isUniqueViolation } from '../../core/db/index.js';
import type { KeyPairRow } from '../db/schema.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import type { ComputeService } from '../service.js';
import { limitsFor } from './quotas.js';
import { generateSshKeyPair, generateX509KeyPair, sshFingerprint, x509Fingerprint } from './ssh-keys.js';

export type KeyType = 'ssh' | 'x509';

export interface NewKeyPair {
  name: string;
  userId: string;
  /** The caller's project, whose (or whose user's) key_pairs limit applies, as in Nova. */
  projectId: string;
  type: KeyType;
  /** Absent: Nova generates the pair and returns the private key once. */
  publicKey?: string;
}

export const keypairNotFound = (name: string, userId: string) => notFound(`Keypair ${name} not found for user ${userId}`);

export async function getKeyPair(svc: ComputeService, userId: string, name: string): Promise<KeyPairRow> {
  const row = await svc.db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  if (!row) throw keypairNotFound(name, userId);
  return row;
}

export async function listKeyPairs(svc: ComputeService, userId: string, page: { limit?: number; marker?: string }): Promise<KeyPairRow[]> {
  let q = svc.db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).orderBy('id');
  if (page.marker !== undefined) {
    const at = await svc.db.selectFrom('key_pairs').select('id').where('user_id', '=', userId).where('name', '=', page.marker).executeTakeFirst();
    if (!at) throw badRequest(`Marker ${page.marker} could not be found.`);
    q = q.where('id', '>', at.id);
  }
  if (page.limit !== undefined) q = q.limit(page.limit);
  return q.execute();
}

/** Imports or generates a key pair; the private key is returned only when generated. */
export async function createKeyPair(svc: ComputeService, input: NewKeyPair): Promise<{ row: KeyPairRow; privateKey?: string }> {
  // One user's creations are serialised, so parallel requests cannot both take the last place.
  return svc.quotaLocks.run(`key_pairs:${input.userId}`, async () => {
    const limit = (await limitsFor(svc, input.projectId, input.userId)).key_pairs;
    if (limit >= 0) {
      const { count } = await svc.db.selectFrom('key_pairs').select((eb) => eb.fn.countAll<number>().as('count')).where('user_id', '=', input.userId).executeTakeFirstOrThrow();
      if (Number(count) >= limit) throw forbidden('Quota exceeded, too many key pairs.');
    }
    return insertKeyPair(svc, input);
  });
}

async function insertKeyPair(svc: ComputeService, input: NewKeyPair): Promise<{ row: KeyPairRow; privateKey?: string }> {
  let publicKey = input.publicKey;
  let fingerprint: string | undefined;
  let privateKey: string | undefined;
  if (publicKey === undefined) {
    const made = input.type === 'x509' ? await generateX509KeyPair(input.userId) : generateSshKeyPair('Generated-by-Nova');
    ({ publicKey, fingerprint, privateKey } = made);
  } else {
    fingerprint = input.type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
    if (!fingerprint) throw badRequest('Keypair data is invalid: failed to generate fingerprint');
  }
  const values = { name: input.name, user_id: input.userId, fingerprint, public_key: publicKey, type: input.type, created_at: svc.now() };
  try {
    await svc.db.insertInto('key_pairs').values(values).execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`Key pair '${input.name}' already exists.`);
    throw e;
  }
  const row = await getKeyPair(svc, input.userId, input.name);
  return { row, ...(privateKey !== undefined ? { privateKey } : {}) };
}

export async function deleteKeyPair(svc: ComputeService, userId: string, name: string): Promise<void> {
  const r = await svc.db.deleteFrom('key_pairs').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw keypairNotFound(name, userId);
}
