import type { RequestContext } from '../../core/auth/index.js';
import type { TokenValidator } from '../../core/auth/index.js';
import type { TokenData } from './token-data.js';
import type { TokenService } from './token-service.js';

/** The request context every service's policy checks use, from a validated token. */
export function contextFromToken(token: string, data: TokenData, requestId: string): RequestContext {
  return {
    token,
    userId: data.user.id,
    userName: data.user.name,
    userDomainId: data.user.domainId,
    userDomainName: data.user.domainName,
    ...(data.project ? { projectId: data.project.id, projectName: data.project.name, projectDomainId: data.project.domainId, projectDomainName: data.project.domainName } : {}),
    ...(data.domain ? { domainId: data.domain.id, domainName: data.domain.name } : {}),
    ...(data.scope.type === 'system' ? { system: 'all' as const } : {}),
    roles: data.roles.map((r) => r.name.toLowerCase()),
    roleIds: data.roles.map((r) => r.id),
    expiresAt: data.expiresAt,
    auditIds: data.auditIds,
    methods: data.methods,
    ...(data.applicationCredential ? { applicationCredentialId: data.applicationCredential.id } : {}),
    requestId,
  };
}

/** Identity validates tokens itself, without a cache in front: revocation is immediate. */
export class LocalTokenValidator implements TokenValidator {
  constructor(private readonly tokens: TokenService) {}

  async validate(token: string, requestId: string): Promise<RequestContext> {
    return contextFromToken(token, await this.tokens.validate(token, 'caller'), requestId);
  }
}
