import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../core/http/index.js';
import type { Clock } from '../../core/clock.js';
import type { IdentityDb } from '../store/db.js';
import { toBool } from '../store/db.js';
import { findDomainByName, findProjectByName, getDomainRow, getProjectRow } from '../store/projects.js';
import { currentPassword, findUserByName, getUserRow, recordFailedAuth, recordSuccessfulAuth, type UserRow } from '../store/users.js';
import { findAppCredByName, getAppCredRow } from '../store/app-creds.js';
import { authFailed } from '../errors.js';
import type { PasswordHasher } from './hasher.js';
import type { PasswordRules } from './passwords.js';
import { effectiveRoles, type Scope } from './effective-roles.js';
import { activeTrust, trustTokenRoles } from './trust-roles.js';
import { storedTimeToDate } from '../timestamps.js';
import type { AuthResult, TokenService } from './token-service.js';
import { authenticateOauth1, oauthHeadersMissing } from './oauth1-method.js';
import type { OAuth1HttpRequest } from './oauth1-signature.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Methods Keystone's [auth] methods enables by default that Stratus implements. */
const SUPPORTED_METHODS = ['password', 'token', 'oauth1', 'application_credential'] as const;

/**
 * POST /v3/auth/tokens: checks every identity method the request names, then resolves
 * the requested (or default) scope. Errors follow Keystone: malformed requests are 400,
 * anything about credentials or access is a 401 that never says which part was wrong.
 */
export class Authenticator {
  constructor(
    private readonly db: IdentityDb,
    private readonly hasher: PasswordHasher,
    private readonly rules: PasswordRules,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  /** `signed` is the HTTP request as the `oauth1` method checks its signature. */
  async authenticate(body: unknown, headerToken: string | undefined, signed?: OAuth1HttpRequest): Promise<{ auth: AuthResult; scope: Scope }> {
    const auth = isObject(body) ? body['auth'] : undefined;
    if (!isObject(auth)) throw new BadRequestError("Invalid input for field 'auth': 'auth' is a required property.");
    const identity = auth['identity'];
    if (!isObject(identity)) throw new BadRequestError("Invalid input for field 'identity': 'identity' is a required property.");
    const methods = identity['methods'];
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
      throw new BadRequestError("Invalid input for field 'identity/methods': 'methods' must be a non-empty list of strings.");
    }
    for (const m of methods) {
      if (!(SUPPORTED_METHODS as readonly string[]).includes(m)) throw new UnauthorizedError('Attempted to authenticate with an unsupported method.');
    }
    let result: AuthResult | undefined;
    let oauthProjectId: string | undefined;
    const merge = (next: AuthResult): void => {
      if (result && result.userId !== next.userId) throw authFailed();
      result = result ? { ...result, ...next, methods: [...new Set([...result.methods, ...next.methods])] } : next;
    };
    for (const method of methods as string[]) {
      const section = identity[method];
      if (method === 'token') merge(await this.byToken(section, headerToken));
      else if (!isObject(section)) throw new BadRequestError(`Invalid input for field 'identity/${method}': '${method}' is a required property.`);
      else if (method === 'password') merge(await this.byPassword(section));
      else if (method === 'oauth1') {
        if (!signed) throw oauthHeadersMissing();
        const { projectId, ...byOauth } = await authenticateOauth1(this.db, signed, this.clock.now());
        oauthProjectId = projectId;
        merge(byOauth);
      }
      else merge(await this.byApplicationCredential(section));
    }
    if (!result) throw authFailed();
    // As in Keystone, an OAuth1 access token decides the scope whatever was asked for.
    const scope = oauthProjectId ? { type: 'project' as const, projectId: await this.projectIdOf({ id: oauthProjectId }) }
      : await this.resolveScope(auth['scope'], result);
    return { auth: result, scope };
  }

  private async byPassword(section: Json): Promise<AuthResult> {
    const userRef = section['user'];
    if (!isObject(userRef)) throw new BadRequestError("Invalid input for field 'password/user': 'user' is a required property.");
    const password = userRef['password'];
    if (typeof password !== 'string') throw new BadRequestError("Invalid input for field 'password/user/password': 'password' is a required property.");
    const user = await this.lookupUser(userRef);
    const now = this.clock.now();
    if (!toBool(user.enabled)) throw authFailed();
    if (this.rules.lockoutExpired(user, now)) user.failed_auth_count = 0;
    this.rules.checkNotLocked(user, now);
    const stored = await currentPassword(this.db, user.id);
    if (!stored || !(await this.hasher.verify(password, stored.hash))) {
      await recordFailedAuth(this.db, user.id, now.toISOString());
      this.tokens.invalidate();
      throw authFailed();
    }
    this.rules.checkNotExpired(user, stored.expires_at, now);
    await recordSuccessfulAuth(this.db, user.id, now.toISOString());
    return { userId: user.id, methods: ['password'] };
  }

  private async byToken(section: unknown, headerToken: string | undefined): Promise<AuthResult> {
    const id = isObject(section) && typeof section['id'] === 'string' ? section['id'] : headerToken;
    if (!id) throw new BadRequestError("Invalid input for field 'identity/token': 'id' is a required property.");
    // Keystone answers 404 (token not found) for an invalid token given to the token method.
    const parent = await this.tokens.validate(id, 'subject');
    // A token got from an application credential may not be used to get another token.
    if (parent.applicationCredential) throw authFailed();
    if (parent.trust) throw new ForbiddenError('Using trust-scoped token to create another token. Create a new trust-scoped token instead');
    return { userId: parent.user.id, methods: ['token', ...parent.methods.filter((m) => m !== 'token')], parent };
  }

  private async byApplicationCredential(section: Json): Promise<AuthResult> {
    const secret = section['secret'];
    if (typeof secret !== 'string') throw new BadRequestError("Invalid input for field 'application_credential/secret': 'secret' is a required property.");
    let cred;
    if (typeof section['id'] === 'string') {
      cred = await getAppCredRow(this.db, section['id']);
    } else if (typeof section['name'] === 'string' && isObject(section['user'])) {
      const user = await this.lookupUser(section['user']);
      cred = await findAppCredByName(this.db, user.id, section['name']);
    } else {
      throw new BadRequestError("Invalid input for field 'application_credential': 'id' or 'name' and 'user' are required.");
    }
    if (!cred || !(await this.hasher.verify(secret, cred.secret_hash))) throw authFailed();
    const now = this.clock.now();
    if (cred.expires_at && new Date(cred.expires_at) <= now) throw authFailed();
    const user = await getUserRow(this.db, cred.user_id);
    if (!user || !toBool(user.enabled)) throw authFailed();
    return {
      userId: user.id, methods: ['application_credential'], applicationCredentialId: cred.id,
      ...(cred.expires_at ? { expiresAt: new Date(cred.expires_at) } : {}),
    };
  }

  /** Finds a user by id, or by name within a domain given by id or name; 401 if absent. */
  private async lookupUser(ref: Json): Promise<UserRow> {
    if (typeof ref['id'] === 'string') {
      const user = await getUserRow(this.db, ref['id']);
      if (!user) throw authFailed();
      await this.requireEnabledDomain(user.domain_id);
      return user;
    }
    if (typeof ref['name'] !== 'string') throw new BadRequestError("Invalid input for field 'user': 'id' or 'name' is required.");
    const domain = ref['domain'];
    if (!isObject(domain)) throw new BadRequestError("Invalid input for field 'user/domain': 'domain' is required with a user name.");
    const domainId = await this.domainIdOf(domain);
    const user = await findUserByName(this.db, ref['name'], domainId);
    if (!user) throw authFailed();
    return user;
  }

  private async domainIdOf(ref: Json): Promise<string> {
    const row = typeof ref['id'] === 'string' ? await getDomainRow(this.db, ref['id'])
      : typeof ref['name'] === 'string' ? await findDomainByName(this.db, ref['name']) : undefined;
    if (!row) {
      if (typeof ref['id'] !== 'string' && typeof ref['name'] !== 'string') {
        throw new BadRequestError("Invalid input for field 'domain': 'id' or 'name' is required.");
      }
      throw authFailed();
    }
    if (!toBool(row.enabled)) throw authFailed();
    return row.id;
  }

  private async requireEnabledDomain(domainId: string): Promise<void> {
    const domain = await getDomainRow(this.db, domainId);
    if (!domain || !toBool(domain.enabled)) throw authFailed();
  }

  private async resolveScope(scope: unknown, result: AuthResult): Promise<Scope> {
    if (result.applicationCredentialId) return this.appCredScope(scope, result.applicationCredentialId);
    if (scope === undefined || scope === null) return this.defaultScope(result);
    if (scope === 'unscoped') return { type: 'unscoped' };
    if (!isObject(scope)) throw new BadRequestError("Invalid input for field 'scope': must be an object.");
    const kinds = ['project', 'domain', 'system', 'OS-TRUST:trust'].filter((k) => scope[k] !== undefined);
    if (kinds.length !== 1) throw new BadRequestError('Specify exactly one of project, domain or system scope.');
    if (result.parent?.scope.type === 'system' && (scope['project'] !== undefined || scope['domain'] !== undefined)) {
      throw new ForbiddenError('Using a system-scoped token to create a project-scoped or domain-scoped token is not allowed.');
    }
    if (scope['OS-TRUST:trust'] !== undefined) return this.trustScope(scope['OS-TRUST:trust'], result);
    let resolved: Scope;
    if (isObject(scope['project'])) resolved = { type: 'project', projectId: await this.projectIdOf(scope['project']) };
    else if (isObject(scope['domain'])) resolved = { type: 'domain', domainId: await this.domainIdOf(scope['domain']) };
    else if (isObject(scope['system']) && scope['system']['all'] === true) resolved = { type: 'system' };
    else throw new BadRequestError("Invalid input for field 'scope': unsupported scope.");
    await this.requireRoles(result.userId, resolved);
    return resolved;
  }

  /**
   * `{"OS-TRUST:trust": {"id": ...}}`: only the trustee may use the trust; the token is
   * scoped to the trust's project, carries the trust's roles and never outlives it.
   * A missing, deleted, expired or used-up trust is a 401, as Keystone answers.
   */
  private async trustScope(ref: unknown, result: AuthResult): Promise<Scope> {
    if (!isObject(ref) || typeof ref['id'] !== 'string' || ref['id'] === '') {
      throw new BadRequestError("Invalid input for field 'scope/OS-TRUST:trust': 'id' is a required property.");
    }
    const trust = await activeTrust(this.db, ref['id'], this.clock.now());
    if (!trust || trust.remaining_uses === 0) throw authFailed();
    if (trust.trustee_user_id !== result.userId) throw new ForbiddenError('User is not a trustee.');
    if (!trust.project_id) throw new ForbiddenError('Trusts without a project cannot scope a token.');
    const projectId = await this.projectIdOf({ id: trust.project_id });
    const roles = await trustTokenRoles(this.db, trust);
    if (!roles || roles.length === 0) throw new ForbiddenError('Trustee has no delegated roles.');
    result.trustId = trust.id;
    if (trust.expires_at) {
      const trustEnds = storedTimeToDate(trust.expires_at);
      if (!result.expiresAt || trustEnds < result.expiresAt) result.expiresAt = trustEnds;
    }
    return { type: 'project', projectId };
  }

  private async projectIdOf(ref: Json): Promise<string> {
    let project;
    if (typeof ref['id'] === 'string') project = await getProjectRow(this.db, ref['id']);
    else if (typeof ref['name'] === 'string' && isObject(ref['domain'])) {
      project = await findProjectByName(this.db, ref['name'], await this.domainIdOf(ref['domain']));
    } else {
      throw new BadRequestError("Invalid input for field 'scope/project': 'id', or 'name' and 'domain' are required.");
    }
    if (!project || project.is_domain === 1 || !toBool(project.enabled)) throw authFailed();
    await this.requireEnabledDomain(project.domain_id);
    return project.id;
  }

  private async requireRoles(userId: string, scope: Scope): Promise<void> {
    if ((await effectiveRoles(this.db, userId, scope)).length > 0) return;
    const target = scope.type === 'project' ? `project ${scope.projectId}` : scope.type === 'domain' ? `domain ${scope.domainId}` : 'the system';
    throw new UnauthorizedError(`User ${userId} has no access to ${target}.`);
  }

  /** No scope requested: a token keeps its scope when re-used, else the default project. */
  private async defaultScope(result: AuthResult): Promise<Scope> {
    if (result.parent) return { type: 'unscoped' };
    const user = await getUserRow(this.db, result.userId);
    const projectId = user?.default_project_id;
    if (!projectId) return { type: 'unscoped' };
    const project = await getProjectRow(this.db, projectId);
    if (!project || !toBool(project.enabled)) return { type: 'unscoped' };
    const scope: Scope = { type: 'project', projectId };
    return (await effectiveRoles(this.db, result.userId, scope)).length > 0 ? scope : { type: 'unscoped' };
  }

  /** An application credential always yields a token on its own project. */
  private async appCredScope(scope: unknown, credId: string): Promise<Scope> {
    const cred = await getAppCredRow(this.db, credId);
    if (!cred) throw authFailed();
    if (cred.system) return { type: 'system' };
    if (!cred.project_id) throw authFailed();
    if (isObject(scope) && isObject(scope['project'])) {
      const requested = await this.projectIdOf(scope['project']);
      if (requested !== cred.project_id) throw authFailed();
    }
    return { type: 'project', projectId: cred.project_id };
  }
}
