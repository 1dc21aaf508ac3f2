import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely';
import { withStatementCache } from './statement-cache.js';

/** Which engine a connection URL selects; services branch on capabilities, not on this. */
export type DatabaseEngine = 'sqlite' | 'postgresql' | 'mysql';

export interface ServiceDatabase<DB> {
  readonly db: Kysely<DB>;
  readonly engine: DatabaseEngine;
  /** The schema (PostgreSQL), database (MariaDB) or file (SQLite) this service owns. */
  readonly location: string;
  /** What migrateToLatest needs to keep its bookkeeping in this service's own place. */
  readonly migrationOptions: { schema?: string };
  close(): Promise<void>;
}

/**
 * Opens the database one service owns. Every service gets its own schema so that no
 * service can read another's tables:
 *  - `sqlite:///abs/dir` (or a bare directory) -> one file per service, `dir/<service>.sqlite`
 *  - `postgresql://...` -> one schema per service, selected through search_path
 *  - `mysql://...` -> one database per service, `<database>_<service>`
 *
 * `options.name` replaces the service name in that place (file, schema or database
 * suffix); tests use it to give every fixture a throw-away schema of its own. It must
 * be a plain lower-case identifier because it is spliced into DDL.
 */
export async function openServiceDatabase<DB>(connection: string, service: string, options: ServiceDatabaseOptions = {}): Promise<ServiceDatabase<DB>> {
  const engine = engineOf(connection);
  const name = schemaName(service, options);
  if (engine === 'sqlite') return openSqlite<DB>(sqlitePath(connection), name);
  if (engine === 'postgresql') return openPostgres<DB>(connection, name);
  return openMysql<DB>(connection, name);
}

export interface ServiceDatabaseOptions {
  /** Schema / database suffix / file name to use instead of the service name. */
  name?: string;
}

/**
 * Drops what openServiceDatabase created for the same arguments (the SQLite file, the
 * PostgreSQL schema with CASCADE, the MariaDB database). Close the service's own
 * connections first. For tests' throw-away schemas; nothing in production calls it.
 */
export async function dropServiceDatabase(connection: string, service: string, options: ServiceDatabaseOptions = {}): Promise<void> {
  const engine = engineOf(connection);
  const name = schemaName(service, options);
  if (engine === 'sqlite') {
    const file = join(sqlitePath(connection), `${name}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  } else if (engine === 'postgresql') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: postgresUrl(connection) });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    } finally {
      await client.end();
    }
  } else {
    const mysql = await import('mysql2');
    const { url, database } = mysqlTarget(connection, name);
    const admin = mysql.createConnection({ uri: withoutDatabase(url) }).promise();
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    } finally {
      await admin.end();
    }
  }
}

function schemaName(service: string, options: ServiceDatabaseOptions): string {
  const name = options.name;
  if (name === undefined) return service;
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(name)) throw new Error(`invalid database schema name "${name}" (lower-case letters, digits and _ only)`);
  return name;
}

export function engineOf(connection: string): DatabaseEngine {
  if (/^postgres(ql)?(\+\w+)?:\/\//.test(connection)) return 'postgresql';
  if (/^(mysql|mariadb)(\+\w+)?:\/\//.test(connection)) return 'mysql';
  if (connection.startsWith('sqlite:') || connection.startsWith('/')) return 'sqlite';
  throw new Error(`unsupported database connection URL "${connection}" (use sqlite:///dir, postgresql://... or mysql://...)`);
}

function sqlitePath(connection: string): string {
  return connection.startsWith('sqlite:') ? connection.replace(/^sqlite:\/\//, '') : connection;
}

async function openSqlite<DB>(dir: string, service: string): Promise<ServiceDatabase<DB>> {
  const { default: Database } = await import('better-sqlite3');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${service}.sqlite`);
  const handle = new Database(file);
  // WAL lets readers proceed during a write; NORMAL sync is safe with WAL.
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  return { db, engine: 'sqlite', location: file, migrationOptions: {}, close: () => db.destroy() };
}

async function openPostgres<DB>(connection: string, service: string): Promise<ServiceDatabase<DB>> {
  const { default: pg } = await import('pg');
  const url = postgresUrl(connection);
  const bootstrap = new pg.Client({ connectionString: url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${service}"`);
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${service}` });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgresql', location: service, migrationOptions: { schema: service }, close: () => db.destroy() };
}

async function openMysql<DB>(connection: string, service: string): Promise<ServiceDatabase<DB>> {
  const mysql = await import('mysql2');
  const { url, database } = mysqlTarget(connection, service);
  const admin = mysql.createConnection({ uri: withoutDatabase(url) }).promise();
  try {
    // The server's defaults (often latin1, and always a case- and trailing-space-
    // insensitive collation) would make MariaDB reject 4-byte UTF-8 and treat "Alice",
    // "alice" and "alice " as one name, unlike SQLite and PostgreSQL. So every service
    // database defaults to utf8mb4 with a binary, NO PAD collation (compare code points,
    // exactly). ALTER also fixes the default of databases created before this rule;
    // each service's migrations convert its existing tables.
    const collation = await binaryCollation(admin);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
    await admin.query(`ALTER DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${database}`;
  // The connection itself speaks utf8mb4 too (mysql2's default, stated so it stays so).
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 10, charset: 'utf8mb4_unicode_ci' });
  const dialect: Dialect = new MysqlDialect({ pool });
  const db = new Kysely<DB>({ dialect });
  return { db, engine: 'mysql', location: database, migrationOptions: {}, close: () => db.destroy() };
}

/**
 * The exact-comparison utf8mb4 collation this server has: MariaDB's utf8mb4_nopad_bin,
 * MySQL 8's utf8mb4_0900_bin (both NO PAD), else utf8mb4_bin (binary, but PAD SPACE).
 */
async function binaryCollation(conn: { query(sql: string): Promise<unknown> }): Promise<string> {
  const preferred = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];
  const [rows] = (await conn.query(`SHOW COLLATION WHERE Collation IN ('${preferred.join("', '")}')`)) as [Array<{ Collation: string }>];
  return preferred.find((c) => rows.some((r) => r.Collation === c)) ?? 'utf8mb4_bin';
}

function postgresUrl(connection: string): string {
  return connection.replace(/^postgres(ql)?\+\w+:/, 'postgresql:');
}

/** The server URL and the database name `<database>_<service>` for a MariaDB/MySQL URL. */
function mysqlTarget(connection: string, service: string): { url: URL; database: string } {
  const url = new URL(connection.replace(/^(mysql|mariadb)(\+\w+)?:/, 'mysql:'));
  const base = url.pathname.replace(/^\//, '') || 'stratus';
  return { url, database: `${base}_${service}` };
}

function withoutDatabase(url: URL): string {
  const copy = new URL(url.toString());
  copy.pathname = '/';
  return copy.toString();
}

/** A cheap liveness probe used by readiness checks. */
export async function ping(db: Kysely<unknown>): Promise<void> {
  await sql`select 1`.execute(db);
}
