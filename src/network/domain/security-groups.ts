import type { RequestContext } from '../../core/auth/index.js';
import { notFound } from '../errors.js';
import type { NetworkService } from '../service.js';

/**
 * Security groups a port gets when none are named. Until groups exist (next step of
 * issue 5) a port has none.
 */
export async function defaultGroupIds(_svc: NetworkService, _projectId: string): Promise<string[]> {
  return [];
}

/** Every named group must exist and be usable by the caller. */
export async function assertGroupsUsable(_svc: NetworkService, _ctx: RequestContext, ids: readonly string[]): Promise<void> {
  const [first] = ids;
  if (first !== undefined) throw notFound('SecurityGroupNotFound', `Security group ${first} does not exist`);
}
