import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a metadata proxy sends as X-Instance-ID-Signature: the hex HMAC-SHA256 of the
 * instance id keyed by the shared secret (Nova's and Neutron's metadata proxies agree on it).
 */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

/** Compares in constant time, so the signature cannot be guessed byte by byte. */
export function signatureMatches(secret: string, instanceId: string, signature: string): boolean {
  const expected = Buffer.from(signInstanceId(secret, instanceId), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
