/**
 * @module The Logger port engine code logs through, with a no-op default and an in-memory logger
 * for tests; engine/telemetry writes the lines.
 */
/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Severity of a log line, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The logging port. The engine logs through it; engine/telemetry and engine/cli provide the
 * implementation, tests use {@link noopLogger} or an in-memory one.
 */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** A logger that drops everything. */
export const noopLogger: Logger = {
  log() {},
  child() {
    return noopLogger;
  },
};

/**
 * A logger that keeps lines in memory, for tests.
 *
 * @example
 * const log = new InMemoryLogger(); doWork(log); expect(log.lines[0].msg).toBe('model ready');
 */
export class InMemoryLogger implements Logger {
  readonly lines: { level: LogLevel; msg: string; fields: LogFields }[];
  readonly #base: LogFields;

  constructor(base: LogFields = {}, lines?: { level: LogLevel; msg: string; fields: LogFields }[]) {
    this.#base = base;
    this.lines = lines ?? [];
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    this.lines.push({ level, msg, fields: { ...this.#base, ...fields } });
  }

  child(fields: LogFields): Logger {
    return new InMemoryLogger({ ...this.#base, ...fields }, this.lines);
  }
}
