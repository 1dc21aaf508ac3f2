import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { NotFoundError } from '../../core/http/index.js';
import type { IdentityService } from '../service.js';
import { notFound, validation } from '../errors.js';
import {
  addProjectEndpoint, addProjectEndpointGroup, deleteEndpointGroupCascade, endpointGroupIdsOfProject, endpointIdsOfProject,
  getEndpointGroupRow, getEndpointRow, hasProjectEndpoint, hasProjectEndpointGroup, insertEndpointGroup, listEndpointGroupRows,
  listEndpointRows, projectIdsOfEndpoint, projectIdsOfEndpointGroup, removeProjectEndpoint, removeProjectEndpointGroup,
  updateEndpointGroup, type EndpointGroupRow, type EndpointRow,
} from '../store/catalog.js';
import { parseJson, type Queryable } from '../store/db.js';
import { getProjectRow, type ProjectRow } from '../store/projects.js';
import { projectViews } from './projects.js';
import { authorize, baseUrl, created, listBody, queryParam, selfLink, type Guard } from './kit.js';
import { endpointView } from './endpoints.js';

const FILTER_KEYS = ['service_id', 'region_id', 'interface'];
const groupProperties = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  filters: Type.Record(Type.String(), Type.Unknown()),
};
const GroupCreate = Type.Object({ endpoint_group: Type.Object(groupProperties, { additionalProperties: false }) });
const GroupUpdate = Type.Object({ endpoint_group: Type.Partial(Type.Object(groupProperties), { additionalProperties: false, minProperties: 1 }) });
type GroupBody = Partial<Static<typeof GroupCreate>['endpoint_group']>;

function checkFilters(filters: Record<string, unknown>): void {
  for (const key of Object.keys(filters)) {
    if (!FILTER_KEYS.includes(key)) {
      throw validation(`Expecting to find ${FILTER_KEYS.join(' or ')} in endpoint_group. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
    }
  }
}

const groupPath = (id: string): string => `OS-EP-FILTER/endpoint_groups/${id}`;

function groupView(svc: IdentityService, request: FastifyRequest, row: EndpointGroupRow): Record<string, unknown> {
  return { id: row.id, name: row.name, description: row.description, filters: parseJson(row.filters), links: selfLink(svc, request, groupPath(row.id)) };
}

/** Views of the projects with these ids that still exist. */
async function projectViewsOf(svc: IdentityService, request: FastifyRequest, ids: string[]): Promise<Array<Record<string, unknown>>> {
  const rows: ProjectRow[] = [];
  for (const id of ids) {
    const row = await getProjectRow(svc.db, id);
    if (row) rows.push(row);
  }
  return projectViews(svc, request, rows);
}

/** Endpoints an endpoint group's filters select (every filter must match). */
async function endpointsOfGroup(db: Queryable, row: EndpointGroupRow): Promise<EndpointRow[]> {
  const filters = parseJson(row.filters);
  const all = await listEndpointRows(db);
  return all.filter((e) => Object.entries(filters).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));
}

async function requireGroup(svc: IdentityService, id: string): Promise<EndpointGroupRow> {
  const row = await getEndpointGroupRow(svc.db, id);
  if (!row) throw notFound('endpoint group', id);
  return row;
}

async function requireProject(svc: IdentityService, id: string): Promise<ProjectRow> {
  const row = await getProjectRow(svc.db, id);
  if (!row) throw notFound('project', id);
  return row;
}

async function requireEndpoint(svc: IdentityService, id: string): Promise<EndpointRow> {
  const row = await getEndpointRow(svc.db, id);
  if (!row) throw notFound('endpoint', id);
  return row;
}

const PREFIX = '/v3/OS-EP-FILTER';

/** OS-EP-FILTER: endpoint groups and project <-> endpoint associations. */
export function registerEndpointGroupRoutes(app: FastifyInstance, svc: IdentityService, authed: Guard): void {
  type G = { Params: { group_id: string } };
  type GP = { Params: { group_id: string; project_id: string } };
  type PE = { Params: { project_id: string; endpoint_id: string } };

  app.get(`${PREFIX}/endpoint_groups`, authed, async (request) => {
    authorize(svc, request, 'identity:list_endpoint_groups');
    const name = queryParam(request, 'name');
    const rows = await listEndpointGroupRows(svc.db, name !== undefined ? { name } : {});
    return listBody(svc, request, 'endpoint_groups', rows.map((r) => groupView(svc, request, r)));
  });

  app.post(`${PREFIX}/endpoint_groups`, { ...authed, schema: { body: GroupCreate } }, async (request, reply) => {
    authorize(svc, request, 'identity:create_endpoint_group');
    const body = (request.body as { endpoint_group: GroupBody }).endpoint_group;
    if (!body.filters || Object.keys(body.filters).length === 0) throw validation('filters field is required and cannot be empty');
    checkFilters(body.filters);
    const row: EndpointGroupRow = { id: svc.ids.hex(), name: body.name as string, description: body.description ?? null, filters: JSON.stringify(body.filters) };
    await insertEndpointGroup(svc.db, row);
    return created(reply, { endpoint_group: groupView(svc, request, row) });
  });

  app.get<G>(`${PREFIX}/endpoint_groups/:group_id`, authed, async (request) => {
    authorize(svc, request, 'identity:get_endpoint_group');
    return { endpoint_group: groupView(svc, request, await requireGroup(svc, request.params.group_id)) };
  });

  app.patch<G>(`${PREFIX}/endpoint_groups/:group_id`, { ...authed, schema: { body: GroupUpdate } }, async (request) => {
    authorize(svc, request, 'identity:update_endpoint_group');
    const row = await requireGroup(svc, request.params.group_id);
    const body = (request.body as { endpoint_group: GroupBody }).endpoint_group;
    if (body.filters !== undefined) checkFilters(body.filters);
    const next: EndpointGroupRow = {
      ...row,
      name: body.name ?? row.name,
      description: body.description !== undefined ? body.description : row.description,
      filters: body.filters !== undefined ? JSON.stringify(body.filters) : row.filters,
    };
    await updateEndpointGroup(svc.db, next);
    return { endpoint_group: groupView(svc, request, next) };
  });

  app.delete<G>(`${PREFIX}/endpoint_groups/:group_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:delete_endpoint_group');
    const row = await requireGroup(svc, request.params.group_id);
    await svc.db.transaction().execute(async (tx) => deleteEndpointGroupCascade(tx, row.id));
    return reply.status(204).send();
  });

  app.get<G>(`${PREFIX}/endpoint_groups/:group_id/endpoints`, authed, async (request) => {
    authorize(svc, request, 'identity:list_endpoints_associated_with_endpoint_group');
    const rows = await endpointsOfGroup(svc.db, await requireGroup(svc, request.params.group_id));
    return listBody(svc, request, 'endpoints', rows.map((e) => endpointView(svc, request, e)));
  });

  app.get<G>(`${PREFIX}/endpoint_groups/:group_id/projects`, authed, async (request) => {
    authorize(svc, request, 'identity:list_projects_associated_with_endpoint_group');
    const group = await requireGroup(svc, request.params.group_id);
    return listBody(svc, request, 'projects', await projectViewsOf(svc, request, await projectIdsOfEndpointGroup(svc.db, group.id)));
  });

  app.get<GP>(`${PREFIX}/endpoint_groups/:group_id/projects/:project_id`, authed, async (request) => {
    authorize(svc, request, 'identity:get_endpoint_group_in_project');
    const project = await requireProject(svc, request.params.project_id);
    const group = await requireGroup(svc, request.params.group_id);
    if (!(await hasProjectEndpointGroup(svc.db, group.id, project.id))) {
      throw new NotFoundError(`Could not find endpoint group ${group.id} associated with project ${project.id}.`);
    }
    return {
      project_endpoint_group: {
        endpoint_group_id: group.id, project_id: project.id,
        links: { self: `${baseUrl(svc, request)}/v3/${groupPath(group.id)}/projects/${project.id}` },
      },
    };
  });

  app.put<GP>(`${PREFIX}/endpoint_groups/:group_id/projects/:project_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:add_endpoint_group_to_project');
    const project = await requireProject(svc, request.params.project_id);
    const group = await requireGroup(svc, request.params.group_id);
    await addProjectEndpointGroup(svc.db, group.id, project.id);
    return reply.status(204).send();
  });

  app.delete<GP>(`${PREFIX}/endpoint_groups/:group_id/projects/:project_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:remove_endpoint_group_from_project');
    const project = await requireProject(svc, request.params.project_id);
    const group = await requireGroup(svc, request.params.group_id);
    if (!(await hasProjectEndpointGroup(svc.db, group.id, project.id))) {
      throw new NotFoundError(`Could not find endpoint group ${group.id} associated with project ${project.id}.`);
    }
    await removeProjectEndpointGroup(svc.db, group.id, project.id);
    return reply.status(204).send();
  });

  app.get<{ Params: { project_id: string } }>(`${PREFIX}/projects/:project_id/endpoint_groups`, authed, async (request) => {
    authorize(svc, request, 'identity:list_endpoint_groups_for_project');
    const project = await requireProject(svc, request.params.project_id);
    const rows = await listEndpointGroupRows(svc.db, { ids: await endpointGroupIdsOfProject(svc.db, project.id) });
    return listBody(svc, request, 'endpoint_groups', rows.map((r) => groupView(svc, request, r)));
  });

  app.get<{ Params: { project_id: string } }>(`${PREFIX}/projects/:project_id/endpoints`, authed, async (request) => {
    authorize(svc, request, 'identity:list_endpoints_for_project');
    const project = await requireProject(svc, request.params.project_id);
    const byId = new Map<string, EndpointRow>();
    for (const id of await endpointIdsOfProject(svc.db, project.id)) {
      const e = await getEndpointRow(svc.db, id);
      if (e) byId.set(e.id, e);
    }
    for (const group of await listEndpointGroupRows(svc.db, { ids: await endpointGroupIdsOfProject(svc.db, project.id) })) {
      for (const e of await endpointsOfGroup(svc.db, group)) byId.set(e.id, e);
    }
    return listBody(svc, request, 'endpoints', [...byId.values()].map((e) => endpointView(svc, request, e)));
  });

  app.get<PE>(`${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:check_endpoint_in_project');
    const endpoint = await requireEndpoint(svc, request.params.endpoint_id);
    const project = await requireProject(svc, request.params.project_id);
    if (!(await hasProjectEndpoint(svc.db, endpoint.id, project.id))) {
      throw new NotFoundError(`Could not find endpoint ${endpoint.id} associated with project ${project.id}.`);
    }
    return reply.status(204).send();
  });

  app.put<PE>(`${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:add_endpoint_to_project');
    const endpoint = await requireEndpoint(svc, request.params.endpoint_id);
    const project = await requireProject(svc, request.params.project_id);
    await addProjectEndpoint(svc.db, endpoint.id, project.id);
    return reply.status(204).send();
  });

  app.delete<PE>(`${PREFIX}/projects/:project_id/endpoints/:endpoint_id`, authed, async (request, reply) => {
    authorize(svc, request, 'identity:remove_endpoint_from_project');
    const { endpoint_id: endpointId, project_id: projectId } = request.params;
    if (!(await hasProjectEndpoint(svc.db, endpointId, projectId))) {
      throw new NotFoundError(`Could not find endpoint ${endpointId} associated with project ${projectId}.`);
    }
    await removeProjectEndpoint(svc.db, endpointId, projectId);
    return reply.status(204).send();
  });

  app.get<{ Params: { endpoint_id: string } }>(`${PREFIX}/endpoints/:endpoint_id/projects`, authed, async (request) => {
    authorize(svc, request, 'identity:list_projects_for_endpoint');
    const endpoint = await requireEndpoint(svc, request.params.endpoint_id);
    return listBody(svc, request, 'projects', await projectViewsOf(svc, request, await projectIdsOfEndpoint(svc.db, endpoint.id)));
  });
}
