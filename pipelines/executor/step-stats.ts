/**
 * @module Per-step statistics of a pipeline, and the hook through which the engine turns step
 * events into metrics and traces.
 */
import type { Mutable } from '../../engine/core/mutable.js';
import type { StepStatistics } from '../../engine/core/reentrant.js';

/** How a step ended in one request. */
export type StepStatusName = 'ran' | 'skipped' | 'failed' | 'defaulted' | 'returned' | 'cancelled';

/** One step of one request, as reported to a {@link PipelineObserver}. */
export interface StepEvent {
  readonly pipeline: string;
  readonly step: string;
  readonly status: StepStatusName;
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

export type { StepStatistics };

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
