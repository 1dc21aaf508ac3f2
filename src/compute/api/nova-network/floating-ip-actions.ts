import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../../../core/auth/index.js';
import type { InstanceRow } from '../../db/schema.js';
import { associateFloatingIp, disassociateFloatingIp, floatingIpsAt } from '../../domain/floating-ip-proxy.js';
import { getInstance } from '../../domain/instances.js';
import { conflict, notFound } from '../../errors.js';
import type { ComputeService } from '../../service.js';
import { checkBody } from '../validate.js';
import { checkIpAddress } from './proxy-request.js';

const AddFloatingIp = Type.Object({
  addFloatingIp: Type.Object({ address: Type.String(), fixed_address: Type.Optional(Type.String()) }, { additionalProperties: false }),
}, { additionalProperties: false });
const RemoveFloatingIp = Type.Object({
  removeFloatingIp: Type.Object({ address: Type.String() }, { additionalProperties: false }),
}, { additionalProperties: false });

/**
 * The addFloatingIp / removeFloatingIp server actions, removed at 2.44 (404 from then on,
 * as Nova answers a versioned action it no longer has).
 */
export async function floatingIpAction(svc: ComputeService, request: FastifyRequest, row: InstanceRow, key: 'addFloatingIp' | 'removeFloatingIp', reply: FastifyReply): Promise<unknown> {
  if (request.apiVersion.atLeast('2.44')) throw notFound('The resource could not be found.');
  const ctx = callerOf(request);
  const net = svc.clients.network(ctx.token);
  if (key === 'addFloatingIp') {
    const args = checkBody(AddFloatingIp, request.body).addFloatingIp;
    const address = checkIpAddress(args.address, 'address');
    const fixed = args.fixed_address === undefined ? undefined : checkIpAddress(args.fixed_address, 'fixed_address');
    svc.authorize(ctx, 'os_compute_api:os-floating-ips:add', { project_id: row.project_id });
    await associateFloatingIp(svc, net, row, address, fixed);
    return reply.status(202).send();
  }
  const address = checkIpAddress(checkBody(RemoveFloatingIp, request.body).removeFloatingIp.address, 'address');
  const found = await floatingIpsAt(net, address);
  if (found.length === 0) throw notFound(`Floating IP not found for address ${address}.`);
  if (found.length > 1) throw conflict(`Multiple floating IPs are found for address ${address}.`);
  const fip = found[0]!;
  // The policy target is the server the address points at, when there is one (Nova looks it up first).
  const owner = fip.port_id && fip.port_details?.device_id ? await getInstance(svc, ctx, fip.port_details.device_id) : undefined;
  svc.authorize(ctx, 'os_compute_api:os-floating-ips:remove', owner ? { project_id: owner.project_id } : {});
  await disassociateFloatingIp(svc, net, row.uuid, fip);
  return reply.status(202).send();
}
