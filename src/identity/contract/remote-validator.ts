import type { RequestContext, TokenValidator } from '../../core/auth/index.js';
import { ServiceUnavailableError, UnauthorizedError } from '../../core/http/index.js';
import { ServiceSession, type ServiceCredentials } from './service-session.js';

interface TokenBody {
  token: {
    user: { id: string; name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string; domain: { id: string; name: string } };
    domain?: { id: string; name: string };
    system?: { all: boolean };
    roles?: Array<{ id: string; name: string }>;
    expires_at: string;
    audit_ids: string[];
    methods: string[];
    application_credential?: { id: string };
  };
}

/**
 * Validates tokens by asking identity over HTTP (GET /v3/auth/tokens), the way
 * keystonemiddleware does for every OpenStack API. Services that run apart from
 * identity put a CachingTokenValidator in front of it.
 */
export class RemoteTokenValidator implements TokenValidator {
  private readonly session: ServiceSession;

  constructor(identityUrl: string, credentials: ServiceCredentials | ServiceSession, now: () => number = Date.now) {
    this.session = credentials instanceof ServiceSession ? credentials : new ServiceSession(identityUrl, credentials, now);
  }

  async validate(token: string, requestId: string): Promise<RequestContext> {
    const res = await this.session.get('/v3/auth/tokens?nocatalog', { 'x-subject-token': token });
    if (res.status === 404 || res.status === 401) throw new UnauthorizedError();
    if (!res.ok) throw new ServiceUnavailableError(`Identity answered ${res.status} while validating a token.`);
    return contextFromBody(token, (await res.json()) as TokenBody, requestId);
  }
}

function contextFromBody(token: string, body: TokenBody, requestId: string): RequestContext {
  const t = body.token;
  return {
    token,
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    userDomainName: t.user.domain.name,
    ...(t.project ? { projectId: t.project.id, projectName: t.project.name, projectDomainId: t.project.domain.id, projectDomainName: t.project.domain.name } : {}),
    ...(t.domain ? { domainId: t.domain.id, domainName: t.domain.name } : {}),
    ...(t.system?.all ? { system: 'all' as const } : {}),
    roles: (t.roles ?? []).map((r) => r.name.toLowerCase()),
    roleIds: (t.roles ?? []).map((r) => r.id),
    expiresAt: new Date(t.expires_at),
    auditIds: t.audit_ids,
    methods: t.methods,
    ...(t.application_credential ? { applicationCredentialId: t.application_credential.id } : {}),
    requestId,
  };
}
