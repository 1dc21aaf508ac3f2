/**
 * Last-chance cleanup for the test harness: clouds, child processes and temp dirs
 * registered here are torn down when the harness exits for any reason (normal end,
 * uncaught error, Ctrl-C, SIGTERM from CI), so a crashed run leaves nothing behind.
 * Callers still clean up in try/finally; this only covers what they could not reach.
 */

/** A synchronous cleanup step: at exit time there is no event loop left to await on. */
export type CleanupFn = () => void;

const pending = new Set<CleanupFn>();
let installed = false;

function runAll(): void {
  // Newest first, like a stack of finally blocks.
  for (const fn of [...pending].reverse()) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // Best effort: one failing step must not stop the others.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ];
  for (const [signal, code] of signals) {
    process.on(signal, () => {
      process.stderr.write(`\nharness: ${signal} received, cleaning up\n`);
      runAll();
      process.exit(code);
    });
  }
}

/**
 * Registers `fn` to run at process exit; returns a function that unregisters it
 * (call it once the normal cleanup path has done the job).
 */
export function onExit(fn: CleanupFn): () => void {
  install();
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}
