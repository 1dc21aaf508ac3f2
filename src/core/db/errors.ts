/** True when a database error is a unique or primary key violation, on any engine. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === '23505' || e.code === 'ER_DUP_ENTRY' || e.errno === 1062;
}

/** True when a database error is a foreign key violation (a row still referenced, or a missing parent). */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === '23503' || e.errno === 1451 || e.errno === 1452;
}
