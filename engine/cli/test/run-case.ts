/**
 * @module Running one case: its inputs built, its stubs put in force, its request sent (after
 * any warmup, `repeat` times), each answer checked against the expectations, and the latency
 * percentiles held to the case's budget. A case passes when every answer does.
 */
import type { Clock } from '../../core/clock.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { toEngineError } from '../../core/errors.js';
import { checkError, checkOutputs, checkSteps } from '../testing/expect.js';
import type { StepRecord } from '../testing/step-records.js';
import type { CompiledStub } from '../testing/stubs.js';
import { loadTensor } from '../testing/tensor-source.js';
import { percentile } from '../perf/percentiles.js';
import type { TestCaseDecl } from '../../../pipelines/index.js';
import type { CoverageRecorder } from './coverage.js';
import type { SnapshotFile } from './snapshots.js';
import type { Target, TargetOutcome } from './targets.js';

/** How a case ended. */
export interface CaseResult {
  readonly file: string;
  readonly line: number;
  /** The model or pipeline tested. */
  readonly pipeline: string;
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly durationMs: number;
  /** What differed, one line each (continuations indented). */
  readonly failures: readonly string[];
  /** Checks that could not be made here (step outcomes a server does not report), one line each. */
  readonly notes?: readonly string[];
  /** The steps of the request that failed the case. */
  readonly steps?: readonly StepRecord[];
  /** Latency over the repeats, in ms. */
  readonly latency?: {
    readonly n: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

/** What a case runs against. */
export interface CaseContext {
  readonly target: Target;
  /** Times the case as CI sees it (wall time); latency budgets use the target's own timings. */
  readonly clock: Clock;
  readonly file: string;
  readonly line: number;
  readonly baseDir: string;
  readonly pipeline: string;
  readonly version?: number;
  /** File stubs with this case's over them. */
  readonly stubs: ReadonlyMap<string, CompiledStub>;
  readonly snapshots: SnapshotFile;
  readonly coverage?: CoverageRecorder;
}

/**
 * Runs one case to its result; never throws (a problem building it fails the case).
 *
 * @example
 * const result = await runCase(file.decl.cases[0]!, ctx);
 */
export async function runCase(c: TestCaseDecl, ctx: CaseContext): Promise<CaseResult> {
  const base = { file: ctx.file, line: ctx.line, pipeline: ctx.pipeline, name: c.name };
  if (c.skip) return { ...base, status: 'skipped', durationMs: 0, failures: [] };
  const durations: number[] = [];
  const notes = new Set<string>();
  const start = ctx.clock.now();
  const elapsed = () => ctx.clock.now() - start;
  try {
    const inputs: TensorMap = new Map<string, Tensor>();
    for (const [name, src] of Object.entries(c.inputs))
      inputs.set(name, await loadTensor(src, { baseDir: ctx.baseDir, what: `input '${name}'` }));
    const req = {
      model: ctx.pipeline,
      inputs,
      ...(ctx.version === undefined ? {} : { version: ctx.version }),
      ...(c.parameters ? { parameters: c.parameters } : {}),
      ...(c.outputs ? { outputs: c.outputs } : {}),
      ...(ctx.stubs.size > 0 ? { stubs: ctx.stubs } : {}),
    };
    for (let i = 0; i < c.warmup; i++) await ctx.target.run(req);
    for (let i = 0; i < c.repeat; i++) {
      const outcome = await ctx.target.run(req);
      ctx.coverage?.record(outcome.steps);
      durations.push(outcome.durationMs);
      const problems = await check(c, outcome, ctx, notes);
      if (problems.length > 0) {
        const which = c.repeat > 1 ? [`request ${i + 1} of ${c.repeat}:`] : [];
        return {
          ...base,
          status: 'failed',
          durationMs: elapsed(),
          failures: [...which, ...problems],
          steps: outcome.steps,
        };
      }
    }
  } catch (e) {
    return {
      ...base,
      status: 'failed',
      durationMs: elapsed(),
      failures: toEngineError(e).message.split('\n'),
    };
  }
  const latency = summarize(durations);
  const over = c.latency ? budget(c.latency, latency) : [];
  return {
    ...base,
    status: over.length > 0 ? 'failed' : 'passed',
    durationMs: elapsed(),
    failures: over,
    ...(c.repeat > 1 || c.latency ? { latency } : {}),
    ...(notes.size > 0 ? { notes: [...notes] } : {}),
  };
}

async function check(
  c: TestCaseDecl,
  o: TargetOutcome,
  ctx: CaseContext,
  notes: Set<string>,
): Promise<string[]> {
  const exp = c.expect;
  const lines: string[] = [];
  if (exp.error) {
    if (o.ok)
      lines.push(`expected the request to fail (${describeError(exp.error)}), but it succeeded`);
    else lines.push(...checkError(o, exp.error));
  } else if (!o.ok) {
    lines.push(`the request failed: ${o.status}${o.code ? ` ${o.code}` : ''}: ${o.message}`);
  } else if (exp.outputs) {
    lines.push(
      ...(await checkOutputs(o.outputs, exp.outputs, {
        baseDir: ctx.baseDir,
        snapshots: ctx.snapshots.forCase(c.name),
      })),
    );
  }
  if (exp.steps) {
    if (o.steps.length === 0 && ctx.target.mode === 'url') {
      // The same files serve as contract tests of any server: what it cannot report is noted, not failed.
      notes.add(
        o.ok
          ? "steps: not checked: the server reports no step outcomes (braid_debug is Braid's)"
          : 'steps: not checked: a server reports no step outcomes for a failed request; in-process checks them',
      );
    } else {
      lines.push(...checkSteps(o.steps, ctx.pipeline, exp.steps));
    }
  }
  return lines;
}

function describeError(e: {
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
}): string {
  const parts = [
    e.status === undefined ? '' : `status ${e.status}`,
    e.code ?? '',
    e.message === undefined ? '' : `message containing ${JSON.stringify(e.message)}`,
  ];
  return parts.filter(Boolean).join(', ') || 'any error';
}

function summarize(durations: readonly number[]): NonNullable<CaseResult['latency']> {
  const sorted = Float64Array.from(durations).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

function budget(
  limits: NonNullable<TestCaseDecl['latency']>,
  got: NonNullable<CaseResult['latency']>,
): string[] {
  const checks = [
    ['p50', limits.p50_ms, got.p50],
    ['p90', limits.p90_ms, got.p90],
    ['p99', limits.p99_ms, got.p99],
    ['max', limits.max_ms, got.max],
  ] as const;
  return checks
    .filter(([, limit, v]) => limit !== undefined && v > limit)
    .map(
      ([name, limit, v]) =>
        `latency ${name} ${v.toFixed(1)} ms is over its budget of ${limit} ms (${got.n} request(s))`,
    );
}
