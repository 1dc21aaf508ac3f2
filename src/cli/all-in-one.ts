import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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
import { LocalTokenValidator } from '../identity/auth/context.js';
import { RemoteLimitReader, ServiceSession } from '../identity/contract/index.js';
import { createImageApp } from '../image/api/index.js';
import { IMAGE_LIMIT_RESOURCES, type ProjectLimits } from '../image/domain/quotas.js';
import { imageSettingsFrom } from '../image/options.js';
import { openImage } from '../image/setup.js';
import { createNetworkApp } from '../network/api/index.js';
import { NetworkAgent } from '../network/agent/network-agent.js';
import { hostDataplane, metadataSocketOf } from '../network/agent/host-dataplane.js';
import { addressResolverOverBus, MetadataAgent } from '../network/metadata-proxy/index.js';
import { httpComputeEvents } from '../network/contract/compute-events.js';
import { servePluginEndpoint } from '../network/rpc/plugin-endpoint.js';
import { InProcessBus } from '../core/bus/index.js';
import { networkSettingsFrom } from '../network/options.js';
import { openNetwork } from '../network/setup.js';
import { createComputeApp } from '../compute/api/index.js';
import { configDriveFiles, createMetadataApp, MetadataService } from '../compute/metadata/index.js';
import { startConsoleProxy } from '../compute/console/index.js';
import { CONSOLE_PROXY_PORT, computeSettingsFrom, metadataSettingsFrom } from '../compute/options.js';
import { openCompute } from '../compute/setup.js';
import { createPlacementApp } from '../placement/api/index.js';
import type { PlacementClient } from '../placement/contract/client.js';
import { InProcessPlacementClient } from '../placement/contract/in-process.js';
import { ComputeController } from '../compute/conductor/controller.js';
import { startComputeHosts } from './compute-hosts.js';
import { GUEST_IMAGE_NAME, registerGuestImage } from './guest-image-registration.js';
import { fakeHostUnderlay } from './fake-host-underlay.js';
import { ImageClient } from '../image/contract/client.js';
import { NetworkClient } from '../network/contract/client.js';
import { openPlacement } from '../placement/setup.js';
import { writeClientFiles } from './clouds.js';
import { loadProcessConfig, type CommonFlags } from './load-config.js';
import { allInOneOptions, type AllInOneConfig } from './options.js';
import { loadBootstrapSecrets } from './secrets.js';

/** Something started that must be stopped on shutdown, newest first. */
type Closer = () => Promise<void>;

export interface RunningCloud {
  identityUrl: string;
  imageUrl: string;
  networkUrl: string;
  placementUrl: string;
  computeUrl: string;
  /** Where guests' metadata proxies reach the metadata service (not in the catalog, as in OpenStack). */
  metadataUrl: string;
  /** What console URLs start with (the noVNC proxy, [vnc] novncproxy_base_url). */
  consoleUrl: string;
  /** What the hosts run on: the dataplane and the virt driver. */
  dataplane: string;
  computeDriver: string;
  /** The registered Stratus guest image ([compute] register_guest_image). */
  guestImage?: { name: string; id: string };
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

/** The image service opened as the configuration says; `limits` is where its quotas come from. */
export function openConfiguredImage(config: AllInOneConfig, dataDir: string, log: Logger, limits: ProjectLimits): ReturnType<typeof openImage> {
  const policyFile = policyFileOf(config, dataDir);
  return openImage({
    connection: databaseUrl(config, dataDir), settings: imageSettingsFrom(config, dataDir), limits,
    clock: systemClock, ids: randomIds, log, ...(policyFile ? { policyFile } : {}),
  });
}

/** The network service opened as the configuration says. */
export function openConfiguredNetwork(config: AllInOneConfig, dataDir: string, log: Logger): ReturnType<typeof openNetwork> {
  const policyFile = policyFileOf(config, dataDir);
  return openNetwork({
    connection: databaseUrl(config, dataDir), settings: networkSettingsFrom(config),
    clock: systemClock, ids: randomIds, log, ...(policyFile ? { policyFile } : {}),
  });
}

/** The placement service opened as the configuration says. */
export function openConfiguredPlacement(config: AllInOneConfig, dataDir: string, log: Logger): ReturnType<typeof openPlacement> {
  const policyFile = policyFileOf(config, dataDir);
  return openPlacement({ connection: databaseUrl(config, dataDir), clock: systemClock, ids: randomIds, log, ...(policyFile ? { policyFile } : {}) });
}

/** The compute service opened as the configuration says. */
export function openConfiguredCompute(config: AllInOneConfig, dataDir: string, log: Logger, placement: PlacementClient): ReturnType<typeof openCompute> {
  const policyFile = policyFileOf(config, dataDir);
  return openCompute({
    connection: databaseUrl(config, dataDir), settings: computeSettingsFrom(config), placement,
    clock: systemClock, ids: randomIds, log, ...(policyFile ? { policyFile } : {}),
  });
}

/** Glance's default unified limits: generous, so a fresh cloud is usable; sizes in MiB. */
const IMAGE_DEFAULT_LIMITS: Record<keyof typeof IMAGE_LIMIT_RESOURCES, number> = {
  image_size_total: 1024 * 1024,
  image_stage_total: 1024 * 1024,
  image_count_total: 1000,
  image_count_uploading: 100,
};

/** The services this process kind registers in the catalog, at their configured URLs. */
export function catalogServices(config: AllInOneConfig): CatalogService[] {
  const host = config.DEFAULT.public_host ?? config.DEFAULT.bind_host;
  const url = (port: number, path = ''): { public: string; internal: string; admin: string } => {
    const u = `http://${host}:${port + config.DEFAULT.port_offset}${path}`;
    return { public: u, internal: u, admin: u };
  };
  return [
    { type: 'identity', name: 'keystone', description: 'Identity', urls: url(config.identity.port) },
    {
      type: 'image', name: 'glance', description: 'Image', urls: url(config.image.port),
      registeredLimits: Object.entries(IMAGE_DEFAULT_LIMITS).map(([resource, defaultLimit]) => ({
        resource, defaultLimit, description: IMAGE_LIMIT_RESOURCES[resource as keyof typeof IMAGE_LIMIT_RESOURCES],
      })),
    },
    { type: 'network', name: 'neutron', description: 'Network', urls: url(config.network.port) },
    { type: 'placement', name: 'placement', description: 'Placement', urls: url(config.placement.port) },
    { type: 'compute', name: 'nova', description: 'Compute', urls: url(config.compute.port, '/v2.1') },
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

    const imagePort = config.image.port + offset;
    const imageUrl = `http://${publicHost}:${imagePort}`;
    // The image service reads its quotas from identity over HTTP with a service
    // session, exactly as it would on another machine; tokens it validates in-process.
    // System scope, as Glance's [oslo_limit] system_scope = all: a project-scoped token
    // would see only its own project's limits, never another project's override.
    const session = new ServiceSession(identityUrl, { username: 'admin', password: secrets.adminPassword, projectName: 'admin', systemScope: 'all' });
    const image = await openConfiguredImage(config, dataDir, log, new RemoteLimitReader(session, 'image', config.DEFAULT.region_name));
    closers.push(() => image.database.close());
    closers.push(() => image.svc.drain());
    const imageApp = createImageApp(image.svc, { bodyLimit: config.oslo_middleware.max_request_body_size, tokens: new LocalTokenValidator(svc.tokens) });
    closers.push(() => imageApp.close());
    await imageApp.listen({ host, port: imagePort });

    const networkPort = config.network.port + offset;
    const networkUrl = `http://${publicHost}:${networkPort}`;
    const network = await openConfiguredNetwork(config, dataDir, log);
    closers.push(() => network.database.close());
    // The in-process bus carries what RabbitMQ carries when the cloud is split.
    const bus = new InProcessBus({ onHandlerError: (err, request) => log.error({ err, method: request.method }, 'bus handler failed') });
    closers.push(() => bus.close());
    network.svc.notifier.connect(bus);
    closers.push(async () => network.svc.notifier.close());
    await servePluginEndpoint(bus, network.svc);
    const agentHost = config.DEFAULT.host ?? hostname();
    const metadataPort = config.metadata.port + offset;
    // A real dataplane serves guests metadata: proxies in its namespaces reach the
    // metadata service through this agent, which signs each request's instance id.
    let metadataSocket: string | undefined;
    if (config.network.dataplane === 'linux') {
      metadataSocket = metadataSocketOf(config.network.namespace_prefix, agentHost);
      const metadataAgent = new MetadataAgent({
        socketPath: metadataSocket, metadataUrl: `http://${host}:${metadataPort}`, log,
        sharedSecret: metadataSettingsFrom(config, secrets.metadataProxySharedSecret).sharedSecret ?? secrets.metadataProxySharedSecret, resolve: addressResolverOverBus(bus),
      });
      await metadataAgent.start();
      closers.push(() => metadataAgent.close());
    }
    // Fake hosts on the linux dataplane stand in namespaces on a local underlay (see fake-host-underlay.ts).
    const underlay = config.network.dataplane === 'linux' && config.compute.fake_hosts > 0 ? await fakeHostUnderlay(config, log) : undefined;
    if (underlay) closers.push(() => underlay.remove());
    const { dataplane, agent: agentRoles } = hostDataplane(config, dataDir, agentHost, log, { ...(metadataSocket ? { metadataSocket } : {}), ...(underlay ? { tunnelingIp: underlay.mainVtep } : {}) });
    const agent = new NetworkAgent(bus, dataplane, {
      host: agentHost, availabilityZone: config.DEFAULT.default_availability_zone, reportInterval: config.network.report_interval, ...agentRoles,
    }, log);
    const networkApp = createNetworkApp(network.svc, { bodyLimit: config.oslo_middleware.max_request_body_size, tokens: new LocalTokenValidator(svc.tokens) });
    closers.push(() => networkApp.close());
    await networkApp.listen({ host, port: networkPort });
    // The API answers while the agent brings the host in line (a resync of a busy host takes a while).
    await agent.start();
    closers.push(() => agent.stop());

    const placementPort = config.placement.port + offset;
    const placementUrl = `http://${publicHost}:${placementPort}`;
    const placement = await openConfiguredPlacement(config, dataDir, log);
    closers.push(() => placement.database.close());
    const placementApp = createPlacementApp(placement.svc, { bodyLimit: config.oslo_middleware.max_request_body_size, tokens: new LocalTokenValidator(svc.tokens) });
    closers.push(() => placementApp.close());
    await placementApp.listen({ host, port: placementPort });

    const computePort = config.compute.port + offset;
    const computeUrl = `http://${publicHost}:${computePort}/v2.1`;
    const compute = await openConfiguredCompute(config, dataDir, log, new InProcessPlacementClient(placement.svc));
    closers.push(() => compute.database.close());
    // Compute reaches network and image over HTTP, with the caller's token to check what
    // a user may use and with the service account's to make and bind ports.
    const serviceToken = (renew: boolean): Promise<string> => session.token(renew);
    const agentClients = { network: new NetworkClient(`http://${host}:${networkPort}`, serviceToken), image: new ImageClient(`http://${host}:${imagePort}`, serviceToken) };
    // The metadata service reads instances from the compute database and their ports
    // through the network service as the compute service account; the conductor hands
    // the same documents to hosts writing config drives.
    const metadata = new MetadataService(compute.svc, agentClients.network, metadataSettingsFrom(config, secrets.metadataProxySharedSecret));
    const controller = new ComputeController(bus, compute.svc, config.DEFAULT.host ?? hostname(), log, {
      configDriveFiles: async (uuid) => {
        const source = await metadata.sourceOf(uuid);
        return source ? configDriveFiles(source, { randomBytes }) : null;
      },
    });
    await controller.start();
    closers.push(() => controller.stop());
    compute.svc.connect(bus, {
      network: (token) => new NetworkClient(`http://${host}:${networkPort}`, async () => token),
      image: (token) => new ImageClient(`http://${host}:${imagePort}`, async () => token),
    });
    closers.push(...await startComputeHosts(bus, config, dataDir, agentClients, log, {
      networkAgentOnMainHost: true,
      dataplaneFor: (fakeHost) => hostDataplane(config, dataDir, fakeHost, log, underlay?.hosts.has(fakeHost) ? { fakeHost: { hostNamespace: underlay.hosts.get(fakeHost)!.namespace, tunnelingIp: underlay.hosts.get(fakeHost)!.vtep } } : {}),
      placeOf: (fakeHost) => {
        const place = underlay?.hosts.get(fakeHost);
        return place ? { namespace: place.namespace, ip: place.vtep } : undefined;
      },
    }));
    // Ports the agents plug are told to compute (network-vif-plugged), over its API as Neutron does.
    network.svc.computeEvents = httpComputeEvents(`http://${host}:${computePort}/v2.1`, serviceToken, log);
    const computeApp = createComputeApp(compute.svc, { bodyLimit: config.oslo_middleware.max_request_body_size, tokens: new LocalTokenValidator(svc.tokens) });
    closers.push(() => computeApp.close());
    await computeApp.listen({ host, port: computePort });
    // The console proxy (nova-novncproxy) next to the compute API, as on a controller.
    const consoleProxy = await startConsoleProxy(compute.svc, { host, port: CONSOLE_PROXY_PORT + offset });
    closers.push(() => consoleProxy.close());
    const consoleUrl = compute.svc.settings.novncProxyBaseUrl;
    log.info({ url: consoleUrl }, 'console proxy listening');

    const metadataUrl = `http://${publicHost}:${metadataPort}`;
    const metadataApp = createMetadataApp(metadata, { bodyLimit: config.oslo_middleware.max_request_body_size });
    closers.push(() => metadataApp.close());
    await metadataApp.listen({ host, port: metadataPort });
    const files = writeClientFiles(dataDir, `${identityUrl}/v3`, config.DEFAULT.region_name,
      { username: 'admin', password: secrets.adminPassword, project: 'admin' },
      { username: 'demo', password: secrets.demoPassword, project: 'demo' });
    const guestImage = config.compute.register_guest_image
      ? { name: GUEST_IMAGE_NAME, id: await registerGuestImage(agentClients.image, compute.svc, log) }
      : undefined;
    return { identityUrl, imageUrl, networkUrl, placementUrl, computeUrl, metadataUrl, consoleUrl, dataplane: config.network.dataplane, computeDriver: config.compute.compute_driver,
      ...(guestImage ? { guestImage } : {}), cloudsYaml: files.cloudsYaml, openrc: files.openrc, adminPassword: secrets.adminPassword, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
