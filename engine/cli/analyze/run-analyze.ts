/**
 * `braid analyze`'s search: measure the model's current configuration, then candidates from the
 * search space (each served by its own `braid serve` on its own copy of the repository) with
 * the perf engine, and pick the best under the objective and constraints.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { Document } from 'yaml';
import { EngineError } from '../../core/errors.js';
import type { ChildServer } from '../child-server.js';
import type { LevelResult } from '../perf/measure-level.js';
import { modelPath } from '../perf/model-info.js';
import { runPerf } from '../perf/run-perf.js';
import type { PerfOptions } from '../perf/run-perf.js';
import { sendOnce } from '../perf/send-once.js';
import { baseSettings, candidateConfigText, configDocument } from './candidate-config.js';
import type { CompletedConfig } from './candidate-config.js';
import { candidateRepository, readModelConfigText } from './repository-copy.js';
import { scoreCandidate } from './score.js';
import { describePoint } from './score.js';
import type { CandidateScore, Constraints, Objective, OperatingPoint } from './score.js';
import { bruteSearch, isBetter, quickSearch } from './search.js';
import type { GridPoint } from './search.js';
import { launchBraid } from './serve-candidate.js';
import type { LaunchServer } from './serve-candidate.js';
import {
  candidateAt,
  candidateLabel,
  defaultSpace,
  pointOf,
  spaceSizes,
  withBase,
} from './space.js';
import type { BaseSettings, Candidate, SearchSpace } from './space.js';

/** The perf settings of every candidate's measurement (a concurrency sweep). */
export type MeasureSettings = Omit<
  PerfOptions,
  'url' | 'model' | 'version' | 'mode' | 'range' | 'levels'
> & {
  /** Concurrency levels, in order. */
  readonly concurrency: readonly number[];
};

/** Options of {@link runAnalyze}. */
export interface AnalyzeOptions {
  readonly repository: string;
  readonly model: string;
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly search: 'quick' | 'brute';
  /** Replaces settings of the default space; the current config's values are always added. */
  readonly space?: Partial<SearchSpace>;
  readonly measure: MeasureSettings;
  /** Progress messages, one line each. */
  readonly onEvent?: (line: string) => void;
  readonly launch?: LaunchServer;
  readonly cores?: number;
}

/** One candidate measured. */
export interface CandidateRun {
  readonly index: number;
  readonly candidate: Candidate;
  readonly label: string;
  readonly configText: string;
  /** Whether this is the model's configuration as found. */
  readonly isDefault: boolean;
  readonly levels: readonly LevelResult[];
  readonly score: CandidateScore;
  /** Why it could not be measured (load failure, refused requests). */
  readonly error?: string;
}

/** The whole analysis. */
export interface AnalyzeResult {
  readonly model: string;
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly search: 'quick' | 'brute';
  readonly space: SearchSpace;
  readonly runs: readonly CandidateRun[];
  readonly defaultRun: CandidateRun;
  readonly best: CandidateRun;
}

interface Context {
  readonly o: AnalyzeOptions;
  readonly launch: LaunchServer;
  readonly runs: CandidateRun[];
}

function operatingPoints(levels: readonly LevelResult[]): OperatingPoint[] {
  return levels.map(l => ({
    concurrency: l.level.value,
    throughput: l.throughput,
    p99Ms: l.latencyMs.p99,
  }));
}

async function measure(ctx: Context, server: ChildServer): Promise<LevelResult[]> {
  const { concurrency, ...perf } = ctx.o.measure;
  const report = await runPerf({
    ...perf,
    url: server.origin,
    model: ctx.o.model,
    levels: concurrency,
  });
  return [...report.levels];
}

/** Serves `configText` (the original file when `original`), runs `during`, always cleans up. */
async function withServer<T>(
  ctx: Context,
  configText: string | undefined,
  during: (s: ChildServer) => Promise<T>,
): Promise<T> {
  const repo = await candidateRepository(ctx.o.repository, ctx.o.model, configText);
  try {
    const server = await ctx.launch(repo.dir, ctx.o.model);
    try {
      return await during(server);
    } finally {
      await server.stop();
    }
  } finally {
    await repo.dispose();
  }
}

/**
 * A run's outcome as text: its chosen point, whether it misses the constraints, or why it failed.
 *
 * @example
 * runSummary(result.best); // '2500.0 infer/s, p99 5.00 ms at concurrency 8'
 */
export function runSummary(run: CandidateRun): string {
  if (run.error !== undefined) return `failed: ${run.error.split('\n')[0] ?? ''}`;
  if (!run.score.point) return 'no valid point';
  return describePoint(run.score.point) + (run.score.feasible ? '' : ' (misses the constraints)');
}

/**
 * Recommended throughput over the current config's, when both meet the constraints and the
 * objective is throughput.
 *
 * @example
 * throughputGain(result); // 2.4
 */
export function throughputGain(r: AnalyzeResult): number | undefined {
  const d = r.defaultRun.score;
  const b = r.best.score;
  if (r.objective !== 'throughput' || !d.feasible || !b.feasible || !d.point || !b.point)
    return undefined;
  return b.point.throughput / d.point.throughput;
}

function record(ctx: Context, run: Omit<CandidateRun, 'index' | 'label'>): CandidateRun {
  const full = { ...run, index: ctx.runs.length + 1, label: candidateLabel(run.candidate) };
  ctx.runs.push(full);
  const tag = full.isDefault ? ' (current config)' : '';
  ctx.o.onEvent?.(`candidate ${full.index}${tag}: ${full.label}: ${runSummary(full)}`);
  return full;
}

async function measureCandidate(
  ctx: Context,
  candidate: Candidate,
  configText: string,
): Promise<CandidateRun> {
  ctx.o.onEvent?.(`measuring candidate ${ctx.runs.length + 1}: ${candidateLabel(candidate)}`);
  try {
    const levels = await withServer(ctx, configText, s => measure(ctx, s));
    const score = scoreCandidate(operatingPoints(levels), ctx.o.objective, ctx.o.constraints);
    return record(ctx, { candidate, configText, isDefault: false, levels, score });
  } catch (e) {
    const failed = { feasible: false, value: -Infinity };
    return record(ctx, {
      candidate,
      configText,
      isDefault: false,
      levels: [],
      score: failed,
      error: (e as Error).message,
    });
  }
}

interface Baseline {
  readonly doc: Document;
  readonly completed: CompletedConfig;
  readonly base: BaseSettings;
  readonly run: CandidateRun;
}

async function measureDefault(ctx: Context): Promise<Baseline> {
  const { model } = ctx.o;
  const original = await readModelConfigText(ctx.o.repository, model);
  const doc = configDocument(original, model);
  ctx.o.onEvent?.(`measuring the current config of '${model}'`);
  const { completed, levels } = await withServer(ctx, original, async server => {
    const res = await sendOnce(`${server.origin}${modelPath(model)}/config`);
    if (res.status !== 200)
      throw new EngineError('UNAVAILABLE', `config of model '${model}': HTTP ${res.status}`);
    const completed = JSON.parse(res.body.toString('utf8')) as CompletedConfig;
    return { completed, levels: await measure(ctx, server) };
  });
  const base = baseSettings(completed);
  const configText = candidateConfigText(doc, base, completed, base);
  const score = scoreCandidate(operatingPoints(levels), ctx.o.objective, ctx.o.constraints);
  const run = record(ctx, { candidate: base, configText, isDefault: true, levels, score });
  return { doc, completed, base, run };
}

/**
 * Runs the analysis and returns every measurement and the best candidate (the current config
 * when nothing beats it).
 *
 * @example
 * const r = await runAnalyze({ repository: 'models', model: 'mlp', objective: 'throughput',
 *   constraints: { latencyBudgetMs: 20 }, search: 'quick', measure: { concurrency: [1, 8, 32] } });
 * r.best.configText;
 */
export async function runAnalyze(o: AnalyzeOptions): Promise<AnalyzeResult> {
  const ctx: Context = { o, launch: o.launch ?? launchBraid, runs: [] };
  const baseline = await measureDefault(ctx);
  const { base } = baseline;
  const space = withBase(
    { ...defaultSpace(base, o.cores ?? availableParallelism()), ...o.space },
    base,
  );
  const byText = new Map<string, CandidateRun>([[baseline.run.configText, baseline.run]]);
  const evaluate = async (p: GridPoint) => {
    const candidate = candidateAt(space, p);
    const text = candidateConfigText(baseline.doc, candidate, baseline.completed, base);
    let run = byText.get(text);
    if (!run) {
      run = await measureCandidate(ctx, candidate, text);
      byText.set(text, run);
    }
    return run.score;
  };
  const sizes = spaceSizes(space);
  const found =
    o.search === 'brute'
      ? await bruteSearch(sizes, evaluate)
      : await quickSearch(sizes, pointOf(space, base), evaluate);
  const bestText = candidateConfigText(
    baseline.doc,
    candidateAt(space, found.best),
    baseline.completed,
    base,
  );
  const winner = byText.get(bestText) ?? baseline.run;
  const best = isBetter(winner.score, baseline.run.score) ? winner : baseline.run;
  const { model, objective, constraints, search } = o;
  return {
    model,
    objective,
    constraints,
    search,
    space,
    runs: ctx.runs,
    defaultRun: baseline.run,
    best,
  };
}
