import { isIP } from 'node:net';
import { badRequest } from '../../errors.js';

/** The proxy APIs were deprecated at 2.36: above 2.35 their routes answer 404, as Nova's do. */
export const UNTIL_2_35 = { config: { versions: { max: '2.35' } } } as const;

/** Nova's _from_body: the named object of a request body, or its 400 for an empty body or a missing part. */
export function bodyPart(body: unknown, key: string): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Object.keys(body).length === 0) throw badRequest("The request body can't be empty");
  const part = (body as Record<string, unknown>)[key];
  if (part === undefined || part === null) throw badRequest(`Missing parameter ${key}`);
  if (typeof part !== 'object' || Array.isArray(part)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(part)}. ${JSON.stringify(part)} is not of type 'object'`);
  return part as Record<string, unknown>;
}

/** Nova's parameter_types.ip_address: an IPv4 or IPv6 address, or its schema 400. */
export function checkIpAddress(value: string, field: string): string {
  if (isIP(value) === 0) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${value}. '${value}' is not valid under any of the given schemas`);
  return value;
}
