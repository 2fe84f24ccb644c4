import type { LogFields, LogLevel, Logger } from '../core/logger.js';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `json`: one JSON object per line; `text`: `time LEVEL msg key=value ...`. Default text. */
  readonly format?: 'json' | 'text';
  /** Lowest level written. Default info. */
  readonly level?: LogLevel;
  /** Where lines go. Default process.stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

/**
 * A structured logger writing one line per event.
 *
 * @example
 * const log = createLogger({ format: 'json' });
 * log.child({ model: 'simple' }).log('info', 'model version READY', { duration_ms: 12 });
 */
export function createLogger(opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const format = opts.format ?? 'text';
  return {
    log(level, msg, fields = {}) {
      if (RANK[level] < min) return;
      const all = { ...base, ...fields };
      const time = now().toISOString();
      write(format === 'json' ? JSON.stringify({ time, level, msg, ...all }) : textLine(time, level, msg, all));
    },
    child(fields) {
      return createLogger(opts, { ...base, ...fields });
    },
  };
}

function textLine(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const kv = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? ' ' + kv : ''}`;
}
