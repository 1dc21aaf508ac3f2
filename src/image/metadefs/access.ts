import { policyCredentials, type RequestContext } from '../../core/auth/index.js';
import { ForbiddenError, NotFoundError } from '../../core/http/index.js';
import type { MetadefDeps } from './deps.js';
import type { Namespace } from './model.js';
import { getNamespace } from './store/namespaces.js';

/** webob's bare 404, which Glance sends when it hides a namespace behind policy. */
export const hiddenNotFound = (): NotFoundError => new NotFoundError('The resource could not be found.');
export const namespaceNotFound = (name: string): NotFoundError => new NotFoundError(`Metadata definition namespace=${name} was not found.`);
const namespaceGone = (name: string): NotFoundError => new NotFoundError(`Namespace ${name} not found`);

/**
 * How a route words the 404 for a namespace that does not exist (`missing`) or that
 * the caller may not see (`hidden`). Glance's controllers differ here and clients
 * read the text, so each route names its style:
 *  - "generic": "Namespace X not found" for both (most routes);
 *  - "objects": the database's "Metadata definition namespace=X was not found." when
 *    missing, "Namespace X not found" when hidden (the objects controller);
 *  - "show": the database's message when missing, webob's bare 404 when hidden.
 */
export type MissStyle = 'generic' | 'objects' | 'show';

/**
 * The caller of one request, with Glance's two gates: the database layer's visibility
 * rule (admins see all, others their project's namespaces and public ones) and the
 * metadef policy rules (MetadefAPIPolicy).
 */
export class Caller {
  readonly creds: Record<string, unknown>;
  readonly admin: boolean;

  constructor(readonly deps: MetadefDeps, readonly ctx: RequestContext) {
    this.creds = policyCredentials(ctx);
    this.admin = deps.policy.check('context_is_admin', {}, this.creds);
  }

  /** The project that owns what this caller creates (Glance's context.owner). */
  get project(): string | null {
    return this.ctx.projectId ?? null;
  }

  /** The database layer's visibility rule. */
  canSee(ns: Namespace): boolean {
    return this.admin || ns.visibility === 'public' || (this.project !== null && ns.owner === this.project);
  }

  /** Whether policy allows `rule` on the namespace (or, without one, in the caller's project). */
  allows(rule: string, ns?: Namespace): boolean {
    const target = ns ? { project_id: ns.owner, visibility: ns.visibility } : { project_id: this.project };
    return this.deps.policy.check(rule, target, this.creds);
  }

  /**
   * Enforces a rule the way Glance's MetadefAPIPolicy does: a denial is a 403 only when
   * the caller may at least see the namespace, otherwise a 404 that does not reveal it.
   */
  enforce(rule: string, ns?: Namespace): void {
    if (this.allows(rule, ns)) return;
    if (rule === 'get_metadef_namespace' || !this.allows('get_metadef_namespace', ns)) throw hiddenNotFound();
    throw new ForbiddenError(`You are not authorized to complete ${rule} action.`);
  }

  /** A namespace the caller can see, else the route's 404. */
  async namespace(name: string, style: MissStyle = 'generic'): Promise<Namespace> {
    const ns = await getNamespace(this.deps.db, name);
    if (!ns) throw style === 'generic' ? namespaceGone(name) : namespaceNotFound(name);
    if (!this.canSee(ns)) throw style === 'show' ? hiddenNotFound() : namespaceGone(name);
    return ns;
  }
}
