/**
 * @module The logger of `braid serve`: the format and levels its flags set (and /v2/logging
 * changes), an optional log file, and the tail the console shows.
 */
import { openSync, writeSync } from 'node:fs';
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LogTailRing } from '../telemetry/log-tail.js';
import { createLogger, LogControl } from '../telemetry/logger.js';
import type { ServeFlags } from './args.js';

/** The logger of `braid serve`, with the settings the logging API changes. */
export interface ServeLogger extends Logger {
  readonly control: LogControl;
  /** The last lines written, for the console's log tail. */
  readonly tail?: LogTailRing;
}

/**
 * The logger `braid serve` uses for its flags; its settings are the ones /v2/logging changes.
 * With `logFile` (Triton's --log-file) lines are appended to that file, written synchronously as
 * Node writes standard output to a file, so the last lines before a crash are not lost.
 */
export function loggerFor(
  flags: Pick<
    ServeFlags,
    'logFormat' | 'logVerbose' | 'logInfo' | 'logWarning' | 'logError' | 'logFile'
  >,
): ServeLogger {
  const control = new LogControl({
    log_file: flags.logFile ?? '',
    log_format: flags.logFormat,
    log_verbose_level: flags.logVerbose,
    log_info: flags.logInfo,
    log_warning: flags.logWarning,
    log_error: flags.logError,
  });
  const write = flags.logFile === undefined ? undefined : appendTo(flags.logFile);
  const tail = new LogTailRing();
  return Object.assign(
    createLogger({ control, tap: e => tail.push(e), ...(write ? { write } : {}) }),
    { control, tail },
  );
}

function appendTo(file: string): (line: string) => void {
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (e) {
    throw new EngineError(
      'INVALID_ARG',
      `--log-file '${file}' cannot be opened: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return line => void writeSync(fd, `${line}\n`);
}
