/**
 * @module The record of how each step of one pipeline request started and ended: start times,
 * guard verdicts, trace spans, debug timings, and the step events that statistics and the
 * observer receive. Kept apart from the driver so that the driver holds only the dataflow.
 */
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { PipelineContext } from './request-layout.js';
import { NOT_STARTED, stepEvent, stepTiming } from './request-result.js';
import type { StepExtra, StepTiming } from './request-result.js';
import { closeStepSpan, openStepSpan } from './step-span.js';
import type { StepOutcome } from './step-stats.js';

/** Options of {@link StepLedger}. */
export interface StepLedgerOptions {
  readonly context: PipelineContext;
  /** The request's span; steps open theirs under it. */
  readonly trace: TraceSpan | undefined;
  /** Keep per-step timings for the debug answer. */
  readonly debug: boolean;
  /** Clock time the request started. */
  readonly start: number;
}

/**
 * One request's steps, as they start and end.
 *
 * @example
 * const ledger = new StepLedger({ context, start: clock.now(), trace: undefined, debug: false });
 * ledger.begin(step);
 * ledger.settled(step, 'ran', { calls: 1, retries: 0 });
 */
export class StepLedger {
  readonly #c: PipelineContext;
  readonly #trace: TraceSpan | undefined;
  readonly #start: number;
  /** Clock time each step started, or NOT_STARTED. */
  readonly #startedAt: number[];
  /** How each started step ended; undefined while it runs. */
  readonly #outcomes: (StepOutcome | undefined)[];
  /** Debug timings, when asked for. */
  readonly timings: (StepTiming | undefined)[] | undefined;
  readonly #spans: (TraceSpan | undefined)[] | undefined;
  /** What each evaluated `when:` guard said; made on the first guard, as most plans have none. */
  #guards: (boolean | undefined)[] | undefined;

  constructor(opts: StepLedgerOptions) {
    this.#c = opts.context;
    this.#trace = opts.trace;
    this.#start = opts.start;
    const n = opts.context.plan.steps.length;
    this.#startedAt = new Array<number>(n).fill(NOT_STARTED);
    this.#outcomes = new Array<StepOutcome | undefined>(n);
    this.timings = opts.debug ? new Array<StepTiming | undefined>(n) : undefined;
    this.#spans = opts.trace?.recording ? new Array<TraceSpan | undefined>(n) : undefined;
  }

  /** Notes that a step started (once: a guarded step starts when its guard is evaluated). */
  begin(step: PlanStep): void {
    if (this.#startedAt[step.index] !== NOT_STARTED) return;
    this.#startedAt[step.index] = this.#c.clock.now();
    const span = openStepSpan(this.#trace, this.#c.plan.name, step);
    if (this.#spans && span.recording) this.#spans[step.index] = span;
  }

  /** The span a started step's calls open under; the no-op span when the request is not traced. */
  span(step: PlanStep): TraceSpan {
    return this.#spans?.[step.index] ?? openStepSpan(undefined, this.#c.plan.name, step);
  }

  guard(step: PlanStep, held: boolean): void {
    (this.#guards ??= new Array<boolean | undefined>(this.#startedAt.length))[step.index] = held;
  }

  /** Started and not yet ended. */
  isRunning(index: number): boolean {
    return this.#startedAt[index] !== NOT_STARTED && this.#outcomes[index] === undefined;
  }

  /**
   * Records every step still running as cancelled (the request ended before it finished);
   * returns whether there was one, whose call then needs the abort.
   */
  cancelRunning(plan: ExecutionPlan): boolean {
    let any = false;
    for (const step of plan.steps) {
      if (!this.isRunning(step.index)) continue;
      any = true;
      this.settled(step, 'cancelled', { reason: 'the request ended before the step finished' });
    }
    return any;
  }

  /** Records how a step ended: statistics, observer, debug timing and span. */
  settled(step: PlanStep, status: StepOutcome, extra: StepExtra): void {
    const now = this.#c.clock.now();
    const index = step.index;
    const started = this.#startedAt[index]!;
    this.#outcomes[index] = status;
    const guard = this.#guards?.[index];
    if (this.timings)
      this.timings[index] = stepTiming(step, status, extra, {
        started,
        now,
        runStart: this.#start,
        guard,
      });
    const event = stepEvent(
      this.#c.plan.name,
      step,
      status,
      extra,
      started === NOT_STARTED ? 0 : now - started,
      guard,
    );
    this.#c.stats.record(index, event);
    this.#c.observer?.onStep?.(event);
    const span = this.#spans?.[index];
    if (span) {
      this.#spans![index] = undefined;
      closeStepSpan(span, event);
    }
  }
}
