/**
 * perf_analyzer's `start:end:step` ranges for concurrency and request-rate sweeps.
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';

/** A sweep from `start` to `end` (inclusive) by `step`. */
export interface SweepRange {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/**
 * Parses `start[:end[:step]]`; `end` defaults to `start` and `step` to 1. With `integer`, every
 * part must be a whole number (concurrency).
 *
 * @example
 * parseRange('1:8:2', '--concurrency-range', true); // { start: 1, end: 8, step: 2 }
 */
export function parseRange(text: string, flag: string, integer: boolean): SweepRange {
  const parts = text.split(':');
  const nums = parts.map(p => (p.trim() === '' ? NaN : Number(p)));
  const bad = (why: string) =>
    new EngineError('INVALID_ARG', `${flag} must be start[:end[:step]] ${why}, got '${text}'`);
  const start = nums[0];
  if (parts.length > 3 || start === undefined || nums.some(n => !Number.isFinite(n)))
    throw bad('with numbers');
  const end = nums[1] ?? start;
  const step = nums[2] ?? 1;
  if (integer && nums.some(n => !Number.isInteger(n))) throw bad('with whole numbers');
  if (!(start > 0) || end < start || !(step > 0)) throw bad('with 0 < start <= end and step > 0');
  return { start, end, step };
}

/**
 * The levels of a range, in order; the end is included when the steps land on it.
 *
 * @example
 * rangeValues({ start: 1, end: 8, step: 3 }); // [1, 4, 7]
 */
export function rangeValues(r: SweepRange): number[] {
  const out: number[] = [];
  // Repeated float addition drifts; compute each level from the start instead.
  for (let i = 0; ; i++) {
    const v = Number((r.start + i * r.step).toPrecision(12));
    if (v > r.end + 1e-9) break;
    out.push(v);
  }
  return out;
}
