/** Running external commands (openstack, tempest, stestr, ...) from the harness. */
import { spawn } from 'node:child_process';
import { onExit } from './exit.js';

export interface RunOptions {
  cwd?: string;
  /** The complete environment of the child (not merged with process.env). */
  env?: NodeJS.ProcessEnv;
  /** Bytes written to the child's stdin (stdin is closed either way). */
  input?: string | Buffer;
  /** Kill the child (SIGTERM, then SIGKILL) after this long; default 10 minutes. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code; null when the child was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Raw stdout, for binary output such as a subunit stream. */
  stdoutBytes: Buffer;
  timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, ...). */
  spawnError?: Error;
}

/**
 * Runs `cmd args` to completion and collects its output. Never rejects: a missing
 * binary, a timeout or a non-zero exit all come back in the result.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const unregister = onExit(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, opts.timeoutMs ?? 10 * 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      spawnError = e;
    });
    child.stdin.on('error', () => {
      // The child may exit without reading its input (EPIPE); its exit code tells the story.
    });
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      unregister();
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
        timedOut,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

/** A copy of `env` without the OS_* variables a developer's shell may carry. */
export function cleanOsEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('OS_')) copy[k] = v;
  }
  return copy;
}

/** The last `lines` lines of `text`, for error reports. */
export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
