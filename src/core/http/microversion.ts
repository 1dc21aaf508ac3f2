import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiError } from './errors.js';

/** A microversion "X.Y", compared numerically (2.10 > 2.9). */
export class ApiVersion {
  constructor(readonly major: number, readonly minor: number) {}

  /** Parses "X.Y"; undefined when the text is not of that form. */
  static parse(text: string): ApiVersion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(text.trim());
    return m ? new ApiVersion(Number(m[1]), Number(m[2])) : undefined;
  }

  /** Parses a version literal written in code; throws on a typo. */
  static of(text: string): ApiVersion {
    const v = ApiVersion.parse(text);
    if (!v) throw new Error(`not a microversion: ${text}`);
    return v;
  }

  compare(other: ApiVersion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  /** True when this version is at least `min` (a literal like "2.47"). */
  atLeast(min: string): boolean {
    return this.compare(ApiVersion.of(min)) >= 0;
  }

  /** True when this version is at most `max`. */
  atMost(max: string): boolean {
    return this.compare(ApiVersion.of(max)) <= 0;
  }

  /** True when min <= this <= max (max optional). */
  within(min: string, max?: string): boolean {
    return this.atLeast(min) && (max === undefined || this.atMost(max));
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

/** How one service negotiates microversions (API-WG's microversion guideline). */
export interface MicroversionPolicy {
  /** Service type in `OpenStack-API-Version: <type> X.Y` ("compute", "placement"). */
  serviceType: string;
  min: string;
  max: string;
  /** A service-specific legacy header read when the standard one names no version (Nova's X-OpenStack-Nova-API-Version). */
  legacyHeader?: string;
  /** Only requests whose path matches are versioned (Nova's /v2.1 but not its version documents). */
  appliesTo?: (path: string) => boolean;
  /** The service's error for a header that is not "X.Y" or "latest" (400). */
  invalid(text: string): ApiError;
  /** The service's error for a version outside min..max (406). */
  unacceptable(version: ApiVersion, min: string, max: string): ApiError;
}

/** A route's microversion range: outside it the route answers 404 as if it did not exist. */
export interface VersionedRouteConfig {
  versions?: { min?: string; max?: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated microversion (the minimum when the client asked for none). */
    apiVersion: ApiVersion;
  }
}

/**
 * Negotiates the microversion of every request from `OpenStack-API-Version` (and a
 * legacy header), answers with the version used in the response headers, and hides
 * routes whose `config.versions` range excludes it (404, as Nova and Placement do).
 */
export function useMicroversions(app: FastifyInstance, policy: MicroversionPolicy, notFound: () => ApiError): void {
  const min = ApiVersion.of(policy.min);
  const max = ApiVersion.of(policy.max);
  const legacy = policy.legacyHeader?.toLowerCase();
  app.decorateRequest('apiVersion', null as unknown as ApiVersion);
  app.addHook('onRequest', async (request, reply) => {
    request.apiVersion = min;
    if (policy.appliesTo && !policy.appliesTo(request.url.split('?')[0] ?? '/')) return;
    const asked = requestedVersion(request, policy.serviceType, legacy);
    let version = min;
    if (asked !== undefined) {
      if (asked.toLowerCase() === 'latest') version = max;
      else {
        const parsed = ApiVersion.parse(asked);
        if (!parsed) throw policy.invalid(asked);
        if (parsed.compare(min) < 0 || parsed.compare(max) > 0) throw policy.unacceptable(parsed, policy.min, policy.max);
        version = parsed;
      }
    }
    request.apiVersion = version;
    reply.header('OpenStack-API-Version', `${policy.serviceType} ${version.toString()}`);
    if (policy.legacyHeader) reply.header(policy.legacyHeader, version.toString());
    reply.header('Vary', policy.legacyHeader ? `OpenStack-API-Version, ${policy.legacyHeader}` : 'OpenStack-API-Version');
  });
  app.addHook('preValidation', async (request) => {
    const range = (request.routeOptions.config as VersionedRouteConfig | undefined)?.versions;
    if (!range) return;
    if ((range.min && !request.apiVersion.atLeast(range.min)) || (range.max && !request.apiVersion.atMost(range.max))) throw notFound();
  });
}

/** The version text the client asked for, or undefined when it named none for this service. */
function requestedVersion(request: FastifyRequest, serviceType: string, legacy: string | undefined): string | undefined {
  const header = request.headers['openstack-api-version'];
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const value of values) {
    for (const entry of value.split(',')) {
      const [type, version] = entry.trim().split(/\s+/, 2);
      if (type?.toLowerCase() === serviceType && version !== undefined) return version;
    }
  }
  if (legacy) {
    const old = request.headers[legacy];
    const text = Array.isArray(old) ? old[0] : old;
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}
