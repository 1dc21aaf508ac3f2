import { UnauthorizedError } from '../http/errors.js';
import type { RequestContext } from './context.js';
import type { TokenValidator } from './validator.js';

/** The fixed callers of service tests: the token is the caller's name. */
export type TestCaller = 'admin' | 'demo' | 'alt' | 'reader';

/** Each test caller's project. */
export const TEST_PROJECTS = { admin: 'p-admin', demo: 'p-demo', alt: 'p-alt', reader: 'p-demo' } as const;

const ROLES: Record<TestCaller, string[]> = {
  admin: ['admin', 'member', 'reader'], demo: ['member', 'reader'], alt: ['member', 'reader'], reader: ['reader'],
};

/** A RequestContext for a test caller, as identity would build it for a project-scoped token. */
export function testContext(who: TestCaller, requestId: string): RequestContext {
  const project = TEST_PROJECTS[who];
  const roles = ROLES[who];
  return {
    token: who, userId: `u-${who}`, userName: who, userDomainId: 'default', userDomainName: 'Default',
    projectId: project, projectName: project, projectDomainId: 'default', projectDomainName: 'Default',
    roles, roleIds: roles, expiresAt: new Date(Date.now() + 3600_000), auditIds: ['a'], methods: ['password'], requestId,
  };
}

/** Accepts the tokens "admin", "demo", "alt" and "reader" so services are tested without identity. */
export const testTokens: TokenValidator = {
  validate: async (token, requestId) => {
    if (!(token in ROLES)) throw new UnauthorizedError();
    return testContext(token as TestCaller, requestId);
  },
};
