import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { signInstanceId } from '../../compute/contract/metadata-signature.js';
import type { Logger } from '../../core/log.js';
import { answer, HOP_HEADERS, relay, without } from './relay.js';

/** Where a guest's request came from, as the namespace proxy says. */
export interface AddressQuery {
  networkId?: string;
  routerId?: string;
  /** The guest's address (X-Forwarded-For). */
  ip: string;
}

/** The instance holding an address, or null when none does. */
export type ResolveAddress = (query: AddressQuery) => Promise<{ instanceId: string; projectId: string } | null>;

export interface MetadataAgentOptions {
  /** The unix socket the namespace proxies connect to; a stale file there is replaced. */
  socketPath: string;
  /** The metadata service (`http://host:8775`); request paths are appended. */
  metadataUrl: string;
  /** [neutron] metadata_proxy_shared_secret: signs X-Instance-ID for the metadata service. */
  sharedSecret: string;
  resolve: ResolveAddress;
  log: Logger;
}

/** Identity headers: only this agent sets them, whatever a guest sent (and Host names the metadata service now). */
const DROPPED = [...HOP_HEADERS, 'host', 'x-forwarded-for', 'x-neutron-network-id', 'x-neutron-router-id', 'x-instance-id', 'x-instance-id-signature', 'x-tenant-id'];

const first = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  return s ? s : undefined;
};

/**
 * The host side of the metadata path (Neutron's neutron-metadata-agent): the namespace
 * proxies pass guests' requests here over a unix socket; it finds the instance behind
 * the guest's address on the named network or router, and passes the request on to
 * the metadata service signed as that instance (X-Instance-ID, its HMAC signature,
 * X-Tenant-ID, X-Forwarded-For), streaming the answer back as it comes.
 */
export class MetadataAgent {
  private server: Server | undefined;
  private readonly base: URL;

  constructor(private readonly opts: MetadataAgentOptions) {
    this.base = new URL(opts.metadataUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`metadata URL must be http(s): ${opts.metadataUrl}`);
  }

  /** Listens on the socket (mode 0600: the proxies run as root). Resolves once listening. */
  async start(): Promise<void> {
    const { socketPath } = this.opts;
    await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
    await rm(socketPath, { force: true });
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.log.error({ err, url: req.url }, 'metadata request failed');
        if (res.headersSent) res.destroy();
        else answer(res, 500, 'An unknown error has occurred. Please try your request again.\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    await chmod(socketPath, 0o600);
  }

  /** Stops listening, drops open connections and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await rm(this.opts.socketPath, { force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return answer(res, 405, 'Method not allowed\n');
    }
    const ip = first(req.headers, 'x-forwarded-for');
    const networkId = first(req.headers, 'x-neutron-network-id');
    const routerId = first(req.headers, 'x-neutron-router-id');
    if (!ip || (!networkId && !routerId)) return answer(res, 400, 'X-Forwarded-For and X-Neutron-Network-ID or X-Neutron-Router-ID are required\n');
    const owner = await this.opts.resolve({ ...(networkId ? { networkId } : {}), ...(routerId ? { routerId } : {}), ip });
    if (!owner) {
      this.opts.log.debug({ ip, networkId, routerId }, 'metadata request from an address no instance holds');
      return answer(res, 404, 'Not Found\n');
    }
    const headers = {
      ...without(req.headers, DROPPED),
      'x-forwarded-for': ip,
      'x-instance-id': owner.instanceId,
      'x-instance-id-signature': signInstanceId(this.opts.sharedSecret, owner.instanceId),
      'x-tenant-id': owner.projectId,
    };
    this.forward(req, res, headers);
  }

  private forward(req: IncomingMessage, res: ServerResponse, headers: IncomingHttpHeaders): void {
    const target = new URL(this.base.pathname.replace(/\/$/, '') + (req.url ?? '/'), this.base);
    relay(req, res, target, headers, (err) => this.opts.log.warn({ err, url: req.url }, 'metadata service unreachable'));
  }
}
