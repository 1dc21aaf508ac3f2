import type { IdentityFixture } from '../test-support.js';

export type Json = Record<string, any>;

/** A response as tests read it: status, parsed body (or {}) and headers. */
export interface Reply {
  status: number;
  json: Json;
  headers: Record<string, unknown>;
}

/** Calls the identity API with a token; bodies are JSON. */
export async function call(f: IdentityFixture, token: string | undefined, method: string, url: string, payload?: unknown): Promise<Reply> {
  const res = await f.app.inject({
    method: method as 'GET', url,
    headers: { ...(token ? { 'x-auth-token': token } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Json) : {}, headers: res.headers };
}

/** Validates a token as its own subject: true when identity still accepts it. */
export async function tokenWorks(f: IdentityFixture, token: string): Promise<boolean> {
  const res = await f.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
  return res.statusCode === 200;
}
