/**
 * @module One pipeline request: the {@link RunDriver} behind a run actor. It holds the request's
 * tensors, starts steps the machine declares ready, applies guards and error policies, releases
 * each tensor after its last reader, and aborts what is still running when the run ends.
 */
import type { Clock } from '../../engine/core/clock.js';
import { EngineError, toEngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanResult, PlanStep } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';
import { evaluateGuard } from '../expression-eval.js';
import { emptyGather } from './gather.js';
import type { DebugRequest } from './request.js';
import { stepParameters } from './request.js';
import { initialState } from './run-state.js';
import { createRun, runToEnd } from './run.machine.js';
import type { RunActor, RunDriver, RunEnd, RunMachine } from './run.machine.js';
import { closeStepSpan, openStepSpan } from './step-span.js';
import type { StepCallResult, StepRuntime } from './step-call.js';
import { runStepCall, targetLabel } from './step-call.js';
import type { PipelineObserver, StepEvent, StepStatsRecorder, StepStatusName } from './step-stats.js';

/** What every run of a plan shares. */
export interface RunShared {
  readonly plan: ExecutionPlan;
  readonly machine: RunMachine;
  readonly runtime: StepRuntime;
  readonly stats: StepStatsRecorder;
  readonly observer?: PipelineObserver;
  readonly clock: Clock;
}

/** One request, checked. */
export interface RunRequest {
  readonly id?: string;
  readonly inputs: TensorMap;
  readonly outputs: readonly PlanResult[];
  /** Which steps run (see activeSteps). */
  readonly active: readonly boolean[];
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly signal?: AbortSignal;
  readonly debug?: DebugRequest;
  /** The pipeline request's span; steps open child spans under it. */
  readonly trace?: TraceSpan;
}

/** Per-step timings returned by debug capture; times in ms since the request started. */
export interface StepTiming {
  readonly step: string;
  readonly status: StepStatusName | 'pruned' | 'not_reached';
  readonly start_ms?: number;
  readonly end_ms?: number;
  readonly calls?: number;
  readonly retries?: number;
  readonly items?: number;
  readonly reason?: string;
}

/** What a request produced. */
export interface RunResult {
  readonly outputs: TensorMap;
  readonly returnedBy?: string;
  readonly debug?: { readonly steps: readonly StepTiming[]; readonly tensors: TensorMap };
}

/**
 * Runs one request to its end. Rejects with EngineError: the failing step's error (prefixed
 * with pipeline and step), CANCELLED when the client goes away, UNAVAILABLE past the deadline.
 *
 * @example
 * const result = await executeRun(shared, { inputs, outputs: plan.outputs, active, parameters: {} });
 */
export function executeRun(shared: RunShared, req: RunRequest): Promise<RunResult> {
  return new Run(shared, req).execute();
}

class Run implements RunDriver {
  readonly #s: RunShared;
  readonly #req: RunRequest;
  readonly #plan: ExecutionPlan;
  readonly #store = new Map<string, Tensor>();
  readonly #remaining = new Map<string, number>();
  readonly #keep = new Set<string>();
  readonly #ctl = new AbortController();
  readonly #timings: (StepTiming | undefined)[];
  readonly #started = new Map<number, number>();
  readonly #spans = new Map<number, TraceSpan>();
  readonly #start: number;
  #actor: RunActor | undefined;
  #deadline: ReturnType<Clock['setTimeout']> | undefined;
  #finished = false;

  constructor(shared: RunShared, req: RunRequest) {
    this.#s = shared;
    this.#req = req;
    this.#plan = shared.plan;
    this.#start = shared.clock.now();
    this.#timings = this.#plan.steps.map(() => undefined);
    for (const [name, t] of req.inputs) this.#store.set(name, t);
    for (const o of req.outputs) this.#keep.add(o.tensor);
    for (const t of req.debug?.capture ?? []) this.#keep.add(t);
    for (const s of this.#plan.steps) if (req.active[s.index]) for (const t of s.reads) this.#remaining.set(t, (this.#remaining.get(t) ?? 0) + 1);
  }

  async execute(): Promise<RunResult> {
    const state = initialState(this.#plan, this.#req.active, new Set(this.#req.inputs.keys()));
    const wanted = [...this.#req.outputs.map(o => ({ tensor: o.tensor, optional: o.optional })), ...(this.#req.debug?.capture ?? []).map(t => ({ tensor: t, optional: true }))];
    this.#watch();
    this.#actor = createRun(this.#s.machine, { state, wanted, driver: this });
    const end = await runToEnd(this.#actor);
    this.#observe(end);
    if (end.kind === 'failed') throw end.error;
    return this.#result(end);
  }

  launch(index: number): void {
    const step = this.#plan.steps[index]!;
    this.#started.set(index, this.#s.clock.now());
    const span = openStepSpan(this.#req.trace, this.#plan.name, step);
    if (span.recording) this.#spans.set(index, span);
    try {
      if (step.when && !evaluateGuard(step.when, { tensor: n => this.#store.get(n), params: this.#req.parameters }, `pipeline '${this.#plan.name}' step '${step.name}'`)) {
        this.#settled(step, 'skipped', { reason: `guard "${step.when.source}" is false` });
        return this.#send({ type: 'STEP_SKIPPED', step: index });
      }
    } catch (e) {
      return this.#send({ type: 'STEP_FAILED', step: index, error: toEngineError(e) });
    }
    if (step.target.kind === 'return') {
      // Its values are read when the answer is assembled, so nothing is released here.
      this.#settled(step, 'returned', {}, false);
      return this.#send({ type: 'RETURN', step: index });
    }
    const inputs: TensorMap = new Map();
    for (const b of step.inputs) {
      const t = this.#store.get(b.tensor);
      if (t) inputs.set(b.param, t);
    }
    const outputs = step.outputs.filter(o => this.#needed(o.tensor)).map(o => o.param);
    runStepCall(this.#s.runtime, {
      pipeline: this.#plan.name,
      step,
      inputs,
      outputs,
      ...(this.#req.id ? { id: this.#req.id } : {}),
      parameters: stepParameters(this.#req.parameters),
      signal: this.#ctl.signal,
      ...(this.#plan.deadlineMs === undefined ? {} : { deadlineAt: this.#start + this.#plan.deadlineMs }),
      empty: param => emptyGather(this.#plan.tensors.get(step.outputs.find(o => o.param === param)!.tensor)!),
      trace: span,
    }).then(
      r => this.#done(step, r),
      (e: unknown) => this.#failed(step, toEngineError(e)),
    );
  }

  skipped(index: number, reason: string): void {
    this.#settled(this.#plan.steps[index]!, 'skipped', { reason });
  }

  stop(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadline !== undefined) this.#s.clock.clearTimeout(this.#deadline);
    this.#req.signal?.removeEventListener('abort', this.#onClientAbort);
    let outstanding = false;
    for (const [index] of this.#started) {
      if (this.#timings[index]) continue;
      outstanding = true;
      this.#settled(this.#plan.steps[index]!, 'cancelled', { reason: 'the request ended before the step finished' }, false);
    }
    // Only calls still running need the abort; building the error for every request would cost more than the steps.
    if (outstanding) this.#ctl.abort(new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the request ended`));
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
    this.#settled(step, 'ran', { calls: r.calls, retries: r.retries, ...(r.items === undefined ? {} : { items: r.items }) });
    this.#send({ type: 'STEP_DONE', step: step.index, produced });
  }

  #failed(step: PlanStep, e: EngineError): void {
    if (this.#finished) return;
    const policy = step.onError;
    if (policy.policy === 'skip') {
      this.#settled(step, 'skipped', { reason: e.message });
      return this.#send({ type: 'STEP_SKIPPED', step: step.index });
    }
    if (policy.policy === 'default') {
      const produced: string[] = [];
      for (const [tensor, value] of policy.values) {
        if (!this.#needed(tensor)) continue;
        this.#store.set(tensor, value);
        produced.push(tensor);
      }
      this.#settled(step, 'defaulted', { reason: e.message });
      return this.#send({ type: 'STEP_DONE', step: step.index, produced });
    }
    this.#settled(step, 'failed', { reason: e.message });
    const error = new EngineError(e.code, `pipeline '${this.#plan.name}' step '${step.name}' (${targetLabel(step)}): ${e.message}`, { cause: e, reason: e.reason });
    this.#send({ type: 'STEP_FAILED', step: step.index, error });
  }

  /** Records how a step ended and releases the tensors it was the last reader of. */
  #settled(step: PlanStep, status: StepStatusName, extra: { calls?: number; retries?: number; items?: number; reason?: string }, release = true): void {
    const now = this.#s.clock.now();
    const started = this.#started.get(step.index);
    const timing: StepTiming = {
      step: step.name,
      status,
      ...(started === undefined ? {} : { start_ms: started - this.#start, end_ms: now - this.#start }),
      ...extra,
    };
    this.#timings[step.index] = timing;
    const event: StepEvent = { pipeline: this.#plan.name, step: step.name, status, durationMs: started === undefined ? 0 : now - started, calls: extra.calls ?? 0, retries: extra.retries ?? 0, ...extra };
    this.#s.stats.record(step.index, event);
    this.#s.observer?.onStep?.(event);
    const span = this.#spans.get(step.index);
    if (span) {
      this.#spans.delete(step.index);
      closeStepSpan(span, event);
    }
    if (!release) return;
    for (const t of step.reads) {
      const left = (this.#remaining.get(t) ?? 1) - 1;
      this.#remaining.set(t, left);
      if (left <= 0 && !this.#keep.has(t)) this.#store.delete(t);
    }
  }

  #needed(tensor: string): boolean {
    return (this.#remaining.get(tensor) ?? 0) > 0 || this.#keep.has(tensor);
  }

  #send(e: Parameters<RunActor['send']>[0]): void {
    if (!this.#finished) this.#actor?.send(e);
  }

  readonly #onClientAbort = () => {
    this.#send({ type: 'ABORT', error: new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the client cancelled the request`) });
  };

  #watch(): void {
    const signal = this.#req.signal;
    if (signal?.aborted) throw new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the client cancelled the request before it started`);
    signal?.addEventListener('abort', this.#onClientAbort, { once: true });
    const ms = this.#plan.deadlineMs;
    if (ms === undefined) return;
    this.#deadline = this.#s.clock.setTimeout(() => {
      const running = [...this.#started.keys()].filter(i => !this.#timings[i]).map(i => `'${this.#plan.steps[i]!.name}'`);
      const msg = `pipeline '${this.#plan.name}' exceeded its deadline of ${ms} ms${running.length > 0 ? ` (still running: ${running.join(', ')})` : ''}`;
      this.#send({ type: 'ABORT', error: new EngineError('UNAVAILABLE', msg, { reason: 'REJECTED' }) });
    }, ms);
  }

  #result(end: Exclude<RunEnd, { kind: 'failed' }>): RunResult {
    const outputs: TensorMap = new Map();
    const ret = end.kind === 'returned' ? this.#plan.steps[end.step]! : undefined;
    for (const o of this.#req.outputs) {
      const v = ret ? ret.returns?.get(o.name) : { tensor: o.tensor };
      const t = v === undefined ? undefined : 'tensor' in v ? this.#store.get(v.tensor) : v.constant;
      if (t) outputs.set(o.name, t);
    }
    const debug = this.#req.debug;
    return {
      outputs,
      ...(ret ? { returnedBy: ret.name } : {}),
      ...(debug ? { debug: { steps: this.#debugTimings(), tensors: new Map(debug.capture.flatMap(t => (this.#store.has(t) ? [[t, this.#store.get(t)!]] : []))) } } : {}),
    };
  }

  #debugTimings(): StepTiming[] {
    return this.#plan.steps.map((s, i) => this.#timings[i] ?? { step: s.name, status: this.#req.active[i] ? 'not_reached' : 'pruned' });
  }

  #observe(end: RunEnd): void {
    const ret = end.kind === 'returned' ? this.#plan.steps[end.step]!.name : undefined;
    this.#s.observer?.onRequest?.({ pipeline: this.#plan.name, ok: end.kind !== 'failed', durationMs: this.#s.clock.now() - this.#start, ...(ret ? { returnedBy: ret } : {}) });
  }
}
