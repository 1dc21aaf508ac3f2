import { MysqlAdapter, PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Makes string columns behave the same on every engine (found by the `db` test tier,
 * regressions in api/db-portability.test.ts):
 *
 *  - group.name was varchar(64) and access_rule.path varchar(128), while the API
 *    accepts 255 and 225 characters (as Keystone does); SQLite ignores declared
 *    lengths, PostgreSQL and MariaDB (strict mode) failed with a 500. Both become
 *    varchar(255). The (user, service, path, method) unique key stays within InnoDB's
 *    3072-byte limit: (64 + 64 + 255 + 16) * 4 bytes.
 *  - MariaDB only: TEXT holds 64 KiB, but extras, credential and policy blobs may be
 *    as large as a request body; MEDIUMTEXT holds 16 MiB (SQLite and PostgreSQL text
 *    is unbounded).
 *  - MariaDB only: tables created before the database default became utf8mb4 with an
 *    exact collation (see openServiceDatabase) are converted to it, so names compare
 *    case- and trailing-space-sensitively, as on SQLite and PostgreSQL, and 4-byte UTF-8
 *    is stored. Tables that already have it are left alone (a rebuild per table would
 *    cost every fresh database a second for nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) {
    await sql`alter table "group" alter column name type varchar(255)`.execute(db);
    await sql`alter table access_rule alter column path type varchar(255)`.execute(db);
  } else if (adapter instanceof MysqlAdapter) {
    await mysqlPortableStrings(db);
  }
  // SQLite: declared lengths are not enforced, text is unbounded, comparison is binary.
}

/** Widened columns on every engine: [table, column, type, not null]. */
const WIDENED: Array<[string, string]> = [['group', 'name'], ['access_rule', 'path']];

async function mysqlPortableStrings(db: Kysely<unknown>): Promise<void> {
  const { rows: [schema] } = await sql<{ collation: string }>`
    select default_collation_name as collation from information_schema.schemata where schema_name = database()`.execute(db);
  const collation = schema?.collation ?? 'utf8mb4_bin';
  const { rows: tables } = await sql<{ name: string; collation: string }>`
    select table_name as name, table_collation as collation from information_schema.tables
    where table_schema = database() and table_type = 'BASE TABLE' and table_name not like 'stratus\\_migrations%'`.execute(db);
  const { rows: columns } = await sql<{ table: string; column: string; type: string; nullable: string }>`
    select table_name as \`table\`, column_name as \`column\`, data_type as type, is_nullable as nullable
    from information_schema.columns where table_schema = database()`.execute(db);
  const charset = sql.raw(`character set utf8mb4 collate ${collation}`);
  // MariaDB refuses to change the charset of a column a foreign key refers to, even
  // with foreign_key_checks = 0 ("used in a foreign key constraint"). Old tables are
  // therefore converted with their foreign keys dropped and re-created around it; the
  // session setting (Kysely runs a MySQL migration on one connection) saves re-checking
  // rows that were valid before. Fresh databases need no conversion and skip all this.
  const converting = tables.some((t) => t.collation !== collation);
  const keys = converting ? await foreignKeys(db) : [];
  await sql`set foreign_key_checks = 0`.execute(db);
  try {
    for (const k of keys) await sql`alter table ${sql.table(k.table)} drop foreign key ${sql.ref(k.name)}`.execute(db);
    await alterTables(db, tables, columns, collation, charset);
    for (const k of keys) {
      await sql`alter table ${sql.table(k.table)} add constraint ${sql.ref(k.name)} foreign key (${sql.join(k.columns.map((c) => sql.ref(c)))})
        references ${sql.table(k.referencedTable)} (${sql.join(k.referencedColumns.map((c) => sql.ref(c)))})
        on delete ${sql.raw(k.onDelete)} on update ${sql.raw(k.onUpdate)}`.execute(db);
    }
  } finally {
    await sql`set foreign_key_checks = 1`.execute(db);
  }
}

interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

const RULES = ['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'];

async function foreignKeys(db: Kysely<unknown>): Promise<ForeignKey[]> {
  const { rows } = await sql<{ name: string; table: string; column: string; rtable: string; rcolumn: string; del: string; upd: string }>`
    select k.constraint_name as name, k.table_name as \`table\`, k.column_name as \`column\`,
      k.referenced_table_name as rtable, k.referenced_column_name as rcolumn, r.delete_rule as del, r.update_rule as upd
    from information_schema.key_column_usage k
    join information_schema.referential_constraints r
      on r.constraint_schema = k.constraint_schema and r.constraint_name = k.constraint_name and r.table_name = k.table_name
    where k.table_schema = database() and k.referenced_table_name is not null
    order by k.table_name, k.constraint_name, k.ordinal_position`.execute(db);
  const keys = new Map<string, ForeignKey>();
  for (const r of rows) {
    const id = `${r.table}.${r.name}`;
    const rule = (x: string) => (RULES.includes(x) ? x : 'RESTRICT');
    const key = keys.get(id) ?? { name: r.name, table: r.table, columns: [], referencedTable: r.rtable, referencedColumns: [], onDelete: rule(r.del), onUpdate: rule(r.upd) };
    key.columns.push(r.column);
    key.referencedColumns.push(r.rcolumn);
    keys.set(id, key);
  }
  return [...keys.values()];
}

async function alterTables(
  db: Kysely<unknown>,
  tables: ReadonlyArray<{ name: string; collation: string }>,
  columns: ReadonlyArray<{ table: string; column: string; type: string; nullable: string }>,
  collation: string,
  charset: RawBuilder<unknown>,
): Promise<void> {
  for (const table of tables) {
    const changes = [];
    if (table.collation !== collation) changes.push(sql`convert to ${charset}`);
    for (const c of columns.filter((x) => x.table === table.name)) {
      const notNull = sql.raw(c.nullable === 'NO' ? ' not null' : '');
      if (c.type === 'text' || c.type === 'tinytext') {
        changes.push(sql`modify ${sql.ref(c.column)} mediumtext ${charset}${notNull}`);
      } else if (WIDENED.some(([t, col]) => t === table.name && col === c.column)) {
        changes.push(sql`modify ${sql.ref(c.column)} varchar(255) ${charset}${notNull}`);
      }
    }
    // One statement per table: InnoDB rebuilds a table once however many columns change.
    if (changes.length > 0) await sql`alter table ${sql.table(table.name)} ${sql.join(changes)}`.execute(db);
  }
}

export async function down(): Promise<void> {
  // Narrowing would truncate data; the wider types are harmless under older code.
}
