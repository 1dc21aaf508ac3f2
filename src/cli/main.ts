#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../core/config/index.js';
import { registerAdminCommands } from './admin-commands.js';
import { startAllInOne } from './all-in-one.js';

const program = new Command();
program.name('stratus').description('An OpenStack-compatible cloud in one command.');

const withCommonFlags = (cmd: Command): Command => cmd
  .option('--data-dir <dir>', 'data directory (default ~/.stratus, or STRATUS_DATA_DIR)')
  .option('--port-offset <n>', 'add N to every listening port')
  .option('--config-file <file>', 'stratus.conf to read (default <data-dir>/stratus.conf)');

withCommonFlags(program.command('up'))
  .description('run the all-in-one cloud in the foreground')
  .option('--fake-hosts <n>', 'run N fake compute hosts (fake-host-1..N) instead of one ([compute] fake_hosts)')
  .option('--guest-image', 'build the Stratus guest and register it as image stratus-guest ([compute] register_guest_image)')
  .action(async (flags: { dataDir?: string; portOffset?: string; configFile?: string; fakeHosts?: string; guestImage?: boolean }) => {
    if (flags.fakeHosts !== undefined) process.env['STRATUS_COMPUTE_FAKE_HOSTS'] = flags.fakeHosts;
    if (flags.guestImage) process.env['STRATUS_COMPUTE_REGISTER_GUEST_IMAGE'] = 'true';
    const started = Date.now();
    const cloud = await startAllInOne(flags);
    const say = (line = ''): boolean => process.stdout.write(`${line}\n`);
    say(`Identity (Keystone v3)  ${cloud.identityUrl}/v3`);
    say(`Image (Glance v2)       ${cloud.imageUrl}/v2`);
    say(`Network (Neutron v2.0)  ${cloud.networkUrl}/v2.0  (${cloud.dataplane} dataplane)`);
    say(`Placement               ${cloud.placementUrl}`);
    say(`Compute (Nova v2.1)     ${cloud.computeUrl}  (${cloud.computeDriver} driver)`);
    say(`Metadata (guests)       ${cloud.metadataUrl}/openstack  (signed proxy requests or fixed IPs)`);
    say(`Console proxy (noVNC)   ${cloud.consoleUrl}  (openstack console url show SERVER)`);
    say(`Admin user              admin / ${cloud.adminPassword} (project admin, domain Default)`);
    say(`clouds.yaml             ${cloud.cloudsYaml}  (clouds: stratus, stratus-demo, stratus-system-admin)`);
    say(`openrc                  ${cloud.openrc}`);
    say();
    if (cloud.guestImage) say(`Guest image             ${cloud.guestImage.name} (${cloud.guestImage.id}), flavor m1.tiny: openstack server create --image ${cloud.guestImage.name} --flavor m1.tiny --network NET --key-name KEY --wait vm1`);
    say(`Try:  OS_CLIENT_CONFIG_FILE=${cloud.cloudsYaml} OS_CLOUD=stratus openstack token issue`);
    say(`  or: source ${cloud.openrc} && openstack catalog list`);
    say();
    say(`Stratus is ready (${Date.now() - started} ms). Press Ctrl-C to stop.`);
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      say(`\n${signal}: stopping Stratus...`);
      void cloud.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

registerAdminCommands(program, withCommonFlags);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`stratus: ${message}\n`);
  process.exit(1);
});
