/**
 * @module Serves requests of one compiled plan: compiles the plan's machine once, reads each
 * request's outputs and debug switch, works out which steps it needs (cached per set of
 * requested outputs), and drives it through the machine.
 */
import type { Mutable } from '../../engine/core/mutable.js';
import { systemClock } from '../../engine/core/clock.js';
import type { Clock } from '../../engine/core/clock.js';
import type { ModelCatalog } from '../../engine/core/model-catalog.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { ScheduledRequest } from '../../engine/core/scheduler.js';
import type { ModulePool } from '../module-pool.js';
import { checkSymbols, parseDebug, requestedOutputs } from './request-checks.js';
import { driveRequest } from './request-driver.js';
import { planMachine, requestLayout } from './request-layout.js';
import type {
  PipelineContext,
  PreparedRequest,
  RequestLayout,
  StreamedResponses,
} from './request-layout.js';
import type { PipelineResult } from './request-result.js';
import { targetLabel } from './step-call.js';
import type { PipelineObserver, StepStatistics } from './step-stats.js';
import { StepStatsRecorder } from './step-stats.js';

/** Options of {@link PipelineRunner}. */
export interface PipelineRunnerOptions {
  readonly plan: ExecutionPlan;
  readonly catalog: ModelCatalog;
  /** Pools of the plan's module steps, by step index. */
  readonly pools?: ReadonlyMap<number, ModulePool>;
  readonly clock?: Clock;
  readonly observer?: PipelineObserver;
}

/** What the runner reads of a request: the scheduler's request as it is, batch size and queue options aside. */
export type PipelineRequest = Pick<
  ScheduledRequest,
  'id' | 'inputs' | 'outputs' | 'parameters' | 'signal' | 'trace'
>;

const LAYOUT_CACHE_LIMIT = 64;

/**
 * Serves requests of one pipeline version. Safe to call concurrently: every request has its
 * own machine state and tensors; only the plan and statistics are shared.
 *
 * @example
 * const runner = new PipelineRunner({ plan, catalog });
 * const { outputs } = await runner.run({ inputs });
 */
export class PipelineRunner {
  readonly #context: PipelineContext;
  readonly #layouts = new Map<string, RequestLayout>();

  constructor(opts: PipelineRunnerOptions) {
    const plan = opts.plan;
    const clock = opts.clock ?? systemClock;
    this.#context = {
      plan,
      machine: planMachine(plan),
      runtime: { catalog: opts.catalog, pools: opts.pools ?? new Map(), clock },
      stats: new StepStatsRecorder(plan.steps.map(s => ({ name: s.name, target: targetLabel(s) }))),
      ...(opts.observer ? { observer: opts.observer } : {}),
      clock,
    };
  }

  get plan(): ExecutionPlan {
    return this.#context.plan;
  }

  /**
   * Runs one request whose inputs were checked against the pipeline's config. Rejects with
   * EngineError: INVALID_ARG for inputs whose symbols disagree, unknown outputs or a bad debug
   * parameter; otherwise as {@link driveRequest}. With `respond`, each response of a streaming
   * plan's decoupled step goes there as it comes, and the result holds only what an early return
   * answered.
   */
  async run(req: PipelineRequest, respond?: StreamedResponses): Promise<PipelineResult> {
    const plan = this.#context.plan;
    checkSymbols(plan, req.inputs);
    const outputs = requestedOutputs(plan, req.outputs);
    const debug = parseDebug(plan, req.parameters);
    // Built field by field: conditional spreads cost more than the rest of this function.
    const prepared: Mutable<PreparedRequest> = {
      inputs: req.inputs,
      layout: this.#layoutFor(outputs, debug?.capture ?? []),
      parameters: req.parameters ?? {},
    };
    if (req.id) prepared.id = req.id;
    if (req.signal) prepared.signal = req.signal;
    if (req.trace) prepared.trace = req.trace;
    if (debug) prepared.debug = true;
    if (respond && plan.streams !== undefined) prepared.respond = respond;
    return driveRequest(this.#context, prepared);
  }

  /** Cumulative per-step statistics. */
  stepStatistics(): StepStatistics[] {
    return this.#context.stats.snapshot();
  }

  #layoutFor(outputs: readonly PlanResult[], capture: readonly string[]): RequestLayout {
    const key =
      outputs.length === this.plan.outputs.length && capture.length === 0
        ? ''
        : `${outputs.map(o => o.name).join('\u0000')}\u0001${capture.join('\u0000')}`;
    let layout = this.#layouts.get(key);
    if (!layout) {
      layout = requestLayout(this.#context.plan, this.#context.machine, outputs, capture);
      // Debug lists are client-chosen; keep the cache from growing without bound.
      if (this.#layouts.size >= LAYOUT_CACHE_LIMIT) this.#layouts.clear();
      this.#layouts.set(key, layout);
    }
    return layout;
  }
}
