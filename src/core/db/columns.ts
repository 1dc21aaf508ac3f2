import { PostgresAdapter, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * Adds an auto-incrementing integer primary key the way each engine spells it:
 * `serial` on PostgreSQL, `integer ... autoincrement` / `auto_increment` elsewhere.
 */
export function withAutoIncrementId<T extends string>(db: Kysely<unknown>, table: CreateTableBuilder<T, never>, column = 'id'): CreateTableBuilder<T, never> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    return table.addColumn(column, 'serial', (c) => c.primaryKey()) as CreateTableBuilder<T, never>;
  }
  return table.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement()) as CreateTableBuilder<T, never>;
}
