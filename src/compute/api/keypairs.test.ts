import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCaller, computeFixture, novaFault, type ComputeFixture } from '../test-support.js';

let f: ComputeFixture;
beforeAll(async () => { f = await computeFixture(); });
afterAll(async () => { await f.close(); });
const call = computeCaller(() => f);

// An ed25519 public key (from ssh-keygen) and its MD5 fingerprint.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGkPJ1hLoQ4pJ3nqSk6z6o7mXp3Xz0d8xO9yT8s1H7qK test@host';

describe('compute: key pairs', () => {
  it('generates an RSA pair whose private key matches; shows and lists per user', async () => {
    const made = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'gen-key' } }, '2.2');
    expect(made.statusCode, made.body).toBe(201);
    const kp = made.json().keypair;
    expect(kp).toMatchObject({ name: 'gen-key', user_id: 'u-demo', type: 'ssh' });
    expect(kp.public_key).toMatch(/^ssh-rsa AAAA\S+ Generated-by-Nova$/);
    expect(kp.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(createPrivateKey(kp.private_key).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const shown = await call('demo', 'GET', '/v2.1/os-keypairs/gen-key', undefined, '2.2');
    expect(shown.json().keypair).toMatchObject({ name: 'gen-key', fingerprint: kp.fingerprint, deleted: false, type: 'ssh', user_id: 'u-demo' });
    expect(shown.json().keypair).not.toHaveProperty('private_key');
    expect((await call('alt', 'GET', '/v2.1/os-keypairs/gen-key')).statusCode).toBe(404);
    const list = await call('demo', 'GET', '/v2.1/os-keypairs');
    expect(list.json().keypairs).toEqual([{ keypair: { name: 'gen-key', public_key: kp.public_key, fingerprint: kp.fingerprint } }]);
    const dup = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'gen-key' } });
    expect(novaFault(dup)).toEqual({ name: 'conflictingRequest', code: 409, message: "Key pair 'gen-key' already exists." });
    expect((await call('demo', 'DELETE', '/v2.1/os-keypairs/gen-key', undefined, '2.2')).statusCode).toBe(204);
    expect((await call('demo', 'DELETE', '/v2.1/os-keypairs/gen-key')).statusCode).toBe(404);
  });

  it('imports ssh keys, refuses bad keys and unsafe names; 2.92 requires a public key', async () => {
    const imported = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'imported', public_key: ED25519 } });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json().keypair).not.toHaveProperty('private_key');
    expect(imported.json().keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const bad = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'bad', public_key: 'ssh-rsa not-base64!' } });
    expect(novaFault(bad).message).toBe('Keypair data is invalid: failed to generate fingerprint');
    const unsafe = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'a@b', public_key: ED25519 } });
    expect(novaFault(unsafe).message).toBe('Keypair data is invalid: Keypair name contains unsafe characters');
    const at292 = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'a@b.c', public_key: ED25519 } }, '2.92');
    expect(at292.statusCode, at292.body).toBe(201);
    const noKey = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'nokey' } }, '2.92');
    expect(noKey.statusCode).toBe(400);
  });

  it('x509 pairs: generated certificate with a SHA-1 fingerprint', async () => {
    const made = await call('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'cert', type: 'x509' } }, '2.2');
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().keypair.public_key).toContain('-----BEGIN CERTIFICATE-----');
    expect(made.json().keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  });

  it('admins manage other users\' keys with user_id from 2.10; the quota holds', async () => {
    const forAlt = await call('admin', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'alts', public_key: ED25519, user_id: 'u-alt' } }, '2.10');
    expect(forAlt.statusCode, forAlt.body).toBe(201);
    expect((await call('alt', 'GET', '/v2.1/os-keypairs/alts')).statusCode).toBe(200);
    expect((await call('admin', 'GET', '/v2.1/os-keypairs?user_id=u-alt', undefined, '2.10')).json().keypairs).toHaveLength(1);
    const notAdmin = await call('demo', 'GET', '/v2.1/os-keypairs?user_id=u-alt', undefined, '2.10');
    expect(notAdmin.statusCode).toBe(403);
    const paged = await call('demo', 'GET', '/v2.1/os-keypairs?limit=1', undefined, '2.35');
    expect(paged.json().keypairs).toHaveLength(1);
    expect(paged.json().keypairs_links[0].href).toContain('marker=');
  });
});
