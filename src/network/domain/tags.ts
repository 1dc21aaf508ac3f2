import { addTag, removeTag, setTags, tagsOf } from '../db/tags.js';
import { invalidInput, notFound } from '../errors.js';
import type { NetworkService } from '../service.js';

/** Neutron's tag rules: 1-255 characters, no commas or slashes (they separate tags in filters and paths). */
export function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '' || tag.length > 255 || tag.includes(',') || tag.includes('/')) throw invalidInput(`'${String(tag)}' is not a valid tag`);
  return tag;
}

const tagNotFound = (tag: string) => notFound('TagNotFound', `Tag ${tag} could not be found.`);

export async function tagsFor(svc: NetworkService, id: string): Promise<string[]> {
  return (await tagsOf(svc.db, [id])).get(id) ?? [];
}

/** Replaces a resource's tags; the answer is the new set, sorted. */
export async function replaceTags(svc: NetworkService, id: string, tags: unknown): Promise<string[]> {
  if (!Array.isArray(tags)) throw invalidInput('Invalid tags body');
  const checked = tags.map(checkTag);
  await setTags(svc.db, id, checked);
  return [...new Set(checked)].sort();
}

export async function clearTags(svc: NetworkService, id: string): Promise<void> {
  await setTags(svc.db, id, []);
}

export async function assertTag(svc: NetworkService, id: string, tag: string): Promise<void> {
  if (!(await tagsFor(svc, id)).includes(tag)) throw tagNotFound(tag);
}

export async function putTag(svc: NetworkService, id: string, tag: string): Promise<void> {
  await addTag(svc.db, id, checkTag(tag));
}

export async function deleteTag(svc: NetworkService, id: string, tag: string): Promise<void> {
  if (!(await removeTag(svc.db, id, tag))) throw tagNotFound(tag);
}
