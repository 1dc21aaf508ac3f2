/** Nova's timestamp form in its views: no zone, microseconds (2026-01-01T00:00:00.000000). */
export function novaTime(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/Z$/, '').replace(/(\.\d{3})$/, '$1000');
}
