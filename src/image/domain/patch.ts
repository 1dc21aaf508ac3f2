import { BadRequestError } from '../../core/http/index.js';
import type { PatchOp } from './images.js';

/** The two JSON-patch dialects Glance accepts, by media type, and their schema drafts. */
export const PATCH_MEDIA_TYPES: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const OPERATIONS = ['add', 'remove', 'replace'] as const;
/** Only `locations` may be addressed deeper than one level (and Stratus keeps them hidden). */
const PATH_DEPTH: Record<string, Partial<Record<PatchOp['op'], number>>> = { locations: { add: 2, remove: 2, replace: 1 } };

function operationOf(raw: Record<string, unknown>, draft: 4 | 10): PatchOp['op'] {
  if (draft === 10) {
    const op = raw['op'];
    if (op === undefined) throw new BadRequestError(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPERATIONS.join(', ')}.`);
    if (!(OPERATIONS as readonly unknown[]).includes(op)) throw new BadRequestError(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${OPERATIONS.join(', ')}.`);
    return op as PatchOp['op'];
  }
  const present = OPERATIONS.filter((k) => k in raw);
  if (present.length > 1) throw new BadRequestError('Operation objects must contain only one member named "add", "remove", or "replace".');
  if (present.length === 0) throw new BadRequestError('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return present[0]!;
}

/** Glance accepts a restricted JSON pointer: "/a", "/a/b", with ~0 and ~1 escapes. */
function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new BadRequestError(`Pointer \`${String(pointer)}\` does not start with "/".`);
  if (!pointer.startsWith('/')) throw new BadRequestError(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequestError(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequestError(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw new BadRequestError(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw new BadRequestError(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer.replace(/^\/+/, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** Parses and shape-checks a PATCH body into changes (RequestDeserializer.update). */
export function parsePatch(body: unknown, draft: 4 | 10): PatchOp[] {
  if (body === undefined) throw new BadRequestError('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequestError('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError('Operations must be JSON objects.');
    const change = raw as Record<string, unknown>;
    const op = operationOf(change, draft);
    if (draft === 10 && !('path' in change)) throw new BadRequestError("Unable to find 'path' in JSON Schema change");
    const path = decodePointer(draft === 10 ? change['path'] : change[op]);
    const depth = PATH_DEPTH[path[0] ?? '']?.[op] ?? 1;
    if (path.length !== depth) throw new BadRequestError(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    if (op === 'remove') return { op, path, draft };
    if (!('value' in change)) throw new BadRequestError(`Operation "${op}" requires a member named "value".`);
    return { op, path, value: change['value'], draft };
  });
}
