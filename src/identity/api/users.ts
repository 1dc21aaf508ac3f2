import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { callerOf } from '../../core/auth/index.js';
import { BadRequestError, ConflictError, UnauthorizedError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { extraAttributes, mergeOptions } from '../attributes.js';
import { notFound, validation } from '../errors.js';
import { isUniqueViolation, parseJson, toBool } from '../store/db.js';
import { getDomainRow, getProjectRow } from '../store/projects.js';
import {
  currentPassword, deleteUserRow, getUserRow, insertPassword, insertUser, listUserRows, passwordExpiries,
  recordFailedAuth, recordSuccessfulAuth, updateUserRow, type UserRow,
} from '../store/users.js';
import { applyInexactFilters, keystoneTime } from './list-filters.js';
import { authorize, created, listBody, queryBool, queryParam, selfLink, type Guard } from './kit.js';

const Bool = Type.Union([Type.Boolean(), Type.Null()]);
/** Keystone's user resource options (USER_OPTIONS_REGISTRY); null unsets an option. */
const UserOptions = Type.Object({
  ignore_change_password_upon_first_use: Type.Optional(Bool),
  ignore_password_expiry: Type.Optional(Bool),
  ignore_lockout_failure_attempts: Type.Optional(Bool),
  lock_password: Type.Optional(Bool),
  multi_factor_auth_enabled: Type.Optional(Bool),
  multi_factor_auth_rules: Type.Optional(Type.Union([Type.Array(Type.Array(Type.String(), { uniqueItems: true })), Type.Null()])),
}, { additionalProperties: false });

const userProps = {
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
  domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  enabled: Type.Optional(Type.Boolean()),
  default_project_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  password: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  options: Type.Optional(UserOptions),
};
const UserCreate = Type.Object({ user: Type.Object(userProps, { additionalProperties: true }) });
const UserUpdate = Type.Object({ user: Type.Partial(Type.Object(userProps, { additionalProperties: true }), { additionalProperties: true }) });
const PasswordChange = Type.Object({
  user: Type.Object({ password: Type.String(), original_password: Type.String() }, { additionalProperties: true }),
});

/** Attributes with their own column; every other attribute is kept in `extra`. */
const KNOWN = ['id', 'name', 'domain_id', 'enabled', 'default_project_id', 'description', 'password', 'options', 'links', 'password_expires_at', 'federated'];
/** Keystone's user view; default_project_id and description only when set. */
export function userView(svc: IdentityService, request: FastifyRequest, row: UserRow, passwordExpiresAt: string | null): Record<string, unknown> {
  return {
    ...parseJson(row.extra),
    id: row.id,
    name: row.name,
    domain_id: row.domain_id,
    enabled: toBool(row.enabled),
    password_expires_at: keystoneTime(passwordExpiresAt),
    options: parseJson(row.options),
    ...(row.default_project_id ? { default_project_id: row.default_project_id } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    links: selfLink(svc, request, `users/${row.id}`),
  };
}

export async function userViews(svc: IdentityService, request: FastifyRequest, rows: UserRow[]): Promise<Record<string, unknown>[]> {
  const expiries = await passwordExpiries(svc.db, rows.map((r) => r.id));
  return rows.map((r) => userView(svc, request, r, expiries.get(r.id) ?? null));
}

export const userTarget = (row: UserRow | undefined): Record<string, unknown> =>
  row ? { target: { user: { id: row.id, domain_id: row.domain_id, name: row.name } } } : {};

const conflict = (name: string, domainId: string): ConflictError =>
  new ConflictError(`Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`);

async function assertDefaultProjectNotDomain(svc: IdentityService, projectId: string | null | undefined): Promise<void> {
  if (!projectId) return;
  const project = await getProjectRow(svc.db, projectId);
  if (project?.is_domain === 1) throw validation(`User's default project ID cannot be a domain ID: ${projectId}`);
}

/**
 * `password_expires_at=<op>:<timestamp>` (lt, lte, gt, gte, eq, neq; eq when no
 * operator), Keystone's filter on the current password's expiry.
 */
function passwordExpiryFilter(raw: string | undefined): ((expiresAt: string | null) => boolean) | undefined {
  if (raw === undefined) return undefined;
  const hasOp = raw.slice(2, 4).includes(':');
  const [op, stamp] = hasOp ? [raw.slice(0, raw.indexOf(':')), raw.slice(raw.indexOf(':') + 1)] : ['eq', raw];
  const at = Date.parse(stamp);
  if (Number.isNaN(at)) throw new BadRequestError('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  const cmp: Record<string, (a: number) => boolean> = {
    lt: (a) => a < at, lte: (a) => a <= at, gt: (a) => a > at, gte: (a) => a >= at, eq: (a) => a === at, neq: (a) => a !== at,
  };
  const test = cmp[op];
  if (!test) throw new BadRequestError(`The given operator ${op} is not a valid operator.`);
  // Users without an expiring password never match, as in Keystone's SQL join.
  return (expiresAt) => expiresAt !== null && test(Math.floor(Date.parse(expiresAt) / 1000) * 1000);
}

export function registerUserRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  app.get('/v3/users', authed, async (request) => {
    const caller = callerOf(request);
    const ctx = authorize(svc, request, 'identity:list_users', caller.domainId ? { target: { domain_id: caller.domainId } } : {});
    const expiry = passwordExpiryFilter(queryParam(request, 'password_expires_at'));
    let rows = await listUserRows(svc.db, {
      name: queryParam(request, 'name'), domainId: queryParam(request, 'domain_id') ?? ctx.domainId, enabled: queryBool(request, 'enabled'),
    });
    if (ctx.domainId) rows = rows.filter((r) => r.domain_id === ctx.domainId);
    // Federation is not supported: no user matches an idp_id / protocol_id / unique_id filter.
    if (['idp_id', 'protocol_id', 'unique_id'].some((f) => queryParam(request, f) !== undefined)) rows = [];
    const expiries = await passwordExpiries(svc.db, rows.map((r) => r.id));
    if (expiry) rows = rows.filter((r) => expiry(expiries.get(r.id) ?? null));
    const views = rows.map((r) => userView(svc, request, r, expiries.get(r.id) ?? null));
    return listBody(svc, request, 'users', applyInexactFilters(request, ['name', 'description', 'email'], views));
  });

  app.post('/v3/users', { ...authed, schema: { body: UserCreate } }, async (request, reply) => {
    const body = (request.body as Static<typeof UserCreate>).user;
    const ctx = authorize(svc, request, 'identity:create_user', { target: { user: body } });
    const domainId = body.domain_id ?? ctx.domainId ?? 'default';
    if (!(await getDomainRow(svc.db, domainId))) throw notFound('domain', domainId);
    await assertDefaultProjectNotDomain(svc, body.default_project_id);
    const now = svc.clock.now();
    const row: UserRow = {
      id: svc.ids.hex(), name: body.name.trim(), domain_id: domainId, enabled: body.enabled === false ? 0 : 1,
      default_project_id: body.default_project_id ?? null, description: body.description ?? null,
      extra: JSON.stringify(extraAttributes(body, KNOWN)), options: JSON.stringify(mergeOptions({}, body.options as Record<string, unknown> | undefined)),
      created_at: now.toISOString(), last_active_at: null, failed_auth_count: 0, failed_auth_at: null,
    };
    let expiresAt: string | null = null;
    let hash: string | undefined;
    if (typeof body.password === 'string') {
      svc.passwordRules.checkStrength(body.password);
      hash = await svc.hasher.hash(body.password);
      expiresAt = svc.passwordRules.expiresAt(now, row, false);
    }
    try {
      await svc.db.transaction().execute(async (tx) => {
        await insertUser(tx, row);
        if (hash) await insertPassword(tx, { user_id: row.id, hash, created_at: now.toISOString(), expires_at: expiresAt, self_service: 0 });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(row.name, domainId);
      throw e;
    }
    return created(reply, { user: userView(svc, request, row, expiresAt) });
  });

  app.get<{ Params: { id: string } }>('/v3/users/:id', authed, async (request) => {
    const row = await getUserRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:get_user', userTarget(row));
    if (!row) throw notFound('user', request.params.id);
    const [view] = await userViews(svc, request, [row]);
    return { user: view };
  });

  app.patch<{ Params: { id: string } }>('/v3/users/:id', { ...authed, schema: { body: UserUpdate } }, async (request) => {
    const row = await getUserRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:update_user', userTarget(row));
    if (!row) throw notFound('user', request.params.id);
    const body = (request.body as Static<typeof UserUpdate>).user as Static<typeof UserUpdate>['user'] & Record<string, unknown>;
    if (body['id'] !== undefined && body['id'] !== row.id) throw validation('Cannot change user ID');
    if (body.domain_id !== undefined && body.domain_id !== row.domain_id) throw validation('Cannot change Domain ID');
    await assertDefaultProjectNotDomain(svc, body.default_project_id);
    const next: UserRow = {
      ...row,
      name: body.name !== undefined ? body.name.trim() : row.name,
      enabled: body.enabled !== undefined ? (body.enabled ? 1 : 0) : row.enabled,
      default_project_id: body.default_project_id !== undefined ? body.default_project_id : row.default_project_id,
      description: body.description !== undefined ? body.description : row.description,
      extra: JSON.stringify({ ...parseJson(row.extra), ...extraAttributes(body, KNOWN) }),
      options: JSON.stringify(mergeOptions(parseJson(row.options), body.options as Record<string, unknown> | undefined)),
    };
    const now = svc.clock.now();
    let password: { hash: string; expiresAt: string | null } | undefined;
    if (typeof body.password === 'string') {
      // An administrator's reset: strength rules apply, password history does not (as in Keystone).
      svc.passwordRules.checkStrength(body.password);
      password = { hash: await svc.hasher.hash(body.password), expiresAt: svc.passwordRules.expiresAt(now, next, false) };
    }
    try {
      await svc.db.transaction().execute(async (tx) => {
        const { id: _id, ...patch } = next;
        await updateUserRow(tx, row.id, patch);
        if (password) {
          await insertPassword(tx, { user_id: row.id, hash: password.hash, created_at: now.toISOString(), expires_at: password.expiresAt, self_service: 0 });
        }
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(next.name, next.domain_id);
      throw e;
    }
    if ((toBool(row.enabled) && !toBool(next.enabled)) || password) await svc.revocations.revoke({ user_id: row.id });
    const [view] = await userViews(svc, request, [next]);
    return { user: view };
  });

  app.delete<{ Params: { id: string } }>('/v3/users/:id', authed, async (request, reply) => {
    const row = await getUserRow(svc.db, request.params.id);
    authorize(svc, request, 'identity:delete_user', userTarget(row));
    if (!row) throw notFound('user', request.params.id);
    await svc.db.transaction().execute((tx) => deleteUserRow(tx, row.id));
    await svc.revocations.revoke({ user_id: row.id });
    return reply.status(204).send();
  });

  // Self-service password change. Keystone does not require a token here (a user whose
  // password expired cannot get one): the original password is the credential.
  app.post<{ Params: { id: string } }>('/v3/users/:id/password', { schema: { body: PasswordChange } }, async (request, reply) => {
    const { password, original_password: original } = (request.body as Static<typeof PasswordChange>).user;
    const failed = (): UnauthorizedError => new UnauthorizedError('Error when changing user password: Invalid user / password');
    const user = await getUserRow(svc.db, request.params.id);
    if (!user) throw failed();
    const now = svc.clock.now();
    if (svc.passwordRules.lockoutExpired(user, now)) user.failed_auth_count = 0;
    svc.passwordRules.checkNotLocked(user, now);
    const stored = await currentPassword(svc.db, user.id);
    if (!stored || !(await svc.hasher.verify(original, stored.hash))) {
      await recordFailedAuth(svc.db, user.id, now.toISOString());
      svc.changed();
      throw failed();
    }
    const domain = await getDomainRow(svc.db, user.domain_id);
    if (!toBool(user.enabled) || !domain || !toBool(domain.enabled)) {
      throw new UnauthorizedError(`Error when changing user password: User is disabled: ${user.id}`);
    }
    svc.passwordRules.checkStrength(password);
    await svc.passwordRules.checkSelfServiceChange(svc.db, user, password, now);
    const hash = await svc.hasher.hash(password);
    await svc.db.transaction().execute(async (tx) => {
      await insertPassword(tx, { user_id: user.id, hash, created_at: now.toISOString(), expires_at: svc.passwordRules.expiresAt(now, user, true), self_service: 1 });
      await recordSuccessfulAuth(tx, user.id, now.toISOString());
    });
    await svc.revocations.revoke({ user_id: user.id });
    return reply.status(204).send();
  });
}
