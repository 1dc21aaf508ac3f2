import { ServiceUnavailableError } from './errors.js';

/** Where a client's token comes from: the caller's own, or a service session's (renewed on demand). */
export type TokenSource = (renew: boolean) => Promise<string>;

/** A non-2xx answer of another service, with its status and body for the caller to map. */
export class RemoteApiError extends Error {
  constructor(readonly status: number, readonly body: unknown, message: string) {
    super(message);
    this.name = 'RemoteApiError';
  }
}

/**
 * JSON over HTTP to another OpenStack API with a token, as keystoneauth's adapter does:
 * one retry with a fresh token on 401; non-2xx answers become RemoteApiError carrying
 * the service's own error body; an unreachable service is a 503.
 */
export class JsonApiClient {
  constructor(readonly baseUrl: string, private readonly token: TokenSource, private readonly service: string, private readonly extraHeaders: Record<string, string> = {}) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res = await this.send(method, path, body, headers, false);
    if (res.status === 401) res = await this.send(method, path, body, headers, true);
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (res.status >= 300) throw new RemoteApiError(res.status, parsed, `${this.service} ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return parsed as T;
  }

  private async send(method: string, path: string, body: unknown, headers: Record<string, string>, renew: boolean): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.extraHeaders, ...headers, 'x-auth-token': await this.token(renew) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    try {
      return await fetch(`${this.baseUrl}${path}`, init);
    } catch {
      throw new ServiceUnavailableError(`The ${this.service} service is unreachable.`);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
