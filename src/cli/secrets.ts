import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BootstrapSecrets {
  adminPassword: string;
  demoPassword: string;
  /**
   * Key metadata proxies sign instance ids with, used when [metadata]
   * metadata_proxy_shared_secret is not set; the network's metadata proxy reads it here.
   */
  metadataProxySharedSecret: string;
}

/**
 * Passwords of the bootstrap users and the metadata proxy secret: generated once, kept
 * in the data dir (0600) so every restart uses the same ones. A configured admin
 * password wins.
 */
export function loadBootstrapSecrets(dataDir: string, configuredAdmin: string | null): BootstrapSecrets {
  const file = join(dataDir, 'bootstrap-secrets.json');
  let stored: Partial<BootstrapSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<BootstrapSecrets>;
  const secrets: BootstrapSecrets = {
    adminPassword: configuredAdmin ?? stored.adminPassword ?? randomBytes(12).toString('base64url'),
    demoPassword: stored.demoPassword ?? randomBytes(12).toString('base64url'),
    metadataProxySharedSecret: stored.metadataProxySharedSecret ?? randomBytes(32).toString('hex'),
  };
  if (secrets.adminPassword !== stored.adminPassword || secrets.demoPassword !== stored.demoPassword
    || secrets.metadataProxySharedSecret !== stored.metadataProxySharedSecret) {
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets;
}
