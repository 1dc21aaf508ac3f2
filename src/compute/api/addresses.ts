import { badRequest } from '../errors.js';

/** An IPv4 address in dotted form, or Nova's 400. */
export function checkIpv4(text: string, field = 'accessIPv4'): string {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${text}. '${text}' is not a 'ipv4'`);
  }
  return text;
}

/** An IPv6 address in its canonical short form (as Nova stores accessIPv6), or Nova's 400. */
export function checkIpv6(text: string, field = 'accessIPv6'): string {
  try {
    if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) throw new Error('not IPv6');
    return new URL(`http://[${text}]`).hostname.slice(1, -1);
  } catch {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${text}. '${text}' is not a 'ipv6'`);
  }
}
