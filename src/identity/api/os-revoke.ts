import type { FastifyInstance } from 'fastify';
import { validation } from '../errors.js';
import type { IdentityService } from '../service.js';
import type { RevocationRow } from '../store/revocations.js';
import { normalizeIsoTime } from '../timestamps.js';
import { authorize, queryParam, selfLink, type Guard } from './kit.js';

/** Keystone's RevokeEvent.to_dict(): only the fields that are set, times with microseconds. */
function view(e: RevocationRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['user_id', 'role_id', 'domain_id', 'project_id', 'audit_id', 'audit_chain_id'] as const) {
    if (e[key] !== null) out[key] = e[key];
  }
  out['issued_before'] = micro(e.issued_before);
  out['revoked_at'] = micro(e.revoked_at);
  return out;
}

const micro = (iso: string): string => normalizeIsoTime(iso) ?? iso;

/** GET /v3/OS-REVOKE/events: the revocation events still in force, optionally `?since=`. */
export function registerOsRevokeRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/OS-REVOKE/events', authed, async (request) => {
    authorize(svc, request, 'identity:list_revoke_events');
    const sinceText = queryParam(request, 'since');
    let since: string | undefined;
    if (sinceText !== undefined) {
      since = normalizeIsoTime(sinceText);
      if (!since) throw validation(`invalidate date format ${sinceText}`);
    }
    const events = (await svc.revocations.list()).filter((e) => since === undefined || (normalizeIsoTime(e.revoked_at) ?? '') > since);
    return { events: events.map(view), links: { ...selfLink(svc, request, 'OS-REVOKE/events'), previous: null, next: null } };
  });
}
