/**
 * A structured logger, call-compatible with pino (`log.info({ peer }, 'probe failed')`), so the
 * daemon can pass a pino instance straight in. Libraries default to `silentLogger`.
 */
export interface Logger {
  trace(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: object): Logger;
}

const noop = (): void => {};

export const silentLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
});

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** One captured log line, for tests that assert on what was logged. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string | undefined;
}

/** A logger that keeps every record in memory (bounded), for tests. */
export function memoryLogger(records: LogRecord[] = [], bindings: object = {}, recordsMax = 10_000): Logger {
  const at =
    (level: LogLevel) =>
    (fields: object, message?: string): void => {
      if (records.length >= recordsMax) records.shift();
      records.push({ level, fields: { ...bindings, ...fields }, message });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(records, { ...bindings, ...more }, recordsMax),
  };
}
