/**
 * @module Element-by-element comparison of a received tensor with expected values, reported
 * the way a test runner should: how many elements differ, the first differing indices with both
 * values, and for floats the largest absolute and relative errors. Floats compare with
 * `|received - expected| <= atol + rtol * |expected|` (NumPy's allclose) after the expected value
 * is rounded to the received datatype, so `0.1` matches an FP32 0.1 exactly; NaN equals NaN.
 * Pure: no I/O.
 */
import type { DataType } from '../../core/datatype.js';
import { FLOAT_TYPES, indexOf, preview, show, toBytes, toNumber } from './values.js';
import type { Element } from './values.js';
import { fromBf16, fromHalf, toBf16, toHalf } from './half.js';

/** How values are compared. */
export interface CompareOptions {
  readonly atol?: number;
  readonly rtol?: number;
  /** BYTES: compare case-insensitively. */
  readonly ignoreCase?: boolean;
  /** BYTES: trim and collapse runs of whitespace. */
  readonly collapseWhitespace?: boolean;
}

const FIRST_DIFFERENCES = 5;

/**
 * Compares received elements with expected ones (same count). Returns the lines describing the
 * differences, none when they agree.
 *
 * @example
 * compareElements('FP32', [2], [1, 2.5], [1, 2], { atol: 0.1 })[0]; // '1 of 2 element(s) differ (atol 0.1, rtol 0)'
 */
export function compareElements(
  datatype: DataType,
  shape: readonly number[],
  received: readonly Element[],
  expected: readonly unknown[],
  opts: CompareOptions = {},
): string[] {
  if (datatype === 'BYTES') return compareStrings(shape, received, expected, opts);
  return compareNumbers(datatype, shape, received, expected, opts);
}

/** Text as compared under `opts`. */
export function normalizeText(s: string, opts: CompareOptions): string {
  let t = opts.collapseWhitespace ? s.trim().replace(/\s+/g, ' ') : s;
  if (opts.ignoreCase) t = t.toLowerCase();
  return t;
}

function compareStrings(
  shape: readonly number[],
  received: readonly Element[],
  expected: readonly unknown[],
  opts: CompareOptions,
): string[] {
  const diffs: string[] = [];
  let count = 0;
  for (let i = 0; i < received.length; i++) {
    const e = expected[i];
    const want =
      typeof e === 'string'
        ? e
        : typeof e === 'object' && e !== null && 'base64' in e
          ? new TextDecoder().decode(toBytes(e, 'expected'))
          : JSON.stringify(e);
    if (normalizeText(String(received[i]), opts) === normalizeText(want, opts)) continue;
    if (count++ < FIRST_DIFFERENCES)
      diffs.push(
        `  at ${indexOf(i, shape)}: expected ${show(want)}, received ${show(received[i])}`,
      );
  }
  if (count === 0) return [];
  return [
    `${count} of ${received.length} element(s) differ${textMode(opts)}`,
    ...diffs,
    ...more(count),
  ];
}

function textMode(opts: CompareOptions): string {
  const modes = [
    opts.ignoreCase ? 'ignoring case' : '',
    opts.collapseWhitespace ? 'collapsing whitespace' : '',
  ].filter(Boolean);
  return modes.length ? ` (${modes.join(', ')})` : '';
}

function more(count: number): string[] {
  return count > FIRST_DIFFERENCES ? [`  ... and ${count - FIRST_DIFFERENCES} more`] : [];
}

/** The expected value as the received datatype stores it. */
function rounded(datatype: DataType, v: number): number {
  if (datatype === 'FP32') return Math.fround(v);
  if (datatype === 'FP16') return fromHalf(toHalf(v));
  if (datatype === 'BF16') return fromBf16(toBf16(v));
  return v;
}

function compareNumbers(
  datatype: DataType,
  shape: readonly number[],
  received: readonly Element[],
  expected: readonly unknown[],
  opts: CompareOptions,
): string[] {
  const atol = opts.atol ?? 0;
  const rtol = opts.rtol ?? 0;
  const float = FLOAT_TYPES.has(datatype);
  const diffs: string[] = [];
  let count = 0;
  let maxAbs = { err: 0, at: -1 };
  let maxRel = { err: 0, at: -1 };
  for (let i = 0; i < received.length; i++) {
    const r = received[i]!;
    const what = `expected element ${indexOf(i, shape)}`;
    if (typeof r === 'bigint' && atol === 0 && rtol === 0) {
      const e = exactInteger(expected[i], what);
      if (e === r) continue;
      if (count++ < FIRST_DIFFERENCES)
        diffs.push(`  at ${indexOf(i, shape)}: expected ${show(e)}, received ${show(r)}`);
      continue;
    }
    const e = float ? rounded(datatype, toNumber(expected[i], what)) : toNumber(expected[i], what);
    const x = Number(r);
    if (Number.isNaN(x) && Number.isNaN(e)) continue;
    const abs = Math.abs(x - e);
    if (x === e || abs <= atol + rtol * Math.abs(e)) continue;
    if (Number.isFinite(abs) && abs > maxAbs.err) maxAbs = { err: abs, at: i };
    const rel = e !== 0 ? abs / Math.abs(e) : Infinity;
    if (Number.isFinite(rel) && rel > maxRel.err) maxRel = { err: rel, at: i };
    if (count++ < FIRST_DIFFERENCES)
      diffs.push(
        `  at ${indexOf(i, shape)}: expected ${show(e)}, received ${show(x)}${Number.isFinite(abs) ? ` (abs error ${show(abs)})` : ''}`,
      );
  }
  if (count === 0) return [];
  const tol = float || atol > 0 || rtol > 0 ? ` (atol ${atol}, rtol ${rtol})` : '';
  const errors = [
    maxAbs.at >= 0 ? `max abs error ${show(maxAbs.err)} at ${indexOf(maxAbs.at, shape)}` : '',
    maxRel.at >= 0 ? `max rel error ${show(maxRel.err)} at ${indexOf(maxRel.at, shape)}` : '',
  ].filter(Boolean);
  return [
    `${count} of ${received.length} element(s) differ${tol}`,
    ...diffs,
    ...more(count),
    ...(errors.length ? [`  ${errors.join('; ')}`] : []),
  ];
}

function exactInteger(v: unknown, what: string): bigint | string {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return `${JSON.stringify(v)} (not an integer, ${what})`;
}

/**
 * Checks that every element lies within `[min, max]`. NaN lies outside any bound.
 *
 * @example
 * checkBounds([2], [0.4, 0.9], 0.5, undefined); // ['1 element(s) below min 0.5; first at [0]: 0.4']
 */
export function checkBounds(
  shape: readonly number[],
  received: readonly Element[],
  min: number | undefined,
  max: number | undefined,
): string[] {
  const out: string[] = [];
  const check = (bad: (x: number) => boolean, label: string) => {
    const idx = received.map((r, i) => (bad(Number(r)) ? i : -1)).filter(i => i >= 0);
    if (idx.length > 0)
      out.push(
        `${idx.length} element(s) ${label}; first at ${indexOf(idx[0]!, shape)}: ${show(Number(received[idx[0]!]))}`,
      );
  };
  if (min !== undefined) check(x => !(x >= min), `below min ${min}`);
  if (max !== undefined) check(x => !(x <= max), `above max ${max}`);
  return out;
}

/**
 * Checks that each wanted string occurs in some element.
 *
 * @example
 * checkContains(['Welcome to Brald'], ['Welcome to Braid'], {}); // ['no element contains "Welcome to Braid"; received ["Welcome to Brald"]']
 */
export function checkContains(
  received: readonly Element[],
  wanted: readonly string[],
  opts: CompareOptions,
): string[] {
  const texts = received.map(r => normalizeText(String(r), opts));
  const missing = wanted.filter(w => !texts.some(t => t.includes(normalizeText(w, opts))));
  return missing.map(
    w => `no element contains ${show(w)}${textMode(opts)}; received ${preview(received)}`,
  );
}
