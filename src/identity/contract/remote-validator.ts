import type { RequestContext, TokenValidator } from '../../core/auth/index.js';
import { ServiceUnavailableError, UnauthorizedError } from '../../core/http/index.js';

/** The service account another service uses to validate its callers' tokens. */
export interface ServiceCredentials {
  username: string;
  password: string;
  projectName: string;
  userDomainId?: string;
  projectDomainId?: string;
}

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
  private serviceToken: { id: string; expiresAt: number } | undefined;

  constructor(
    private readonly identityUrl: string,
    private readonly credentials: ServiceCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async validate(token: string, requestId: string): Promise<RequestContext> {
    let res = await this.ask(token, await this.getServiceToken(false));
    if (res.status === 401) res = await this.ask(token, await this.getServiceToken(true));
    if (res.status === 404 || res.status === 401) throw new UnauthorizedError();
    if (!res.ok) throw new ServiceUnavailableError(`Identity answered ${res.status} while validating a token.`);
    return contextFromBody(token, (await res.json()) as TokenBody, requestId);
  }

  private ask(subject: string, serviceToken: string): Promise<Response> {
    return this.fetchIdentity(`${this.identityUrl}/v3/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': subject },
    });
  }

  private async getServiceToken(renew: boolean): Promise<string> {
    // Renew a minute before expiry so a token never lapses mid-request.
    if (!renew && this.serviceToken && this.serviceToken.expiresAt - 60_000 > this.now()) return this.serviceToken.id;
    const c = this.credentials;
    const res = await this.fetchIdentity(`${this.identityUrl}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { id: c.userDomainId ?? 'default' } } } },
        scope: { project: { name: c.projectName, domain: { id: c.projectDomainId ?? 'default' } } },
      } }),
    });
    const id = res.headers.get('x-subject-token');
    if (res.status !== 201 || !id) throw new ServiceUnavailableError(`The service account could not authenticate with identity (${res.status}).`);
    const body = (await res.json()) as TokenBody;
    this.serviceToken = { id, expiresAt: new Date(body.token.expires_at).getTime() };
    return id;
  }

  private async fetchIdentity(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch {
      throw new ServiceUnavailableError('Identity is unreachable.');
    }
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
