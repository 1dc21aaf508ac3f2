import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** Every route of an app with its methods, read from Fastify's printed route tree. */
export function routesOf(app: FastifyInstance): Array<{ path: string; methods: string[] }> {
  const out: Array<{ path: string; methods: string[] }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)(?:└── |├── )(.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1]!.length / 4);
    stack.length = depth;
    stack[depth] = m[2]!;
    if (m[3]) out.push({ path: stack.join(''), methods: m[3].split(', ') });
  }
  return out;
}

/** Wrong types where requests put values, NUL characters (which PostgreSQL refuses); the last one has every common field wrong at once. */
export const WRONG_VALUES: readonly unknown[] = [null, 1, 'x', [], {}, { a: 1 }, true, 'nul\u0000', { name: 'nul\u0000', id: 'nul\u0000' }, {
  name: 1, id: {}, flavorRef: {}, imageRef: [], type: 9, host: 5, adminPass: 3, length: 'zz', state: 1, address: {}, cidr: 7, ip_version: 'six',
  network_id: [], subnet_id: 1, port_id: {}, fixed_ips: 'x', allocation_pools: 1, admin_state_up: 'maybe', tags: 3, metadata: 'x', tenant_id: 4,
  project_id: [], availability_zone: 7, description: 5, enabled: 'x', protocol: 99, direction: 'sideways', port_range_min: 'a', ethertype: 1,
}];

export interface BadInputSweep {
  app: FastifyInstance;
  /** A request path for a route path: its parameters filled in. */
  concrete(path: string): string;
  /** The bodies to send with a write method to this URL. */
  bodies(method: string, url: string): readonly unknown[];
  /** A query string of nonsense for GETs. */
  query: string;
  send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body: unknown): Promise<LightMyRequestResponse>;
  /** Whether an error response carries the service's own fault body. */
  isFault(res: LightMyRequestResponse): boolean;
  /** Requests to leave out (ones that would remove what the later routes need). */
  skip?(method: string, path: string): boolean;
}

/**
 * Sends every route wrong-typed bodies and nonsense queries; answers what went wrong
 * (a 5xx, or a 4xx without the service's fault body) and the statuses seen.
 */
export async function sweepBadInput(s: BadInputSweep): Promise<{ wrong: string[]; statuses: Set<number>; routes: number }> {
  const wrong: string[] = [];
  const statuses = new Set<number>();
  const routes = routesOf(s.app);
  for (const { path, methods } of routes) {
    const url = s.concrete(path);
    for (const method of methods.filter((m): m is 'GET' | 'POST' | 'PUT' | 'DELETE' => ['GET', 'POST', 'PUT', 'DELETE'].includes(m))) {
      if (s.skip?.(method, path)) continue;
      const requests = method === 'GET' ? [{ url: url + s.query, body: undefined }] : method === 'DELETE' ? [{ url, body: undefined }] : s.bodies(method, url).map((body) => ({ url, body }));
      for (const r of requests) {
        const res = await s.send(method, r.url, r.body);
        statuses.add(res.statusCode);
        const said = `${method} ${r.url} ${JSON.stringify(r.body) ?? ''} -> ${res.statusCode} ${res.body.slice(0, 160)}`;
        if (res.statusCode >= 500) wrong.push(said);
        else if (res.statusCode >= 400 && !s.isFault(res)) wrong.push(`not the service's fault body: ${said}`);
      }
    }
  }
  return { wrong, statuses, routes: routes.length };
}
