/**
 * Keystone's auth method bitmask (keystone/auth/plugins/core.py): each name in
 * [auth] methods gets bit 2**index. The order is Keystone's default, so tokens
 * carry the same integers Keystone's would.
 */
export const AUTH_METHODS: readonly string[] = [
  'external',
  'password',
  'token',
  'oauth1',
  'mapped',
  'application_credential',
];

/** OR of each method's bit; throws TypeError for a name Keystone would silently drop (a caller bug). */
export function encodeMethods(methods: readonly string[], order: readonly string[] = AUTH_METHODS): number {
  let mask = 0;
  for (const method of methods) {
    const index = order.indexOf(method);
    if (index < 0) throw new TypeError(`Unknown auth method: ${method}`);
    // OR, not Keystone's sum: a duplicated name must not carry into another method's bit.
    mask |= 2 ** index;
  }
  return mask;
}

/** Names for each set bit, highest bit first as Keystone lists them; undefined if a bit is unknown. */
export function decodeMethods(mask: number, order: readonly string[] = AUTH_METHODS): string[] | undefined {
  if (mask >= 2 ** order.length) return undefined;
  const methods: string[] = [];
  for (let index = order.length - 1; index >= 0; index--) {
    const name = order[index];
    if (name !== undefined && mask & (2 ** index)) methods.push(name);
  }
  return methods;
}
