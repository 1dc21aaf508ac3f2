/**
 * Keystone's free-form resource attributes: whatever a client sends beyond the known
 * fields is kept ("extra") and returned flat, and `options` are patched key by key.
 */

/** The attributes of `body` that are not among `known`. */
export function extraAttributes(body: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !known.includes(k)));
}

/** Options after a PATCH: a null value removes the option, anything else sets it. */
export function mergeOptions(current: Record<string, unknown>, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  const next = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}
