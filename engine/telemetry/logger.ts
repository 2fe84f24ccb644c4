/**
 * @module The server's logger (JSON or text lines) and the log settings behind GET/POST
 * /v2/logging.
 */
import { describeValue, quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import type { LogFields, LogLevel, Logger } from '../core/logger.js';
import type { Mutable } from '../core/mutable.js';
import type { LoggingControl, LogSettings } from '../core/telemetry.js';

/** Line format: `json` is one JSON object per line; `text` is `time LEVEL msg key=value ...`. */
export type LogFormat = 'json' | 'text';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Default text. Ignored when `control` is given. */
  readonly format?: LogFormat;
  /** Lowest level written. Default info. Ignored when `control` is given. */
  readonly level?: LogLevel;
  /** Settings shared with the logging API, so they can change at run time. */
  readonly control?: LogControl;
  /** Where lines go. Default process.stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
  /** Also receives every line written, as fields (the console's log tail). */
  readonly tap?: (entry: { time: string; level: LogLevel; msg: string; fields: LogFields }) => void;
}

/**
 * The log settings behind GET/POST /v2/logging (reference §1.13): Triton's per-severity
 * switches and verbose level, read on every line so a change applies at once.
 * `log_verbose_level` 1 or more writes debug lines. `log_format` is `text` or `json`; Triton's
 * `default` and `ISO8601` are accepted and mean `text` (whose lines start with an ISO 8601 time).
 *
 * @example
 * const control = new LogControl({ log_verbose_level: 1 });
 * const log = createLogger({ control });
 * control.update({ log_info: false }); // info lines stop, warnings and errors go on
 */
export class LogControl implements LoggingControl {
  #s: LogSettings;

  constructor(initial: Partial<LogSettings> = {}) {
    this.#s = {
      log_file: '',
      log_info: true,
      log_warning: true,
      log_error: true,
      log_verbose_level: 0,
      log_format: 'text',
      ...initial,
    };
  }

  get(): LogSettings {
    return { ...this.#s };
  }

  update(patch: Readonly<Record<string, unknown>>): LogSettings {
    const next: Mutable<LogSettings> = { ...this.#s };
    for (const [key, v] of Object.entries(patch)) {
      if (v === null) continue;
      if (key === 'log_file')
        throw new EngineError(
          'UNSUPPORTED',
          'log file location can not be updated through network protocol',
        );
      if (key === 'log_info' || key === 'log_warning' || key === 'log_error')
        next[key] = bool(key, v);
      else if (key === 'log_verbose_level') next.log_verbose_level = verbose(v);
      else if (key === 'log_format') next.log_format = format(v);
      else {
        throw new EngineError(
          'INVALID_ARG',
          `unknown logging setting ${quote(key)}: expected log_info, log_warning, log_error, log_verbose_level or log_format`,
        );
      }
    }
    this.#s = next;
    return this.get();
  }

  /** Whether lines of `level` are written now. */
  enabled(level: LogLevel): boolean {
    const s = this.#s;
    if (level === 'debug') return s.log_verbose_level > 0;
    if (level === 'info') return s.log_info;
    return level === 'warn' ? s.log_warning : s.log_error;
  }

  /** The line format now. */
  get format(): LogFormat {
    return this.#s.log_format === 'json' ? 'json' : 'text';
  }
}

function bool(key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new EngineError(
      'INVALID_ARG',
      `logging setting '${key}' must be a boolean, got ${describeValue(v)}`,
    );
  }
  return v;
}

function verbose(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new EngineError(
      'INVALID_ARG',
      `logging setting 'log_verbose_level' must be an integer >= 0, got ${describeValue(v)}`,
    );
  }
  return v;
}

function format(v: unknown): LogFormat {
  if (v === 'text' || v === 'default' || v === 'ISO8601') return 'text';
  if (v === 'json') return 'json';
  throw new EngineError(
    'INVALID_ARG',
    `logging setting 'log_format' must be text, json, default or ISO8601, got ${describeValue(v)}`,
  );
}

/**
 * A structured logger writing one line per event.
 *
 * @example
 * const log = createLogger({ format: 'json' });
 * log.child({ model: 'simple' }).log('info', 'model version READY', { duration_ms: 12 });
 */
export function createLogger(opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const control = opts.control ?? controlFor(opts.level ?? 'info', opts.format ?? 'text');
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  return {
    log(level, msg, fields = {}) {
      if (!control.enabled(level)) return;
      const all = { ...base, ...fields };
      const time = now().toISOString();
      write(
        control.format === 'json'
          ? JSON.stringify({ time, level, msg, ...all })
          : textLine(time, level, msg, all),
      );
      opts.tap?.({ time, level, msg, fields: all });
    },
    child(fields) {
      return createLogger({ ...opts, control }, { ...base, ...fields });
    },
  };
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Settings that write `level` and above. */
function controlFor(level: LogLevel, format: LogFormat): LogControl {
  const rank = RANK[level];
  return new LogControl({
    log_format: format,
    log_verbose_level: rank === 0 ? 1 : 0,
    log_info: rank <= 1,
    log_warning: rank <= 2,
  });
}

function textLine(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const kv = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? ' ' + kv : ''}`;
}
