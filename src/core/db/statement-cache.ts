import type { Database } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 with prepared statements reused by SQL text. Kysely prepares every
 * query afresh, and preparing (parsing + planning) cost more than running the small
 * lookups of the token hot path. Kysely always binds values as parameters, so the
 * distinct SQL texts are few; the cache is still bounded in case a caller inlines
 * values. Statements are plain objects, safe to reuse once a previous run finished
 * (better-sqlite3 is synchronous, so one always has) — except a statement being
 * iterated, which is why nothing here streams query results.
 */
export function withStatementCache(db: Database, maxStatements = 500): SqliteDatabase {
  const cache = new Map<string, ReturnType<Database['prepare']>>();
  return {
    close: () => db.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= maxStatements) cache.clear();
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
