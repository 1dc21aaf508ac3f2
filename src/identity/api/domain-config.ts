import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { NotFoundError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { forbidden, notFound, validation } from '../errors.js';
import { parseJson } from '../store/db.js';
import { getDomainRow, updateProjectRow, type ProjectRow } from '../store/projects.js';
import { authorize, type Guard } from './kit.js';

type Config = Record<string, Record<string, unknown>>;

/**
 * Keystone's domain-specific configuration API. Stratus has one identity backend, so
 * a domain's configuration is stored and served (for clients that manage it) but does
 * not change how the domain's users are looked up. Groups and options are Keystone's
 * whitelist with its defaults; sensitive options are accepted but never shown.
 */
const DEFAULTS: Config = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost', user: null, suffix: 'cn=example,cn=com', query_scope: 'one', page_size: 0,
    alias_dereferencing: 'default', debug_level: null, chase_referrals: null,
    user_tree_dn: null, user_filter: null, user_objectclass: 'inetOrgPerson', user_id_attribute: 'cn',
    user_name_attribute: 'sn', user_description_attribute: 'description', user_mail_attribute: 'mail',
    user_pass_attribute: 'userPassword', user_enabled_attribute: 'enabled', user_enabled_invert: false,
    user_enabled_mask: 0, user_enabled_default: 'True', user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null, user_enabled_emulation: false, user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false, user_additional_attribute_mapping: [],
    group_tree_dn: null, group_filter: null, group_objectclass: 'groupOfNames', group_id_attribute: 'cn',
    group_name_attribute: 'ou', group_member_attribute: 'member', group_members_are_ids: false,
    group_desc_attribute: 'description', group_attribute_ignore: [], group_additional_attribute_mapping: [],
    tls_cacertfile: null, tls_cacertdir: null, use_tls: false, tls_req_cert: 'demand', use_pool: true,
    pool_size: 10, pool_retry_max: 3, pool_retry_delay: 0.1, pool_connection_timeout: -1,
    pool_connection_lifetime: 600, use_auth_pool: true, auth_pool_size: 100, auth_pool_connection_lifetime: 60,
  },
};
const SENSITIVE: Record<string, readonly string[]> = { ldap: ['password'] };
const CONFIG_KEY = '__config';

const ConfigBody = Type.Object({ config: Type.Record(Type.String(), Type.Unknown()) });
type ConfigBodyT = Static<typeof ConfigBody>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function assertValid(config: Record<string, unknown>): asserts config is Config {
  if (Object.keys(config).length === 0) throw validation('No options specified');
  for (const [group, options] of Object.entries(config)) {
    const allowed = DEFAULTS[group];
    if (!allowed) throw forbidden(`Group ${group} is not supported for domain specific configurations`);
    if (!isObject(options) || Object.keys(options).length === 0) throw validation(`Invalid domain specific configuration: group ${group} has no options`);
    for (const option of Object.keys(options)) {
      if (!(option in allowed) && !(SENSITIVE[group] ?? []).includes(option)) {
        throw forbidden(`Option ${option} in group ${group} is not supported for domain specific configurations`);
      }
    }
  }
}

/** What a client may see: sensitive options removed, empty groups dropped. */
function visible(config: Config): Config {
  const out: Config = {};
  for (const [group, options] of Object.entries(config)) {
    const shown = Object.fromEntries(Object.entries(options).filter(([k]) => !(SENSITIVE[group] ?? []).includes(k)));
    if (Object.keys(shown).length > 0) out[group] = shown;
  }
  return out;
}

const stored = (row: ProjectRow): Config | undefined => {
  const c = parseJson(row.extra)[CONFIG_KEY];
  return isObject(c) ? (c as Config) : undefined;
};

async function save(svc: IdentityService, row: ProjectRow, config: Config | undefined): Promise<void> {
  const { [CONFIG_KEY]: _c, ...extra } = parseJson(row.extra);
  await updateProjectRow(svc.db, row.id, { extra: JSON.stringify(config && Object.keys(config).length ? { ...extra, [CONFIG_KEY]: config } : extra) });
}

const missing = (domainId: string, what: string): NotFoundError =>
  new NotFoundError(`Could not find ${what} in domain configuration for domain ${domainId}.`);

export function registerDomainConfigRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  const load = async (id: string, action: string, request: Parameters<typeof authorize>[1]): Promise<ProjectRow> => {
    authorize(svc, request, action, { target: { domain: { id } } });
    const row = await getDomainRow(svc.db, id);
    if (!row) throw notFound('domain', id);
    return row;
  };

  // Defaults (no domain involved).
  app.get('/v3/domains/config/default', authed, async (request) => {
    authorize(svc, request, 'identity:get_domain_config_default');
    return { config: DEFAULTS };
  });
  app.get<{ Params: { group: string } }>('/v3/domains/config/:group/default', authed, async (request) => {
    authorize(svc, request, 'identity:get_domain_config_default');
    const group = DEFAULTS[request.params.group];
    if (!group) throw forbidden(`Group ${request.params.group} is not supported for domain specific configurations`);
    return { config: { [request.params.group]: group } };
  });
  app.get<{ Params: { group: string; option: string } }>('/v3/domains/config/:group/:option/default', authed, async (request) => {
    authorize(svc, request, 'identity:get_domain_config_default');
    const group = DEFAULTS[request.params.group];
    if (!group || !(request.params.option in group)) {
      throw forbidden(`Option ${request.params.option} in group ${request.params.group} is not supported for domain specific configurations`);
    }
    return { config: { [request.params.option]: group[request.params.option] } };
  });

  app.put<{ Params: { id: string } }>('/v3/domains/:id/config', { ...authed, schema: { body: ConfigBody } }, async (request, reply: FastifyReply) => {
    const row = await load(request.params.id, 'identity:create_domain_config', request);
    const config = (request.body as ConfigBodyT).config;
    assertValid(config);
    const existed = stored(row) !== undefined;
    await save(svc, row, config);
    return reply.status(existed ? 200 : 201).send({ config: visible(config) });
  });

  app.get<{ Params: { id: string; group?: string; option?: string } }>('/v3/domains/:id/config', authed, async (request) => {
    const row = await load(request.params.id, 'identity:get_domain_config', request);
    const config = stored(row);
    if (!config) throw missing(row.id, 'any options');
    return { config: visible(config) };
  });
  app.get<{ Params: { id: string; group: string } }>('/v3/domains/:id/config/:group', authed, async (request) => {
    const row = await load(request.params.id, 'identity:get_domain_config', request);
    const group = visible(stored(row) ?? {})[request.params.group];
    if (!group) throw missing(row.id, request.params.group);
    return { config: { [request.params.group]: group } };
  });
  app.get<{ Params: { id: string; group: string; option: string } }>('/v3/domains/:id/config/:group/:option', authed, async (request) => {
    const row = await load(request.params.id, 'identity:get_domain_config', request);
    const { group, option } = request.params;
    const options = visible(stored(row) ?? {})[group];
    if (!options || !(option in options)) throw missing(row.id, option);
    return { config: { [option]: options[option] } };
  });

  // Updates merge into what is stored; the body names the same group/option as the URL.
  const update = async (id: string, request: Parameters<typeof authorize>[1], patch: (current: Config) => Config): Promise<Config> => {
    const row = await load(id, 'identity:update_domain_config', request);
    const current = stored(row);
    if (!current) throw missing(row.id, 'any options');
    const next = patch(structuredClone(current));
    assertValid(next);
    await save(svc, row, next);
    return visible(next);
  };
  app.patch<{ Params: { id: string } }>('/v3/domains/:id/config', { ...authed, schema: { body: ConfigBody } }, async (request) => {
    const body = (request.body as ConfigBodyT).config;
    assertValid(body);
    return { config: await update(request.params.id, request, (c) => {
      for (const [g, opts] of Object.entries(body)) c[g] = { ...(c[g] ?? {}), ...opts };
      return c;
    }) };
  });
  app.patch<{ Params: { id: string; group: string } }>('/v3/domains/:id/config/:group', { ...authed, schema: { body: ConfigBody } }, async (request) => {
    const body = (request.body as ConfigBodyT).config;
    const { group } = request.params;
    if (Object.keys(body).some((g) => g !== group)) throw validation(`Trying to update group ${group}, so that, and only that, group must be specified in the config`);
    assertValid(body);
    return { config: await update(request.params.id, request, (c) => {
      if (!c[group]) throw missing(request.params.id, group);
      c[group] = { ...c[group], ...(body[group] as Record<string, unknown>) };
      return c;
    }) };
  });
  app.patch<{ Params: { id: string; group: string; option: string } }>('/v3/domains/:id/config/:group/:option', { ...authed, schema: { body: ConfigBody } }, async (request) => {
    const body = (request.body as ConfigBodyT).config;
    const { group, option } = request.params;
    if (Object.keys(body).length !== 1 || !(option in body)) {
      throw validation(`Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`);
    }
    assertValid({ [group]: body });
    return { config: await update(request.params.id, request, (c) => {
      if (!c[group] || !(option in c[group])) throw missing(request.params.id, option);
      c[group] = { ...c[group], [option]: body[option] };
      return c;
    }) };
  });

  const remove = async (id: string, request: Parameters<typeof authorize>[1], reply: FastifyReply, cut: (c: Config) => Config | undefined): Promise<FastifyReply> => {
    const row = await load(id, 'identity:delete_domain_config', request);
    const current = stored(row);
    if (!current) throw missing(row.id, 'any options');
    await save(svc, row, cut(structuredClone(current)));
    return reply.status(204).send();
  };
  app.delete<{ Params: { id: string } }>('/v3/domains/:id/config', authed, async (request, reply) =>
    remove(request.params.id, request, reply, () => undefined));
  app.delete<{ Params: { id: string; group: string } }>('/v3/domains/:id/config/:group', authed, async (request, reply) =>
    remove(request.params.id, request, reply, (c) => {
      if (!c[request.params.group]) throw missing(request.params.id, request.params.group);
      delete c[request.params.group];
      return c;
    }));
  app.delete<{ Params: { id: string; group: string; option: string } }>('/v3/domains/:id/config/:group/:option', authed, async (request, reply) =>
    remove(request.params.id, request, reply, (c) => {
      const { group, option } = request.params;
      const options = c[group];
      if (!options || !(option in options)) throw missing(request.params.id, option);
      delete options[option];
      if (Object.keys(options).length === 0) delete c[group];
      return c;
    }));
}
