/**
 * Tier `db`: the identity vitest suite on real PostgreSQL and MariaDB servers, so the
 * same tests that run on SQLite prove the store layer on every engine Stratus supports.
 * Each engine gets a throw-away server (servers.ts); every fixture inside makes and
 * drops a schema/database of its own (identityFixture + STRATUS_TEST_DATABASE_URL).
 */
import { ensureDebs } from '../lib/debs.js';
import { runVitest } from '../lib/vitest.js';
import { startMariadb, startPostgres, unavailable, type DbServer, type Engine } from './servers.js';

export const DB_DEBS = ['postgresql', 'mariadb-server'] as const;

export interface EngineResult {
  engine: Engine;
  passed: number;
  failed: number;
  seconds: number;
  failures: string[];
  /** Set when this engine did not run at all. */
  note?: string;
}

export interface DbTierResult {
  passed: number;
  failed: number;
  engines: EngineResult[];
  /** Why no engine ran. */
  note?: string;
}

const STARTERS: Record<Engine, () => Promise<DbServer>> = { postgresql: startPostgres, mariadb: startMariadb };

async function runEngine(engine: Engine, paths: readonly string[]): Promise<EngineResult> {
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 100) / 10;
  let server: DbServer;
  try {
    server = await STARTERS[engine]();
  } catch (e) {
    return { engine, passed: 0, failed: 1, seconds: seconds(), failures: [`  FAIL  ${engine} server: ${(e as Error).message}`] };
  }
  try {
    const r = await runVitest([...paths], { ...process.env, STRATUS_TEST_DATABASE_URL: server.url });
    return { engine, ...r, seconds: seconds() };
  } finally {
    await server.stop();
  }
}

/**
 * Runs `paths` (default: the identity suite) once per engine, one engine after the
 * other (vitest already uses every core). When root, installs the server packages
 * first; otherwise an engine whose binaries are missing is reported as not run.
 */
export async function runDbTier(paths: readonly string[] = ['src/identity', 'src/image', 'src/network', 'src/placement', 'src/compute']): Promise<DbTierResult> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let debsNote: string | undefined;
  if (isRoot) {
    const debs = await ensureDebs(DB_DEBS);
    if (!debs.ok) debsNote = debs.note;
  }
  const engines: EngineResult[] = [];
  for (const engine of ['postgresql', 'mariadb'] as const) {
    const missing = unavailable(engine);
    if (missing) {
      const hint = debsNote ?? (isRoot ? missing : `${missing}; not root, install with: sudo apt-get install -y ${DB_DEBS.join(' ')}`);
      engines.push({ engine, passed: 0, failed: 0, seconds: 0, failures: [], note: hint });
      continue;
    }
    engines.push(await runEngine(engine, paths));
  }
  const ran = engines.filter((e) => e.note === undefined);
  return {
    passed: ran.reduce((n, e) => n + e.passed, 0),
    failed: ran.reduce((n, e) => n + e.failed, 0),
    engines,
    ...(ran.length === 0 ? { note: engines.map((e) => `${e.engine}: ${e.note ?? ''}`).join('; ') } : {}),
  };
}
