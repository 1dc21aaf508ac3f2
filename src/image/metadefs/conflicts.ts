import { BadRequestError, ConflictError } from '../../core/http/index.js';
import { isUniqueViolation } from '../../core/db/index.js';

/**
 * Runs a write whose only expected failure is a name already taken, and turns that
 * into Glance's 409 with `message`. The unique constraint decides (not a read before
 * the write), so two racing creates cannot both succeed.
 */
export async function uniquely<T>(write: () => Promise<T>, message: string): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError(message);
    throw e;
  }
}

/**
 * wsme's complaint when a nested item lacks its mandatory field (Glance lets it reach
 * the model and answers 500; a 400 with wsme's own words is what the client needs).
 */
export function mandatory<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw new BadRequestError(`Invalid input for field/attribute ${field}. Value: 'None'. Mandatory field missing.`);
  return value;
}
