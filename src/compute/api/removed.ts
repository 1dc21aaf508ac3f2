import type { FastifyInstance } from 'fastify';
import { gone } from '../errors.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';

/**
 * APIs Nova removed but still routes, answering 410 Gone at every microversion (after
 * authentication, as Nova's removed controllers do): Xen's agents, cells v1, the
 * certificate and cloudpipe services, and nova-network's fixed IP, fping, DNS, bulk
 * floating IP and default security group rule calls.
 */
const REMOVED = [
  'os-agents', 'os-cells', 'os-certificates', 'os-cloudpipe', 'os-fixed-ips', 'os-fping', 'os-floating-ip-dns',
  'os-floating-ips-bulk', 'os-security-group-default-rules',
];

export function registerRemovedApiRoutes(app: FastifyInstance, _svc: ComputeService, authed: Guard): void {
  for (const base of REMOVED) {
    app.all(`/v2.1/${base}`, authed, gone);
    app.all(`/v2.1/${base}/*`, authed, gone);
  }
}
