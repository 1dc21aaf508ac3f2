import { execFile } from 'node:child_process';

/** A host command (ip, nft, qemu-img, dnsmasq, ...) that exited non-zero: what it was and what it said. */
export class CommandFailed extends Error {
  constructor(readonly command: string, readonly code: number | string | null, readonly stderr: string) {
    super(`${command} failed (${code ?? 'signal'}): ${stderr.trim() || 'no output'}`);
    this.name = 'CommandFailed';
  }
}

export interface CommandOptions {
  /** Run inside this network namespace (`ip netns exec NS ...`). */
  netns?: string;
  /** Written to the command's stdin (an nft script, an `ip -batch` list). */
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs one host command and returns its stdout; a non-zero exit throws CommandFailed
 * with the command's own message, which is what an operator needs in the log. Only
 * absolute tool names from PATH, never a shell: arguments come from API objects.
 */
export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions = {}): Promise<string> {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, [...args]];
  const shown = [file, ...argv].join(' ');
  return new Promise((resolve, reject) => {
    const child = execFile(file, argv, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new CommandFailed(shown, (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null, String(stderr || err.message)));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
