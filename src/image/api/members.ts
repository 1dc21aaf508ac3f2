import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { BadRequestError } from '../../core/http/index.js';
import { addMember, memberOf, membersOf, removeMember, setMemberStatus } from '../domain/members.js';
import type { ImageService } from '../service.js';
import type { Guard, IdParams } from './kit.js';
import { memberView } from './view.js';

type MemberParams = IdParams & { member: string };

function memberToAdd(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | undefined;
  if (body === undefined || body === null) throw new BadRequestError('Body expected in request.');
  if (typeof body !== 'object' || !('member' in body)) throw new BadRequestError('Member to be added not specified');
  const member = body['member'];
  if (typeof member !== 'string') throw new BadRequestError('Expected a member in the form: {"member": "image_id"}');
  if (member.trim() === '') throw new BadRequestError("Member can't be empty");
  return member;
}

export function registerMemberRoutes(app: FastifyInstance, svc: ImageService, authed: Guard): void {
  app.post<{ Params: IdParams }>('/v2/images/:id/members', authed, async (request) =>
    memberView(await addMember(svc, callerOf(request), request.params.id, memberToAdd(request))));

  app.get<{ Params: IdParams }>('/v2/images/:id/members', authed, async (request) => ({
    members: (await membersOf(svc, callerOf(request), request.params.id)).map(memberView),
    schema: '/v2/schemas/members',
  }));

  app.get<{ Params: MemberParams }>('/v2/images/:id/members/:member', authed, async (request) =>
    memberView(await memberOf(svc, callerOf(request), request.params.id, request.params.member)));

  app.put<{ Params: MemberParams }>('/v2/images/:id/members/:member', authed, async (request) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (body === undefined || body === null) throw new BadRequestError('Body expected in request.');
    return memberView(await setMemberStatus(svc, callerOf(request), request.params.id, request.params.member, body['status']));
  });

  app.delete<{ Params: MemberParams }>('/v2/images/:id/members/:member', authed, async (request, reply) => {
    await removeMember(svc, callerOf(request), request.params.id, request.params.member);
    return reply.status(204).send();
  });
}
