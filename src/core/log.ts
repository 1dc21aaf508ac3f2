import pino from 'pino';

export type Logger = pino.Logger;

/** The process logger; services take children of it named after themselves. */
export function createLogger(options: { level?: string; destination?: string } = {}): Logger {
  const level = options.level ?? process.env['STRATUS_LOG_LEVEL'] ?? 'info';
  if (options.destination) {
    return pino({ level }, pino.destination({ dest: options.destination, sync: false, mkdir: true }));
  }
  return pino({ level });
}
