import { mkdirSync } from 'node:fs';
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
  close(): Promise<void>;
}

/**
 * Opens the database one service owns. Every service gets its own schema so that no
 * service can read another's tables:
 *  - `sqlite:///abs/dir` (or a bare directory) -> one file per service, `dir/<service>.sqlite`
 *  - `postgresql://...` -> one schema per service, selected through search_path
 *  - `mysql://...` -> one database per service, `<database>_<service>`
 */
export async function openServiceDatabase<DB>(connection: string, service: string): Promise<ServiceDatabase<DB>> {
  const engine = engineOf(connection);
  if (engine === 'sqlite') return openSqlite<DB>(sqlitePath(connection), service);
  if (engine === 'postgresql') return openPostgres<DB>(connection, service);
  return openMysql<DB>(connection, service);
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
  return { db, engine: 'sqlite', location: file, close: () => db.destroy() };
}

async function openPostgres<DB>(connection: string, service: string): Promise<ServiceDatabase<DB>> {
  const { default: pg } = await import('pg');
  const url = connection.replace(/^postgres(ql)?\+\w+:/, 'postgresql:');
  const bootstrap = new pg.Client({ connectionString: url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${service}"`);
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${service}` });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgresql', location: service, close: () => db.destroy() };
}

async function openMysql<DB>(connection: string, service: string): Promise<ServiceDatabase<DB>> {
  const mysql = await import('mysql2');
  const url = new URL(connection.replace(/^(mysql|mariadb)(\+\w+)?:/, 'mysql:'));
  const base = url.pathname.replace(/^\//, '') || 'stratus';
  const database = `${base}_${service}`;
  const admin = mysql.createConnection({ uri: withoutDatabase(url) });
  await admin.promise().query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
  await admin.promise().end();
  url.pathname = `/${database}`;
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 10 });
  const dialect: Dialect = new MysqlDialect({ pool });
  const db = new Kysely<DB>({ dialect });
  return { db, engine: 'mysql', location: database, close: () => db.destroy() };
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
