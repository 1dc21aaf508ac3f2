import { randomBytes, randomUUID } from 'node:crypto';

/** Generates resource ids; injected so tests can make them predictable. */
export interface IdGenerator {
  /** A 32-character lower-case hex id, the form Keystone uses (uuid4().hex). */
  hex(): string;
  /** A canonical 8-4-4-4-12 UUID, the form Nova, Neutron and Glance use. */
  uuid(): string;
  /** URL-safe random string of `bytes` random bytes, unpadded. */
  secret(bytes: number): string;
}

export const randomIds: IdGenerator = {
  hex: () => randomUUID().replace(/-/g, ''),
  uuid: () => randomUUID(),
  secret: (bytes) => randomBytes(bytes).toString('base64url'),
};
