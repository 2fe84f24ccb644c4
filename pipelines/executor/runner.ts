/**
 * @module Runs requests against one compiled plan: checks each request, works out which steps
 * it needs (cached per set of requested outputs), runs it through the run
 * machine, and shapes the answer, debug capture included.
 */
import type { Mutable } from '../../engine/core/mutable.js';
import { systemClock } from '../../engine/core/clock.js';
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import type { ModelCatalog } from '../../engine/core/model-catalog.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { InferRequest, InferResponse, ParameterValue } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import type { ModulePool } from '../module-pool.js';
import { checkInputs, DEBUG_OUTPUT_PREFIX, DEBUG_PARAMETER, parseDebug, requestedOutputs } from './request.js';
import { runLayout } from './run-layout.js';
import type { RunLayout } from './run-layout.js';
import { executeRun } from './run.js';
import type { RunRequest, RunResult, RunShared } from './run.js';
import { targetLabel } from './step-call.js';
import type { PipelineObserver, StepStatistics } from './step-stats.js';
import { StepStatsRecorder } from './step-stats.js';

/** Options of {@link PipelineRunner}. */
export interface PipelineRunnerOptions {
  readonly plan: ExecutionPlan;
  /** Version reported in responses. */
  readonly version: number;
  readonly catalog: ModelCatalog;
  /** Pools of the plan's module steps, by step index. */
  readonly pools?: ReadonlyMap<number, ModulePool>;
  readonly clock?: Clock;
  readonly observer?: PipelineObserver;
}

/** A request to a pipeline in engine terms. */
export interface PipelineCall {
  readonly id?: string;
  readonly inputs: TensorMap;
  /** Output names; all when absent. */
  readonly outputs?: readonly string[];
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly signal?: CancelSignal;
  /** The pipeline request's span; each step opens a child span under it. */
  readonly trace?: TraceSpan;
}

const LAYOUT_CACHE_LIMIT = 64;

/**
 * Serves requests of one pipeline version. Safe to call concurrently: every request has its
 * own run state and tensors; only the plan and statistics are shared.
 *
 * @example
 * const runner = new PipelineRunner({ plan, version: 1, catalog });
 * const res = await runner.infer({ modelName: 'ocr', inputs });
 */
export class PipelineRunner {
  readonly #shared: RunShared;
  readonly #version: string;
  readonly #layouts = new Map<string, RunLayout>();

  constructor(opts: PipelineRunnerOptions) {
    const plan = opts.plan;
    const clock = opts.clock ?? systemClock;
    this.#version = String(opts.version);
    this.#shared = {
      plan,
      runtime: { catalog: opts.catalog, pools: opts.pools ?? new Map(), clock },
      stats: new StepStatsRecorder(plan.steps.map(s => ({ name: s.name, target: targetLabel(s) }))),
      ...(opts.observer ? { observer: opts.observer } : {}),
      clock,
    };
  }

  get plan(): ExecutionPlan {
    return this.#shared.plan;
  }

  /**
   * Runs one request. Rejects with EngineError: INVALID_ARG for bad inputs, outputs or debug
   * parameter; otherwise as {@link executeRun}.
   */
  async run(call: PipelineCall): Promise<RunResult> {
    const plan = this.#shared.plan;
    checkInputs(plan, call.inputs);
    const outputs = requestedOutputs(plan, call.outputs);
    const debug = parseDebug(plan, call.parameters);
    // Built field by field: conditional spreads cost more than the rest of this function.
    const req: Mutable<RunRequest> = { inputs: call.inputs, layout: this.#layoutFor(outputs, debug?.capture ?? []), parameters: call.parameters ?? {} };
    if (call.id) req.id = call.id;
    if (call.signal) req.signal = call.signal;
    if (call.trace) req.trace = call.trace;
    if (debug) req.debug = true;
    return executeRun(this.#shared, req);
  }

  /**
   * Runs an inference request as the engine's front door does. With the debug parameter the
   * response also carries `braid_debug.<tensor>` outputs and a `braid_debug` parameter holding
   * per-step timings as JSON.
   */
  async infer(req: InferRequest, ctx: { readonly trace?: TraceSpan } = {}): Promise<InferResponse> {
    const call: Mutable<PipelineCall> = { inputs: req.inputs };
    if (req.id) call.id = req.id;
    if (req.outputs) call.outputs = req.outputs.map(o => o.name);
    if (req.parameters) call.parameters = req.parameters;
    if (req.signal) call.signal = req.signal;
    if (ctx.trace) call.trace = ctx.trace;
    const result = await this.run(call);
    const res: Mutable<InferResponse> = { modelName: this.plan.name, modelVersion: this.#version, outputs: result.outputs };
    if (req.id) res.id = req.id;
    if (result.debug) {
      const outputs: TensorMap = new Map(result.outputs);
      for (const [name, t] of result.debug.tensors) outputs.set(`${DEBUG_OUTPUT_PREFIX}${name}`, t);
      res.outputs = outputs;
      res.parameters = { [DEBUG_PARAMETER]: JSON.stringify({ pipeline: this.plan.name, returned_by: result.returnedBy ?? null, steps: result.debug.steps }) };
    }
    return res;
  }

  /** Cumulative per-step statistics. */
  stepStatistics(): StepStatistics[] {
    return this.#shared.stats.snapshot();
  }

  #layoutFor(outputs: readonly PlanResult[], capture: readonly string[]): RunLayout {
    const key = outputs.length === this.plan.outputs.length && capture.length === 0 ? '' : `${outputs.map(o => o.name).join('\u0000')}\u0001${capture.join('\u0000')}`;
    let layout = this.#layouts.get(key);
    if (!layout) {
      layout = runLayout(this.#shared.plan, outputs, capture);
      // Debug lists are client-chosen; keep the cache from growing without bound.
      if (this.#layouts.size >= LAYOUT_CACHE_LIMIT) this.#layouts.clear();
      this.#layouts.set(key, layout);
    }
    return layout;
  }
}
