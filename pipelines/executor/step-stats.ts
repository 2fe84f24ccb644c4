/**
 * @module How a pipeline step ends, in the one set of names that statistics, metrics, traces,
 * debug output and test files all use; per-step statistics; and the hook through which the
 * composition root turns step events into metrics.
 */
import type { Mutable } from '../../engine/core/mutable.js';

/** Every way a step can end in one request. */
export const STEP_OUTCOMES = [
  'ran',
  'skipped',
  'failed',
  'defaulted',
  'returned',
  'cancelled',
] as const;

/**
 * How a step ended in one request: it `ran`; was `skipped` (guard false, an input absent, or a
 * failure its on_error policy skips); `failed`; failed and `defaulted` (on_error default);
 * `returned` (an early return that answered); was `cancelled` (the request ended first).
 */
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/**
 * Cumulative statistics of one step of a pipeline, in the units of the statistics extension
 * (counts, nanoseconds). Served as `braid_steps` in the pipeline's statistics.
 */
export interface StepStatistics {
  readonly step: string;
  /** What the step calls: `model 'm'`, `module 'path'`, `early return`. */
  readonly target: string;
  /** Requests in which the step ran to completion, and their summed duration. */
  readonly ran: { readonly count: number; readonly ns: number };
  readonly skipped: number;
  readonly failed: number;
  readonly defaulted: number;
  readonly returned: number;
  readonly cancelled: number;
  /** Calls made, retries and map items included. */
  readonly calls: number;
  readonly retries: number;
  readonly items: number;
}

/** One step of one request, as reported to a {@link PipelineObserver}. */
export interface StepEvent {
  readonly pipeline: string;
  readonly step: string;
  readonly status: StepOutcome;
  /** From start to end of the step (0 for steps skipped before starting). */
  readonly durationMs: number;
  readonly calls: number;
  readonly retries: number;
  /** Map items; absent for steps without `map`. */
  readonly items?: number;
  /** Why it was skipped, failed or defaulted. */
  readonly reason?: string;
  /** Steps with `when:`: whether the guard held; absent when it was never evaluated. */
  readonly guard?: boolean;
  /** The step failed and its on_error policy answered instead (status skipped or defaulted). */
  readonly onError?: 'skip' | 'default';
}

/** One pipeline request, as reported to a {@link PipelineObserver}. */
export interface PipelineRequestEvent {
  readonly pipeline: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Name of the early-return step that answered, if one did. */
  readonly returnedBy?: string;
}

/**
 * Receives step and request events (metrics, traces). Called synchronously on the event loop;
 * implementations must be cheap and must not throw.
 */
export interface PipelineObserver {
  onStep?(e: StepEvent): void;
  onRequest?(e: PipelineRequestEvent): void;
}

type Counts = Mutable<Omit<StepStatistics, 'ran'>> & { ran: { count: number; ns: number } };

/** Accumulates {@link StepStatistics} for every step of a plan. */
export class StepStatsRecorder {
  readonly #steps: Counts[];

  constructor(steps: readonly { readonly name: string; readonly target: string }[]) {
    this.#steps = steps.map(s => ({
      step: s.name,
      target: s.target,
      ran: { count: 0, ns: 0 },
      skipped: 0,
      failed: 0,
      defaulted: 0,
      returned: 0,
      cancelled: 0,
      calls: 0,
      retries: 0,
      items: 0,
    }));
  }

  /** Records one step of one request. */
  record(index: number, e: StepEvent): void {
    const s = this.#steps[index];
    if (!s) return;
    if (e.status === 'ran') {
      s.ran.count++;
      s.ran.ns += e.durationMs * 1e6;
    } else {
      s[e.status]++;
    }
    s.calls += e.calls;
    s.retries += e.retries;
    s.items += e.items ?? 0;
  }

  /** A snapshot; later recording does not change it. */
  snapshot(): StepStatistics[] {
    return this.#steps.map(s => ({ ...s, ran: { count: s.ran.count, ns: Math.round(s.ran.ns) } }));
  }
}
