import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../core/clock.js';
import { randomIds } from '../core/ids.js';
import { createLogger, type Logger } from '../core/log.js';
import { createIdentityApp } from '../identity/api/index.js';
import { identitySettingsFrom } from '../identity/options.js';
import { bootstrap, openIdentity } from '../identity/setup.js';
import type { CatalogService } from '../identity/bootstrap.js';
import { writeClientFiles } from './clouds.js';
import { loadProcessConfig, type CommonFlags } from './load-config.js';
import { allInOneOptions, type AllInOneConfig } from './options.js';
import { loadBootstrapSecrets } from './secrets.js';

/** Something started that must be stopped on shutdown, newest first. */
type Closer = () => Promise<void>;

export interface RunningCloud {
  identityUrl: string;
  cloudsYaml: string;
  openrc: string;
  adminPassword: string;
  stop(): Promise<void>;
}

export function databaseUrl(config: AllInOneConfig, dataDir: string): string {
  return config.database.connection ?? `sqlite://${join(dataDir, 'db')}`;
}

export function policyFileOf(config: AllInOneConfig, dataDir: string): string | undefined {
  const file = config.oslo_policy.policy_file ?? join(dataDir, 'policy.yaml');
  return existsSync(file) ? file : undefined;
}

/** Identity opened as the configuration says (database, keys, policy file). */
export function openConfiguredIdentity(config: AllInOneConfig, dataDir: string, log: Logger): ReturnType<typeof openIdentity> {
  const policyFile = policyFileOf(config, dataDir);
  return openIdentity({
    connection: databaseUrl(config, dataDir), settings: identitySettingsFrom(config, dataDir, null),
    clock: systemClock, ids: randomIds, log, ...(policyFile ? { policyFile } : {}),
  });
}

/** The services this process kind registers in the catalog, at their configured URLs. */
export function catalogServices(config: AllInOneConfig): CatalogService[] {
  const host = config.DEFAULT.public_host ?? config.DEFAULT.bind_host;
  const identityUrl = `http://${host}:${config.identity.port + config.DEFAULT.port_offset}`;
  return [
    { type: 'identity', name: 'keystone', description: 'Identity', urls: { public: identityUrl, internal: identityUrl, admin: identityUrl } },
  ];
}

/**
 * The all-in-one composition root: every service of the cloud in this one process,
 * each on its own port, bootstrapped and with client files written.
 */
export async function startAllInOne(flags: CommonFlags): Promise<RunningCloud> {
  const { config, dataDir } = loadProcessConfig(allInOneOptions, flags);
  const log: Logger = createLogger({
    level: config.DEFAULT.debug ? 'debug' : 'info',
    destination: config.DEFAULT.log_file ?? join(dataDir, 'stratus.log'),
  });
  const closers: Closer[] = [];
  const stop = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((e: unknown) => log.error({ err: e }, 'shutdown step failed'));
    closers.length = 0;
    log.flush();
  };
  try {
    const offset = config.DEFAULT.port_offset;
    const host = config.DEFAULT.bind_host;
    const publicHost = config.DEFAULT.public_host ?? host;
    const identityPort = config.identity.port + offset;
    const identityUrl = `http://${publicHost}:${identityPort}`;
    const { svc, database } = await openConfiguredIdentity(config, dataDir, log);
    closers.push(() => database.close());
    const secrets = loadBootstrapSecrets(dataDir, config.identity.admin_password);
    await bootstrap(svc, { ...secrets, region: config.DEFAULT.region_name, services: catalogServices(config) });
    const app: FastifyInstance = createIdentityApp(svc, { bodyLimit: config.oslo_middleware.max_request_body_size });
    closers.push(() => app.close());
    await app.listen({ host, port: identityPort });
    const files = writeClientFiles(dataDir, `${identityUrl}/v3`, config.DEFAULT.region_name,
      { username: 'admin', password: secrets.adminPassword, project: 'admin' },
      { username: 'demo', password: secrets.demoPassword, project: 'demo' });
    return { identityUrl, cloudsYaml: files.cloudsYaml, openrc: files.openrc, adminPassword: secrets.adminPassword, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
