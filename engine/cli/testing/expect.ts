/**
 * @module Checking what a request produced against what a test expects: each output's
 * datatype, shape, values (with tolerances), bounds, strings and golden snapshot; how named
 * steps ended; and the error of a request that must fail. Each check returns the lines that
 * describe what differed, none when all agree.
 */
import type { DataType } from '../../core/datatype.js';
import { formatShape } from '../../core/tensor.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { checkBounds, checkContains, compareElements } from './compare.js';
import type { CompareOptions } from './compare.js';
import type { StepOutcome, StepRecord } from './step-records.js';
import { readValues } from './tensor-source.js';
import type { TensorSource, WrittenValues } from './tensor-source.js';
import { elements, preview } from './values.js';

/** What one output must be (the test file's form). */
export interface OutputExpectation extends TensorSource {
  readonly shape?: readonly number[];
  readonly atol?: number;
  readonly rtol?: number;
  readonly min?: number;
  readonly max?: number;
  readonly contains?: readonly string[];
  readonly ignore_case?: boolean;
  readonly collapse_whitespace?: boolean;
  readonly snapshot?: boolean;
}

/** How a step must have ended: its status, or some of its counts. */
export type StepExpectation =
  | StepOutcome
  | {
      readonly status?: StepOutcome;
      readonly retries?: number;
      readonly calls?: number;
      readonly items?: number;
    };

/** The golden value of one output, when `snapshot: true`. */
export interface SnapshotAccess {
  /** The recorded value; undefined when none is recorded. */
  readonly expected: (output: string) => WrittenValues | undefined;
  /** Present when recording (`--update`): records the value instead of comparing. */
  readonly record?: (output: string, t: Tensor) => void;
}

/** Where output checks read files and snapshots. */
export interface OutputCheckContext {
  readonly baseDir: string;
  readonly snapshots?: SnapshotAccess;
}

/**
 * Checks every expected output. Returns lines naming the output and what differed.
 *
 * @example
 * await checkOutputs(res.outputs, { TEXT: { contains: ['Welcome'] } }, { baseDir: '.' }); // [] when it does
 */
export async function checkOutputs(
  received: TensorMap,
  expected: Readonly<Record<string, OutputExpectation>>,
  ctx: OutputCheckContext,
): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, exp] of Object.entries(expected)) {
    const t = received.get(name);
    const problems = t
      ? await checkOutput(name, t, exp, ctx)
      : [
          `missing from the response; it has ${[...received.keys()].map(k => `'${k}'`).join(', ') || 'no outputs'}`,
        ];
    if (problems.length === 0) continue;
    lines.push(`output '${name}': ${problems[0]}`, ...problems.slice(1).map(p => `  ${p}`));
  }
  return lines;
}

async function checkOutput(
  name: string,
  t: Tensor,
  exp: OutputExpectation,
  ctx: OutputCheckContext,
): Promise<string[]> {
  const opts: CompareOptions = {
    ...(exp.atol === undefined ? {} : { atol: exp.atol }),
    ...(exp.rtol === undefined ? {} : { rtol: exp.rtol }),
    ...(exp.ignore_case ? { ignoreCase: true } : {}),
    ...(exp.collapse_whitespace ? { collapseWhitespace: true } : {}),
  };
  const out: string[] = [];
  if (exp.datatype !== undefined && exp.datatype !== t.datatype)
    out.push(`datatype: expected ${exp.datatype}, received ${t.datatype}`);
  if (exp.shape !== undefined && !shapeFits(exp.shape, t.shape))
    out.push(`shape: expected ${formatShape(exp.shape)}, received ${formatShape(t.shape)}`);
  const values = elements(t);
  if (exp.data !== undefined || exp.file !== undefined) {
    const want = await readValues(exp, { baseDir: ctx.baseDir, what: `expected output '${name}'` });
    out.push(...compareTo(t, values, want, exp.shape, opts, 'values'));
  }
  if (exp.snapshot) out.push(...snapshot(name, t, values, exp, opts, ctx));
  if (exp.min !== undefined || exp.max !== undefined) {
    if (t.datatype === 'BYTES') out.push('min and max apply to numbers; this output is BYTES');
    else out.push(...checkBounds(t.shape, values, exp.min, exp.max));
  }
  if (exp.contains !== undefined) {
    if (t.datatype !== 'BYTES') out.push(`contains applies to BYTES; this output is ${t.datatype}`);
    else out.push(...checkContains(values, exp.contains, opts));
  }
  return out;
}

function snapshot(
  name: string,
  t: Tensor,
  values: ReturnType<typeof elements>,
  exp: OutputExpectation,
  opts: CompareOptions,
  ctx: OutputCheckContext,
): string[] {
  const snaps = ctx.snapshots;
  if (!snaps)
    return [
      'snapshot: true needs a test file to keep the golden value next to; compare with data or file instead',
    ];
  if (snaps.record) {
    snaps.record(name, t);
    return [];
  }
  const want = snaps.expected(name);
  if (!want)
    return [
      'no snapshot is recorded for it yet; run braid test --update to record the current value',
    ];
  return compareTo(t, values, want, exp.shape, opts, 'snapshot');
}

function compareTo(
  t: Tensor,
  values: ReturnType<typeof elements>,
  want: WrittenValues,
  declared: readonly number[] | undefined,
  opts: CompareOptions,
  label: string,
): string[] {
  const shape = declared && !declared.includes(-1) ? declared : want.shape;
  if (want.datatype && want.datatype !== t.datatype && label === 'snapshot')
    return [`${label}: recorded as ${want.datatype}, received ${t.datatype}`];
  if (shape && formatShape(shape) !== formatShape(t.shape)) {
    return [
      `${label}: expected shape ${formatShape(shape)}, received ${formatShape(t.shape)}`,
      `expected ${preview(want.values)}`,
      `received ${preview(values)}`,
    ];
  }
  if (want.values.length !== values.length) {
    return [
      `${label}: expected ${want.values.length} element(s), received ${values.length}`,
      `expected ${preview(want.values)}`,
      `received ${preview(values)}`,
    ];
  }
  const diffs = compareElements(t.datatype as DataType, t.shape, values, want.values, opts);
  return diffs.length === 0 ? [] : [`${label}: ${diffs[0]}`, ...diffs.slice(1)];
}

function shapeFits(expected: readonly number[], actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((d, i) => d === -1 || d === actual[i]);
}

/**
 * Checks how named steps of `pipeline` ended. A step with no record did not run (`not_run`).
 *
 * @example
 * checkSteps(res.steps, 'ocr', { no_text: 'skipped', recognize: 'ran' }); // [] when it went that way
 */
export function checkSteps(
  records: readonly StepRecord[],
  pipeline: string,
  expected: Readonly<Record<string, StepExpectation>>,
): string[] {
  const mine = records.filter(r => r.pipeline === pipeline);
  const lines: string[] = [];
  for (const [step, exp] of Object.entries(expected)) {
    const r = mine.find(x => x.step === step);
    const want = typeof exp === 'string' ? { status: exp } : exp;
    const status = r?.status ?? 'not_run';
    if (want.status !== undefined && want.status !== status)
      lines.push(
        `step '${step}': expected ${want.status}, received ${status}${r?.reason ? ` (${firstLine(r.reason)})` : ''}`,
      );
    for (const key of ['retries', 'calls', 'items'] as const) {
      const w = want[key];
      if (w !== undefined && w !== (r?.[key] ?? 0))
        lines.push(`step '${step}': expected ${key} ${w}, received ${r?.[key] ?? 0}`);
    }
  }
  return lines;
}

/** What a failing request must report. */
export interface ErrorExpectation {
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
}

/**
 * Checks a failure against the expected one: HTTP status, error code, a substring of the message.
 *
 * @example
 * checkError({ status: 400, message: 'not an image' }, { status: 400, code: 'INVALID_ARG' }, { message: 'prepare' });
 */
export function checkError(
  got: { readonly status: number; readonly code?: string; readonly message: string },
  exp: ErrorExpectation,
): string[] {
  const lines: string[] = [];
  if (exp.status !== undefined && exp.status !== got.status)
    lines.push(`error status: expected ${exp.status}, received ${got.status}`);
  if (exp.code !== undefined && got.code !== undefined && exp.code !== got.code)
    lines.push(`error code: expected ${exp.code}, received ${got.code}`);
  if (exp.message !== undefined && !got.message.includes(exp.message))
    lines.push(
      `error message: expected it to contain ${JSON.stringify(exp.message)}, received ${JSON.stringify(got.message)}`,
    );
  return lines;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
