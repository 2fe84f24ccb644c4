/**
 * @module Compiles a pipeline file into an {@link ExecutionPlan}: parse with positions, check
 * every step against the models it calls, type the dataflow, and emit plain data.
 */
import type { Backend } from '../engine/core/backend.js';
import type { ModelCatalog } from '../engine/core/model-catalog.js';
import type {
  ExecutionPlan,
  PlanOnError,
  PlanReturnValue,
  PlanStep,
  PlanTarget,
  PlanTensor,
} from '../engine/core/plan.js';
import { formatDiagnostic } from './diagnostics.js';
import type { Diagnostics, PipelineDiagnostic } from './diagnostics.js';
import type { NormStep } from './normalize.js';
import { normalizeSteps } from './normalize.js';
import { parsePipelineText } from './parse.js';
import { resolveSignatures } from './resolve.js';
import { streamingStep } from './streaming.js';
import type { ResolveOptions, StepSignature } from './resolve.js';
import type { PipelineFile } from './schema.js';
import type { Typing } from './typing.js';
import { inferTypes } from './typing.js';
import type { Wiring } from './wiring.js';
import { wirePipeline } from './wiring.js';

/** Options of {@link compilePipeline}. */
export interface CompileOptions {
  /** The pipeline's name (its directory in the repository). */
  readonly name: string;
  /** The file as messages name it. */
  readonly file: string;
  /** Directory that module paths are relative to. */
  readonly baseDir: string;
  /** The pipeline's model directory, which no module may leave. Default `baseDir`. */
  readonly modelDir?: string;
  readonly catalog: ModelCatalog;
  /** Runs `module:` steps (the JS backend). */
  readonly modules?: Backend;
}

/** A compiled pipeline and everything the checks reported (warnings included). */
export interface CompiledPipeline {
  readonly plan: ExecutionPlan;
  readonly diagnostics: readonly PipelineDiagnostic[];
  /** Signatures of the model and module steps, by plan step index. */
  readonly signatures: ReadonlyMap<number, StepSignature>;
}

/**
 * Compiles the text of a pipeline file. Throws {@link PipelineLoadError} listing every error
 * with file, line and column (code UNAVAILABLE when models are missing or not ready, else
 * INVALID_ARG).
 *
 * @example
 * const { plan } = await compilePipeline(text, { name: 'ocr', file: 'ocr/1/pipeline.yaml', baseDir: 'ocr/1', catalog });
 * console.log(explainPlan(plan));
 */
export async function compilePipeline(
  text: string,
  opts: CompileOptions,
): Promise<CompiledPipeline> {
  const { pipeline, diagnostics } = parsePipelineText(text, opts.file);
  diagnostics.throwIfErrors(opts.name);
  return compilePipelineFile(pipeline!, diagnostics, opts);
}

/** Checks beyond a pipeline file's, for pipelines declared elsewhere (Triton's ensembles). */
export interface CompileChecks {
  /** Runs once every step's signature is known, before wiring and types are checked. */
  readonly afterResolve?: (
    steps: readonly NormStep[],
    sigs: ReadonlyMap<number, StepSignature>,
    diag: Diagnostics,
  ) => void;
}

/**
 * Compiles a pipeline already in the file's shape, reporting into `diag` (whose locator maps
 * pipeline paths to wherever the pipeline was written). Throws like {@link compilePipeline}.
 *
 * @example
 * const compiled = await compilePipelineFile(ensemblePipeline(config), diagnostics, opts);
 */
export async function compilePipelineFile(
  pipeline: PipelineFile,
  diag: Diagnostics,
  opts: CompileOptions,
  checks: CompileChecks = {},
): Promise<CompiledPipeline> {
  const steps = normalizeSteps(pipeline, diag);
  const sigs = await resolveSignatures(steps, resolveOptions(opts), diag);
  checks.afterResolve?.(steps, sigs, diag);
  const wiring = wirePipeline(pipeline, steps, diag);
  const typing = wiring.order ? inferTypes(pipeline, wiring.order, sigs, wiring, diag) : undefined;
  diag.throwIfErrors(opts.name);
  const built = buildPlan(opts, pipeline, wiring, typing!, sigs, diag);
  const byPlanIndex = new Map<number, StepSignature>();
  wiring.order!.forEach((s, i) => {
    const sig = sigs.get(s.index);
    if (sig) byPlanIndex.set(i, sig);
  });
  const paths = wiring.order!.map(s => s.path);
  const streams = streamingStep(built, byPlanIndex, { paths }, diag);
  diag.throwIfErrors(opts.name);
  const plan = streams === undefined ? built : { ...built, streams };
  return { plan, diagnostics: diag.sorted(), signatures: byPlanIndex };
}

function resolveOptions(opts: CompileOptions): ResolveOptions {
  return {
    catalog: opts.catalog,
    baseDir: opts.baseDir,
    pipeline: opts.name,
    ...(opts.modelDir === undefined ? {} : { modelDir: opts.modelDir }),
    ...(opts.modules ? { modules: opts.modules } : {}),
  };
}

function buildPlan(
  opts: CompileOptions,
  file: PipelineFile,
  wiring: Wiring,
  typing: Typing,
  sigs: ReadonlyMap<number, StepSignature>,
  diag: Diagnostics,
): ExecutionPlan {
  const order = wiring.order!;
  const tensors = new Map<string, PlanTensor>();
  for (const [name, t] of typing.tensors) {
    const optional = file.inputs[name]?.optional ?? false;
    tensors.set(name, {
      name,
      datatype: t.datatype,
      shape: t.dims.map(d => typing.table.value(d) ?? -1),
      dims: t.dims.map(d => typing.table.show(d)),
      optional,
    });
  }
  const steps = order.map((s, i) => planStep(s, i, wiring, typing, sigs));
  const producer = new Map<string, number>();
  for (const s of steps) for (const o of s.outputs) producer.set(o.tensor, s.index);
  const levels: number[][] = [];
  for (const s of steps) (levels[s.level] ??= []).push(s.index);
  const outputs = Object.entries(file.outputs).map(([name, d]) => {
    const tensor = d.from ?? name;
    const src = tensors.get(tensor)!;
    return { name, tensor, spec: { ...src, name, optional: d.optional }, optional: d.optional };
  });
  warnMaybeAbsent(outputs, steps, producer, diag);
  return {
    name: opts.name,
    source: opts.file,
    inputs: Object.keys(file.inputs).map(n => tensors.get(n)!),
    outputs,
    steps,
    tensors,
    producer,
    levels,
    ...(file.deadline_ms === undefined ? {} : { deadlineMs: file.deadline_ms }),
    warnings: diag
      .sorted()
      .filter(d => d.severity === 'warning')
      .map(formatDiagnostic),
  };
}

function planStep(
  s: NormStep,
  index: number,
  wiring: Wiring,
  typing: Typing,
  sigs: ReadonlyMap<number, StepSignature>,
): PlanStep {
  const guard = wiring.guards.get(s.index);
  const map = s.decl.map;
  const r = s.retry;
  return {
    index,
    name: s.name,
    target: target(s, sigs),
    inputs: s.inputs.map(b => ({ param: b.param, tensor: b.tensor, optional: b.optional })),
    outputs: s.outputs.map(o => ({ param: o.param, tensor: o.tensor })),
    ...(guard ? { when: guard } : {}),
    ...(map ? { map: { over: map.over, mode: map.mode, maxParallel: map.max_parallel } } : {}),
    ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
    ...(r
      ? {
          retry: {
            attempts: r.attempts,
            on: r.on,
            backoffMs: r.backoff_ms,
            multiplier: r.multiplier,
            maxBackoffMs: r.max_backoff_ms,
          },
        }
      : {}),
    ...(s.kind === 'model' && s.decl.cache ? { cache: true } : {}),
    onError: onError(s, typing),
    ...(s.kind === 'return' ? { returns: returnValues(s, wiring, typing) } : {}),
    reads: wiring.reads.get(s.index) ?? [],
    level: wiring.levels.get(s.index) ?? 0,
  };
}

function target(s: NormStep, sigs: ReadonlyMap<number, StepSignature>): PlanTarget {
  if (s.kind === 'return') return { kind: 'return' };
  if (s.kind === 'module')
    return { kind: 'module', path: sigs.get(s.index)!.modulePath!, instances: s.decl.instances };
  return {
    kind: 'model',
    model: s.decl.model!,
    ...(s.decl.version === undefined ? {} : { version: s.decl.version }),
  };
}

function onError(s: NormStep, typing: Typing): PlanOnError {
  if (s.onError === 'default')
    return { policy: 'default', values: typing.defaults.get(s.index) ?? new Map() };
  return { policy: s.onError };
}

function returnValues(s: NormStep, wiring: Wiring, typing: Typing): Map<string, PlanReturnValue> {
  const out = new Map<string, PlanReturnValue>();
  const constants = typing.constants.get(s.index);
  for (const [name, v] of wiring.returns.get(s.index) ?? []) {
    if (typeof v === 'string') out.set(name, { tensor: v });
    else out.set(name, { constant: constants!.get(name)! });
  }
  return out;
}

/** Warns about required outputs that a guard, a skip policy or an optional input can leave absent. */
function warnMaybeAbsent(
  outputs: readonly { name: string; tensor: string; optional: boolean }[],
  steps: readonly PlanStep[],
  producer: ReadonlyMap<string, number>,
  diag: Diagnostics,
): void {
  for (const out of outputs) {
    if (out.optional) continue;
    const seen = new Set<number>();
    const queue = [producer.get(out.tensor)].filter((i): i is number => i !== undefined);
    let culprit: PlanStep | undefined;
    while (queue.length > 0 && !culprit) {
      const s = steps[queue.pop()!]!;
      if (seen.has(s.index)) continue;
      seen.add(s.index);
      if (s.when || s.onError.policy === 'skip') culprit = s;
      for (const b of s.inputs)
        if (!b.optional)
          queue.push(...[producer.get(b.tensor)].filter((i): i is number => i !== undefined));
    }
    if (culprit) {
      const why = culprit.when
        ? `its guard "${culprit.when.source}" can skip it`
        : 'on_error: skip can skip it';
      diag.warn(
        { path: ['outputs', out.name], key: true, tensor: out.tensor },
        `output may be absent: it depends on step '${culprit.name}' and ${why}; declare it optional or add an early return`,
      );
    }
  }
}
