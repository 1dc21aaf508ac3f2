/**
 * Checks for what arrives over the bus: the sender may run another version, so a
 * handler validates its arguments before acting on them.
 */
export function textArg(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${name} must be a non-empty string`);
  return v;
}
