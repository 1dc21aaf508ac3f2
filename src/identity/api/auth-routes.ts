import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, ForbiddenError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { renderToken } from '../auth/token-data.js';
import { toBool } from '../store/db.js';
import { authorize, listBody, queryBool, queryParam, selfLink, type Guard } from './kit.js';
import { assignedScopes } from './scopes.js';
import { domainViews } from './domains.js';
import { projectViews } from './projects.js';
import { oauthHttpRequest } from './oauth1-flow.js';

function subjectToken(request: FastifyRequest): string {
  const token = request.headers['x-subject-token'];
  if (typeof token !== 'string' || token === '') throw new BadRequestError('X-Subject-Token header is required.');
  return token;
}

/** `?nocatalog` present (with any value) leaves the catalog out, as in Keystone. */
const wantsCatalog = (request: FastifyRequest): boolean => queryParam(request, 'nocatalog') === undefined;

/** /v3/auth/*: issuing, validating and revoking tokens, and what a token may reach. */
export function registerAuthRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.post('/v3/auth/tokens', async (request, reply) => {
    const headerToken = typeof request.headers['x-auth-token'] === 'string' ? request.headers['x-auth-token'] : undefined;
    const { auth, scope } = await svc.authenticator.authenticate(request.body, headerToken, oauthHttpRequest(svc, request, { withQuery: false }));
    const { token, data } = await svc.tokens.issue(auth, scope);
    const catalog = wantsCatalog(request) ? await svc.catalog.build() : undefined;
    return reply.status(201).header('x-subject-token', token).send({ token: renderToken(data, catalog) });
  });

  // HEAD has its own handler (no body, check_token policy): declared first, and GET
  // must not expose an automatic HEAD sibling.
  app.head('/v3/auth/tokens', authed, async (request, reply) => {
    const subject = subjectToken(request);
    const data = await svc.tokens.validate(subject, 'subject', { allowExpired: queryBool(request, 'allow_expired') === true });
    authorize(svc, request, 'identity:check_token', { 'target.token.user_id': data.user.id });
    return reply.status(200).header('x-subject-token', subject).send();
  });

  app.get('/v3/auth/tokens', { ...authed, exposeHeadRoute: false }, async (request, reply) => {
    const subject = subjectToken(request);
    const data = await svc.tokens.validate(subject, 'subject', { allowExpired: queryBool(request, 'allow_expired') === true });
    authorize(svc, request, 'identity:validate_token', { 'target.token.user_id': data.user.id });
    const catalog = wantsCatalog(request) ? await svc.catalog.build() : undefined;
    return reply.header('x-subject-token', subject).send({ token: renderToken(data, catalog) });
  });

  app.delete('/v3/auth/tokens', authed, async (request, reply) => {
    const subject = subjectToken(request);
    const data = await svc.tokens.validate(subject, 'subject');
    authorize(svc, request, 'identity:revoke_token', { 'target.token.user_id': data.user.id });
    await svc.tokens.revoke(data);
    return reply.status(204).send();
  });

  app.get('/v3/auth/catalog', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:get_auth_catalog');
    if (!ctx.projectId && !ctx.domainId && !ctx.system) {
      throw new ForbiddenError('A scoped token is required to get the catalog.');
    }
    return { catalog: await svc.catalog.build(), links: selfLink(svc, request, 'auth/catalog') };
  });

  app.get('/v3/auth/projects', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:get_auth_projects');
    const { projects } = await assignedScopes(svc.db, ctx.userId);
    return listBody(svc, request, 'projects', await projectViews(svc, request, projects.filter((p) => toBool(p.enabled))));
  });

  app.get('/v3/auth/domains', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:get_auth_domains');
    const { domains } = await assignedScopes(svc.db, ctx.userId);
    return listBody(svc, request, 'domains', await domainViews(svc, request, domains.filter((d) => toBool(d.enabled))));
  });

  app.get('/v3/auth/system', authed, async (request) => {
    const ctx = authorize(svc, request, 'identity:get_auth_system');
    const { system } = await assignedScopes(svc.db, ctx.userId);
    return { system: system ? [{ all: true }] : [], links: selfLink(svc, request, 'auth/system') };
  });
}
