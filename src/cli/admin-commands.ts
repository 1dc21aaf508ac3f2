import type { Command } from 'commander';
import { createLogger } from '../core/log.js';
import { identitySettingsFrom } from '../identity/options.js';
import { bootstrap } from '../identity/setup.js';
import { initialize, rotate } from '../identity/tokens/index.js';
import { InProcessPlacementClient } from '../placement/contract/in-process.js';
import { catalogServices, openConfiguredIdentity, openConfiguredImage, openConfiguredNetwork, openConfiguredPlacement, openConfiguredCompute } from './all-in-one.js';
import type { CommonFlags } from './load-config.js';
import { loadProcessConfig } from './load-config.js';
import { allInOneOptions, type AllInOneConfig } from './options.js';
import { loadBootstrapSecrets } from './secrets.js';

type WithFlags = (cmd: Command) => Command;

type Opened = Awaited<ReturnType<typeof openConfiguredIdentity>> & { dataDir: string; config: AllInOneConfig };

/** Opens identity as configured, runs `work`, closes it. */
async function withIdentity(flags: CommonFlags, work: (ctx: Opened) => Promise<void>): Promise<void> {
  const { config, dataDir } = loadProcessConfig(allInOneOptions, flags);
  const opened = await openConfiguredIdentity(config, dataDir, createLogger({ level: 'warn' }));
  try {
    await work({ ...opened, dataDir, config });
  } finally {
    await opened.database.close();
  }
}

/** Operator commands for split deployments: schema sync, bootstrap and key rotation. */
export function registerAdminCommands(program: Command, withCommonFlags: WithFlags): void {
  const db = program.command('db').description('database administration');
  withCommonFlags(db.command('sync'))
    .description('create or upgrade every service schema to the latest version')
    .action(async (flags: CommonFlags) => {
      await withIdentity(flags, async ({ database, config, dataDir }) => {
        process.stdout.write(`identity schema is up to date (${database.engine}: ${database.location})\n`);
        const noLimits = { limitsFor: async () => new Map<string, number>() };
        const image = await openConfiguredImage(config, dataDir, createLogger({ level: 'warn' }), noLimits);
        await image.database.close();
        process.stdout.write(`image schema is up to date (${image.database.engine}: ${image.database.location})\n`);
        const network = await openConfiguredNetwork(config, dataDir, createLogger({ level: 'warn' }));
        await network.database.close();
        process.stdout.write(`network schema is up to date (${network.database.engine}: ${network.database.location})\n`);
        const placement = await openConfiguredPlacement(config, dataDir, createLogger({ level: 'warn' }));
        process.stdout.write(`placement schema is up to date (${placement.database.engine}: ${placement.database.location})\n`);
        const compute = await openConfiguredCompute(config, dataDir, createLogger({ level: 'warn' }), new InProcessPlacementClient(placement.svc));
        await compute.database.close();
        await placement.database.close();
        process.stdout.write(`compute schema is up to date (${compute.database.engine}: ${compute.database.location})\n`);
      });
    });

  withCommonFlags(program.command('bootstrap'))
    .description('create the default domain, admin/demo accounts, roles, region and catalog')
    .action(async (flags: CommonFlags) => {
      await withIdentity(flags, async ({ svc, dataDir, config }) => {
        const secrets = loadBootstrapSecrets(dataDir, config.identity.admin_password);
        const services = catalogServices(config);
        await bootstrap(svc, { ...secrets, region: config.DEFAULT.region_name, services });
        process.stdout.write(`bootstrapped identity at ${services[0]?.urls.public}/v3 (admin password in ${dataDir}/bootstrap-secrets.json)\n`);
      });
    });

  const identity = program.command('identity').description('identity administration');
  withCommonFlags(identity.command('fernet-setup'))
    .description('create the Fernet key repository if it does not exist')
    .action((flags: CommonFlags) => {
      const { config, dataDir } = loadProcessConfig(allInOneOptions, flags);
      const dir = identitySettingsFrom(config, dataDir, null).fernetKeyRepository;
      initialize(dir);
      process.stdout.write(`Fernet keys ready in ${dir}\n`);
    });
  withCommonFlags(identity.command('fernet-rotate'))
    .description('rotate Fernet keys: staged key becomes primary, a new staged key is made, the oldest are purged')
    .action((flags: CommonFlags) => {
      const { config, dataDir } = loadProcessConfig(allInOneOptions, flags);
      const settings = identitySettingsFrom(config, dataDir, null);
      initialize(settings.fernetKeyRepository);
      rotate(settings.fernetKeyRepository, settings.maxActiveKeys);
      process.stdout.write(`rotated Fernet keys in ${settings.fernetKeyRepository}\n`);
    });
}
