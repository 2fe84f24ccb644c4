/**
 * @module One pipeline request. It holds the request's tensors, starts the steps run-state.ts
 * declares ready, applies guards and error policies, releases each tensor after its last
 * reader, and steps the run machine (run.machine.ts) to its end, then cancels what still runs.
 */
import { CancelSource } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError, toEngineError } from '../../engine/core/errors.js';
import type { Mutable } from '../../engine/core/mutable.js';
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { Tensor } from '../../engine/core/tensor.js';
import { evaluateGuard } from '../expression-eval.js';
import { emptyOutputs } from './gather.js';
import { stepParameters } from './request.js';
import type { RunLayout, RunRequest, RunShared } from './run-layout.js';
import { deadlineError, NOT_STARTED, requestEvent, runResult, stepEvent, stepTiming, stuckError } from './run-result.js';
import type { RunResult, StepExtra, StepTiming } from './run-result.js';
import { decide, initialState, outcome, settle } from './run-state.js';
import type { RunState } from './run-state.js';
import { RUN_TRANSITIONS } from './run.machine.js';
import type { RunEnd, RunEvent, RunStatus } from './run.machine.js';
import { closeStepSpan, openStepSpan } from './step-span.js';
import type { StepCall, StepCallResult } from './step-call.js';
import { runStepCall, stepInputs, targetLabel } from './step-call.js';
import type { StepOutcome } from './step-stats.js';

export type { RunRequest, RunResult, RunShared, StepTiming };

/**
 * Runs one request to its end. Rejects with EngineError: the failing step's error (prefixed
 * with pipeline and step), CANCELLED when the client goes away, UNAVAILABLE past the deadline,
 * INVALID_ARG when a required output cannot be produced for this request.
 *
 * @example
 * const result = await executeRun(shared, { inputs, layout: runLayout(plan, plan.outputs, []), parameters: {} });
 */
export function executeRun(shared: RunShared, req: RunRequest): Promise<RunResult> {
  return new Run(shared, req).execute();
}

class Run {
  readonly #s: RunShared;
  readonly #req: RunRequest;
  readonly #plan: ExecutionPlan;
  readonly #layout: RunLayout;
  readonly #state: RunState;
  readonly #store = new Map<string, Tensor>();
  readonly #remaining: Map<string, number>;
  /** Cancels the steps still running when the run ends. */
  readonly #cancel = new CancelSource();
  readonly #params: Readonly<Record<string, ParameterValue>>;
  /** Clock time each step started, or NOT_STARTED. */
  readonly #startedAt: number[];
  /** How each started step ended; undefined while it runs. */
  readonly #outcomes: (StepOutcome | undefined)[];
  readonly #timings: (StepTiming | undefined)[] | undefined;
  readonly #spans: (TraceSpan | undefined)[] | undefined;
  /** What each evaluated `when:` guard said; made on the first guard, as most plans have none. */
  #guards: (boolean | undefined)[] | undefined;
  readonly #start: number;
  #status: RunStatus = RUN_TRANSITIONS.initial;
  #deadline: ReturnType<Clock['setTimeout']> | undefined;
  #advancing = false;
  #again = false;
  #resolve: ((end: RunEnd) => void) | undefined;

  constructor(shared: RunShared, req: RunRequest) {
    this.#s = shared;
    this.#req = req;
    this.#plan = shared.plan;
    this.#layout = req.layout;
    this.#start = shared.clock.now();
    this.#params = stepParameters(req.parameters);
    const n = this.#plan.steps.length;
    this.#startedAt = new Array<number>(n).fill(NOT_STARTED);
    this.#outcomes = new Array<StepOutcome | undefined>(n);
    this.#timings = req.debug ? new Array<StepTiming | undefined>(n) : undefined;
    this.#spans = req.trace?.recording ? new Array<TraceSpan | undefined>(n) : undefined;
    this.#remaining = new Map(req.layout.readers);
    for (const [name, t] of req.inputs) this.#store.set(name, t);
    this.#state = initialState(this.#plan, req.layout.active, new Set(req.inputs.keys()));
  }

  async execute(): Promise<RunResult> {
    const signal = this.#req.signal;
    if (signal?.aborted) throw new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the client cancelled the request before it started`);
    const ended = new Promise<RunEnd>(resolve => (this.#resolve = resolve));
    signal?.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#armDeadline();
    this.#advance();
    const end = await ended;
    this.#observe(end);
    if (end.kind === 'failed') throw end.error;
    return this.#result(end);
  }

  get #finished(): boolean {
    return RUN_TRANSITIONS.isFinal(this.#status);
  }

  /** The machine reached a final state: cancel what still runs and answer. */
  #ended(end: RunEnd): void {
    if (this.#deadline !== undefined) this.#s.clock.clearTimeout(this.#deadline);
    this.#req.signal?.removeEventListener('abort', this.#onClientAbort);
    let outstanding = false;
    for (let i = 0; i < this.#startedAt.length; i++) {
      if (this.#startedAt[i] === NOT_STARTED || this.#outcomes[i] !== undefined) continue;
      outstanding = true;
      this.#settled(this.#plan.steps[i]!, 'cancelled', { reason: 'the request ended before the step finished' }, false);
    }
    this.#resolve!(end);
    // Only calls still running need the abort; building the error for every request would cost more than the steps.
    if (!outstanding) return;
    try {
      this.#cancel.abort(new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the request ended`));
    } catch {
      // The listeners are the engine's queues; one that throws cannot change how the run ended.
    }
  }

  /**
   * Starts what is ready and ends the run once it is complete or stuck. Not reentrant: a step
   * that settles while starting (guard false) makes the running pass look again.
   */
  #advance(): void {
    if (this.#advancing) {
      this.#again = true;
      return;
    }
    this.#advancing = true;
    try {
      do {
        this.#again = false;
        const d = decide(this.#plan, this.#state);
        for (const s of d.skipped) this.#settled(this.#plan.steps[s.step]!, 'skipped', { reason: s.reason });
        for (const i of d.ready) {
          if (this.#finished) return;
          this.#launch(this.#plan.steps[i]!);
        }
      } while (this.#again && !this.#finished);
      if (this.#finished) return;
      const o = outcome(this.#plan, this.#state, this.#layout.wanted);
      if (o.kind === 'complete') this.#send({ type: 'SUCCEEDED' });
      else if (o.kind === 'stuck') this.#send({ type: 'FAIL', error: stuckError(this.#plan, this.#state, o.missing) });
    } finally {
      this.#advancing = false;
    }
  }

  #launch(step: PlanStep): void {
    const index = step.index;
    this.#startedAt[index] = this.#s.clock.now();
    const span = openStepSpan(this.#req.trace, this.#plan.name, step);
    if (this.#spans && span.recording) this.#spans[index] = span;
    if (step.when) {
      let held: boolean;
      try {
        held = evaluateGuard(step.when, { tensor: n => this.#store.get(n), params: this.#req.parameters }, `pipeline '${this.#plan.name}' step '${step.name}'`);
      } catch (e) {
        return this.#send({ type: 'FAIL', error: toEngineError(e) });
      }
      (this.#guards ??= new Array<boolean | undefined>(this.#plan.steps.length))[index] = held;
      if (!held) return this.#skip(step, `guard "${step.when.source}" is false`);
    }
    if (step.target.kind === 'return') {
      // Its values are read when the answer is assembled, so nothing is released here.
      this.#settled(step, 'returned', {}, false);
      return this.#send({ type: 'RETURN', step: index });
    }
    const plan = this.#plan;
    const call: Mutable<StepCall> = {
      pipeline: plan.name,
      step,
      inputs: stepInputs(step, this.#store),
      outputs: this.#layout.stepOutputs[index]!,
      requested: this.#layout.stepRequested[index]!,
      parameters: this.#params,
      signal: this.#cancel.signal,
      trace: span,
    };
    if (this.#req.id) call.id = this.#req.id;
    if (plan.deadlineMs !== undefined) call.deadlineAt = this.#start + plan.deadlineMs;
    if (step.map) call.empty = emptyOutputs(plan, step);
    runStepCall(this.#s.runtime, call).then(
      r => this.#done(step, r),
      (e: unknown) => this.#failed(step, toEngineError(e)),
    );
  }

  #done(step: PlanStep, r: StepCallResult): void {
    if (this.#finished) return;
    const produced: string[] = [];
    for (const o of step.outputs) {
      const t = r.outputs.get(o.param);
      if (!t || !this.#needed(o.tensor)) continue;
      this.#store.set(o.tensor, t);
      produced.push(o.tensor);
    }
    this.#settled(step, 'ran', r);
    settle(this.#plan, this.#state, step.index, 'done', produced);
    this.#advance();
  }

  #failed(step: PlanStep, e: EngineError): void {
    if (this.#finished) return;
    const policy = step.onError;
    if (policy.policy === 'skip') return this.#skip(step, e.message, 'skip');
    if (policy.policy === 'default') {
      const produced: string[] = [];
      for (const [tensor, value] of policy.values) {
        if (!this.#needed(tensor)) continue;
        this.#store.set(tensor, value);
        produced.push(tensor);
      }
      this.#settled(step, 'defaulted', { reason: e.message, onError: 'default' });
      settle(this.#plan, this.#state, step.index, 'done', produced);
      return this.#advance();
    }
    this.#settled(step, 'failed', { reason: e.message });
    const error = new EngineError(e.code, `pipeline '${this.#plan.name}' step '${step.name}' (${targetLabel(step)}): ${e.message}`, { cause: e, reason: e.reason });
    this.#send({ type: 'FAIL', error });
  }

  #skip(step: PlanStep, reason: string, onError?: 'skip'): void {
    this.#settled(step, 'skipped', onError ? { reason, onError } : { reason });
    settle(this.#plan, this.#state, step.index, 'skipped');
    this.#advance();
  }

  /** Records how a step ended and releases the tensors it was the last reader of. */
  #settled(step: PlanStep, status: StepOutcome, extra: StepExtra, release = true): void {
    const now = this.#s.clock.now();
    const index = step.index;
    const started = this.#startedAt[index]!;
    this.#outcomes[index] = status;
    const guard = this.#guards?.[index];
    if (this.#timings) this.#timings[index] = stepTiming(step, status, extra, { started, now, runStart: this.#start, guard });
    const event = stepEvent(this.#plan.name, step, status, extra, started === NOT_STARTED ? 0 : now - started, guard);
    this.#s.stats.record(index, event);
    this.#s.observer?.onStep?.(event);
    const span = this.#spans?.[index];
    if (span) {
      this.#spans![index] = undefined;
      closeStepSpan(span, event);
    }
    if (!release) return;
    for (const t of step.reads) {
      const left = (this.#remaining.get(t) ?? 1) - 1;
      this.#remaining.set(t, left);
      if (left <= 0 && !this.#layout.keep.has(t)) this.#store.delete(t);
    }
  }

  #needed(tensor: string): boolean {
    return (this.#remaining.get(tensor) ?? 0) > 0 || this.#layout.keep.has(tensor);
  }

  #send(e: RunEvent): void {
    const next = RUN_TRANSITIONS.next(this.#status, e.type);
    if (next === undefined) return;
    this.#status = next;
    if (RUN_TRANSITIONS.isFinal(next)) this.#ended(e.type === 'SUCCEEDED' ? { kind: 'succeeded' } : e.type === 'RETURN' ? { kind: 'returned', step: e.step } : { kind: 'failed', error: e.error });
  }

  readonly #onClientAbort = () => {
    this.#send({ type: 'FAIL', error: new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the client cancelled the request`) });
  };

  #armDeadline(): void {
    const ms = this.#plan.deadlineMs;
    if (ms === undefined) return;
    this.#deadline = this.#s.clock.setTimeout(() => {
      const running = this.#plan.steps.filter(s => this.#startedAt[s.index] !== NOT_STARTED && this.#outcomes[s.index] === undefined);
      this.#send({ type: 'FAIL', error: deadlineError(this.#plan, ms, running) });
    }, ms);
  }

  #result(end: Exclude<RunEnd, { kind: 'failed' }>): RunResult {
    const ret = end.kind === 'returned' ? this.#plan.steps[end.step]! : undefined;
    return runResult(this.#plan, this.#layout, this.#store, ret, this.#timings);
  }

  #observe(end: RunEnd): void {
    this.#s.observer?.onRequest?.(requestEvent(this.#plan, end, this.#s.clock.now() - this.#start));
  }
}
