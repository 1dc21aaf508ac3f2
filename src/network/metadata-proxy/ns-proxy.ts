import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { HOP_HEADERS, relay, without } from './relay.js';

/**
 * The metadata proxy of one namespace (Neutron's haproxy in qdhcp-/qrouter-): takes the
 * guests' HTTP requests to 169.254.169.254 and passes them over a unix socket to the
 * host's metadata agent, which the namespace could not otherwise reach, saying who
 * asked (X-Forwarded-For) and from which network or router. It runs once per
 * namespace, started by MetadataProxies as
 *
 *   ip netns exec NS node ns-proxy.js --listen 169.254.169.254:80 --socket PATH
 *     (--network-id ID | --router-id ID) [--pid-file PATH]
 *
 * and so loads node: modules only (and relay.js beside it). The pid file is written
 * once it listens (that is how the starter knows it serves). SIGTERM ends it with status 0.
 */

/** Headers only the proxy may set: a guest must not choose whom it is taken for. */
const OWN_HEADERS = ['x-forwarded-for', 'x-neutron-network-id', 'x-neutron-router-id'];

interface ProxyOptions {
  host: string;
  port: number;
  socket: string;
  /** The header naming where the request came from, and its value. */
  origin: [name: string, value: string];
  pidFile: string | undefined;
}

function options(argv: string[]): ProxyOptions {
  const { values } = parseArgs({
    args: argv,
    options: { listen: { type: 'string' }, socket: { type: 'string' }, 'network-id': { type: 'string' }, 'router-id': { type: 'string' }, 'pid-file': { type: 'string' } },
  });
  const listen = /^\[?([^\]]*)\]?:(\d+)$/.exec(values.listen ?? '');
  if (!listen?.[1] || !listen[2]) throw new Error('--listen HOST:PORT is required');
  if (!values.socket) throw new Error('--socket PATH is required');
  const networkId = values['network-id'];
  const routerId = values['router-id'];
  if ((networkId === undefined) === (routerId === undefined)) throw new Error('exactly one of --network-id and --router-id is required');
  return {
    host: listen[1], port: Number(listen[2]), socket: values.socket, pidFile: values['pid-file'],
    origin: networkId !== undefined ? ['x-neutron-network-id', networkId] : ['x-neutron-router-id', routerId!],
  };
}

function forward(opts: ProxyOptions, req: IncomingMessage, res: ServerResponse): void {
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
  const headers = { ...without(req.headers, [...OWN_HEADERS, ...HOP_HEADERS]), 'x-forwarded-for': client, [opts.origin[0]]: opts.origin[1] };
  relay(req, res, { socketPath: opts.socket, path: req.url }, headers, (err) => {
    process.stderr.write(`metadata proxy: ${req.method} ${req.url} from ${client}: ${err.message}\n`);
  });
}

function main(): void {
  let opts: ProxyOptions;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`metadata proxy: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const server = createServer((req, res) => forward(opts, req, res));
  server.on('error', (err) => {
    process.stderr.write(`metadata proxy: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, opts.host, () => {
    if (opts.pidFile) writeFileSync(opts.pidFile, `${process.pid}\n`, { mode: 0o644 });
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
