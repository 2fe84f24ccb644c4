/**
 * @module
 * Reading flag values as Triton reads them (src/command_line_parser.cc `ParseOption`,
 * `ParseIntBoolOption`), each failure an INVALID_ARG that names the flag and what came.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../core/errors.js';

/**
 * Parses the flags of a command; unknown flags are errors.
 *
 * @example
 * parse(['--x', '1'], { x: { type: 'string' } }).values.x; // '1'
 */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage((e as Error).message);
  }
}

/** An INVALID_ARG error: the CLI exits with status 2 and prints `msg`. */
export function usage(msg: string): EngineError {
  return new EngineError('INVALID_ARG', msg);
}

/**
 * An integer flag in [min, max].
 *
 * @example
 * int('--http-port', '8000', 0, 65535); // 8000
 */
export function int(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw usage(`${flag} must be an integer in [${min}, ${max}], got '${v}'`);
  }
  return n;
}

/**
 * A boolean flag, spelled as Triton accepts it: true/on/1 or false/off/0, in any case.
 *
 * @example
 * bool('--allow-http', 'OFF'); // false
 */
export function bool(flag: string, v: string): boolean {
  const lower = v.toLowerCase();
  if (lower === 'true' || lower === 'on' || lower === '1') return true;
  if (lower === 'false' || lower === 'off' || lower === '0') return false;
  throw usage(`${flag} must be true or false, got '${v}'`);
}

/**
 * `--log-verbose`: a level, or true (1) / false (0) as Triton's `ParseIntBoolOption` reads it.
 *
 * @example
 * verboseLevel('true'); // 1
 */
export function verboseLevel(v: string): number {
  const lower = v.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  return int('--log-verbose', v, 0);
}
