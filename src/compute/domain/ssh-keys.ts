import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Key types an OpenSSH public key line may carry. */
const SSH_TYPES = new Set(['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com']);

function colonHex(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The first length-prefixed string of an SSH key blob. */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  return blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('latin1') : undefined;
}

/**
 * The MD5 fingerprint (aa:bb:...) of an OpenSSH public key line, as Nova computes it;
 * undefined when the text is not a well-formed public key of a known type.
 */
export function sshFingerprint(publicKey: string): string | undefined {
  const [type, data] = publicKey.trim().split(/\s+/);
  if (!type || !data || !SSH_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined;
  const blob = Buffer.from(data, 'base64');
  if (blobType(blob) !== type) return undefined;
  return colonHex(createHash('md5').update(blob).digest());
}

/** The SHA-1 fingerprint of a PEM X.509 certificate; undefined when it does not parse. */
export function x509Fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint.toLowerCase();
  } catch {
    return undefined;
  }
}

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

/** An SSH mpint: big-endian, with a zero byte in front when the top bit is set. */
function mpint(bytes: Buffer): Buffer {
  return sshString(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** A new RSA 2048 key pair: PEM (PKCS#1) private key and the OpenSSH public key line, as Nova generates. */
export function generateSshKeyPair(comment: string): { privateKey: string; publicKey: string; fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e, 'base64url')), mpint(Buffer.from(jwk.n, 'base64url'))]);
  const line = `ssh-rsa ${blob.toString('base64')} ${comment}`;
  return { privateKey, publicKey: line, fingerprint: colonHex(createHash('md5').update(blob).digest()) };
}

/** A new self-signed certificate and its key (Nova's x509 key pairs), made with Debian's openssl. */
export async function generateX509KeyPair(subject: string): Promise<{ privateKey: string; publicKey: string; fingerprint: string }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  // openssl reads the key from a file only it and we can read, removed straight after.
  const dir = await mkdtemp(join(tmpdir(), 'stratus-x509-'));
  try {
    const keyFile = join(dir, 'key.pem');
    await writeFile(keyFile, privateKey, { mode: 0o600 });
    const { stdout } = await run('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=${subject.replace(/[/\\=]/g, '_')}`, '-days', '3650', '-sha256']);
    return { privateKey, publicKey: stdout, fingerprint: x509Fingerprint(stdout)! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
