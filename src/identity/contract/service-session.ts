import { ServiceUnavailableError } from '../../core/http/index.js';

/** The service account another service uses to talk to identity. */
export interface ServiceCredentials {
  username: string;
  password: string;
  projectName: string;
  userDomainId?: string;
  projectDomainId?: string;
  /**
   * 'all': a system-scoped token instead of the project one (oslo.limit's
   * `[oslo_limit] system_scope = all`). A project-scoped token sees only its own
   * project's limits, so reading another project's needs the system scope.
   */
  systemScope?: 'all';
}

/**
 * A service's own authenticated session with identity: one project- (or system-) scoped token,
 * obtained on first use and renewed a minute before it expires (or when identity
 * refuses it), as keystoneauth's session does for OpenStack services.
 */
export class ServiceSession {
  private serviceToken: { id: string; expiresAt: number } | undefined;

  constructor(
    readonly identityUrl: string,
    private readonly credentials: ServiceCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async token(renew = false): Promise<string> {
    if (!renew && this.serviceToken && this.serviceToken.expiresAt - 60_000 > this.now()) return this.serviceToken.id;
    const c = this.credentials;
    const res = await this.fetch(`/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { id: c.userDomainId ?? 'default' } } } },
        scope: c.systemScope ? { system: { all: true } } : { project: { name: c.projectName, domain: { id: c.projectDomainId ?? 'default' } } },
      } }),
    });
    const id = res.headers.get('x-subject-token');
    if (res.status !== 201 || !id) throw new ServiceUnavailableError(`The service account could not authenticate with identity (${res.status}).`);
    const body = (await res.json()) as { token: { expires_at: string } };
    this.serviceToken = { id, expiresAt: new Date(body.token.expires_at).getTime() };
    return id;
  }

  /** GET with the service token, retried once with a fresh token on 401. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.fetch(path, { headers: { ...headers, 'x-auth-token': await this.token() } });
    if (res.status !== 401) return res;
    return this.fetch(path, { headers: { ...headers, 'x-auth-token': await this.token(true) } });
  }

  async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.identityUrl}${path}`, init);
    } catch {
      throw new ServiceUnavailableError('Identity is unreachable.');
    }
  }
}
