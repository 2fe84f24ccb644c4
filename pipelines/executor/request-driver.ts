/**
 * @module Drives one pipeline request through its plan's machine (plan.machine.ts, compiled by
 * machine-table.ts). The machine decides which steps start, which are skipped, and how the
 * request ends; the driver holds the tensors, performs the machine's actions (start a step,
 * evaluate a guard, record a skip, answer from an early return), reports back how each step
 * ended, releases each tensor after its last reader, and cancels what still runs at the end.
 */
import { CancelSource } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError, toEngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
import { evaluateGuard } from '../expression-eval.js';
import { ACTION } from './machine-table.js';
import type { MachineTable } from './machine-table.js';
import { stepParameters } from './request-checks.js';
import type {
  PipelineContext,
  PlanMachine,
  PreparedRequest,
  RequestLayout,
} from './request-layout.js';
import {
  absentInput,
  deadlineError,
  pipelineResult,
  requestEvent,
  requestOutcome,
} from './request-result.js';
import type { PipelineResult, RequestEnd, StepExtra } from './request-result.js';
import { RequestTensors } from './request-tensors.js';
import { runStepCall, type StepCallResult } from './step-call.js';
import { stepCallOf } from './step-launch.js';
import { StepLedger } from './step-ledger.js';
import { clientCancelled, requestEnd, stepFailure } from './request-end.js';
import type { StepOutcome } from './step-stats.js';

/**
 * Drives one request to its end. Rejects with EngineError: the failing step's error (prefixed
 * with pipeline and step), CANCELLED when the client goes away, UNAVAILABLE past the deadline,
 * INVALID_ARG when a required output cannot be produced for this request.
 *
 * @example
 * const result = await driveRequest(context, { inputs, layout: requestLayout(plan, machine, plan.outputs, []), parameters: {} });
 */
export function driveRequest(
  context: PipelineContext,
  req: PreparedRequest,
): Promise<PipelineResult> {
  return new RequestDriver(context, req).execute();
}

class RequestDriver {
  readonly #c: PipelineContext;
  readonly #req: PreparedRequest;
  readonly #plan: ExecutionPlan;
  readonly #m: PlanMachine;
  readonly #table: MachineTable;
  readonly #layout: RequestLayout;
  /** The request's machine state. */
  readonly #state: Int32Array;
  /** Actions the machine took in the event being handled: code, step. */
  readonly #actions: number[] = [];
  /** Events reported while another is being handled. */
  readonly #queue: number[] = [];
  #handling = false;
  readonly #tensors: RequestTensors;
  /** Cancels the steps still running when the request ends. */
  readonly #cancel = new CancelSource();
  readonly #params: Readonly<Record<string, ParameterValue>>;
  readonly #steps: StepLedger;
  readonly #start: number;
  /** The error a failed step or guard reported; the early return that answered. */
  #error: EngineError | undefined;
  #answeredBy = -1;
  #deadline: ReturnType<Clock['setTimeout']> | undefined;
  #resolve: ((end: RequestEnd) => void) | undefined;

  constructor(context: PipelineContext, req: PreparedRequest) {
    this.#c = context;
    this.#req = req;
    this.#plan = context.plan;
    this.#m = context.machine;
    this.#table = context.machine.table;
    this.#layout = req.layout;
    this.#state = this.#table.start();
    this.#start = context.clock.now();
    this.#params = stepParameters(req.parameters);
    this.#steps = new StepLedger({
      context,
      start: this.#start,
      trace: req.trace,
      debug: req.debug === true,
    });
    this.#tensors = new RequestTensors(req.layout, req.inputs);
  }

  async execute(): Promise<PipelineResult> {
    const signal = this.#req.signal;
    if (signal?.aborted) throw clientCancelled(this.#plan, true);
    const ended = new Promise<RequestEnd>(resolve => (this.#resolve = resolve));
    signal?.addEventListener('abort', this.#onClientAbort, { once: true });
    this.#armDeadline();
    for (const e of this.#layout.prune) this.#send(e);
    for (const t of this.#m.optionalInputs)
      this.#send(this.#tensors.map.has(t.name) ? t.given : t.missing);
    this.#send(this.#m.run.start);
    const end = await ended;
    this.#c.observer?.onRequest?.(requestEvent(this.#plan, end, this.#c.clock.now() - this.#start));
    if (end.kind === 'failed') throw end.error;
    const ret = end.kind === 'returned' ? this.#plan.steps[end.step]! : undefined;
    return pipelineResult(this.#plan, this.#layout, this.#tensors.map, ret, this.#steps.timings);
  }

  get #finished(): boolean {
    return this.#table.end(this.#state) !== undefined;
  }
  /**
   * Hands the machine an event and performs the actions it takes. Not reentrant: events
   * reported while handling one wait their turn, as in an xstate actor.
   */
  #send(event: number): void {
    if (this.#handling) {
      this.#queue.push(event);
      return;
    }
    this.#handling = true;
    try {
      for (let e: number | undefined = event; e !== undefined; e = this.#queue.shift()) {
        if (this.#finished) break;
        this.#table.send(this.#state, e, this.#actions);
        this.#perform();
        if (this.#finished) this.#ended();
        else if (this.#queue.length === 0) this.#checkOutcome();
      }
    } finally {
      this.#handling = false;
      if (this.#queue.length > 0) this.#queue.length = 0;
    }
  }

  #perform(): void {
    const a = this.#actions;
    for (let i = 0; i < a.length; i += 2) {
      const step = this.#plan.steps[a[i + 1]!]!;
      // Steps the machine started in the event that ended the request never run.
      if (
        this.#finished &&
        (a[i] === ACTION.checkGuard || (a[i] === ACTION.launch && step.target.kind !== 'return'))
      )
        continue;
      switch (a[i]) {
        case ACTION.launch:
          this.#launch(step);
          break;
        case ACTION.checkGuard:
          this.#checkGuard(step);
          break;
        case ACTION.skip:
          this.#settled(step, 'skipped', {
            reason: `tensor '${absentInput(this.#m, this.#state, step)}' is absent`,
          });
          break;
        case ACTION.answer:
          this.#answeredBy = step.index;
          // Its values are read when the answer is assembled, so nothing is released here.
          this.#settled(step, 'returned', {}, false);
      }
    }
    if (a.length > 0) a.length = 0;
  }

  /** Once the machine has nothing left to do, whether the wanted tensors are all settled. */
  #checkOutcome(): void {
    const o = requestOutcome(this.#plan, this.#m, this.#state, this.#layout.wanted);
    if (o === 'complete') this.#send(this.#m.run.succeed);
    else if (o !== 'running') this.#fail(this.#m.run.stuck, o);
  }

  #fail(event: number, error: EngineError): void {
    this.#error ??= error;
    this.#send(event);
  }

  /** The machine reached a final state: cancel what still runs and answer. */
  #ended(): void {
    if (this.#deadline !== undefined) this.#c.clock.clearTimeout(this.#deadline);
    this.#req.signal?.removeEventListener('abort', this.#onClientAbort);
    const outstanding = this.#steps.cancelRunning(this.#plan);
    this.#resolve!(
      requestEnd(this.#plan, this.#table.end(this.#state), this.#answeredBy, this.#error),
    );
    // Only calls still running need the abort; building the error for every request would cost more than the steps.
    if (!outstanding) return;
    try {
      this.#cancel.abort(
        new EngineError('CANCELLED', `pipeline '${this.#plan.name}': the request ended`),
      );
    } catch {
      // The listeners are the engine's queues; one that throws cannot change how the request ended.
    }
  }

  #checkGuard(step: PlanStep): void {
    this.#steps.begin(step);
    const ev = this.#m.steps[step.index]!;
    let held: boolean;
    try {
      held = evaluateGuard(
        step.when!,
        { tensor: n => this.#tensors.map.get(n), params: this.#req.parameters },
        `pipeline '${this.#plan.name}' step '${step.name}'`,
      );
    } catch (e) {
      this.#settled(step, 'failed', { reason: toEngineError(e).message });
      this.#error ??= toEngineError(e);
      return this.#table.send(this.#state, ev.guardError, this.#actions);
    }
    this.#steps.guard(step, held);
    if (!held) this.#settled(step, 'skipped', { reason: `guard "${step.when!.source}" is false` });
    // The verdict takes effect before the actions still pending: an early return that answers
    // now keeps the steps started beside it from running.
    this.#table.send(this.#state, held ? ev.held : ev.guardFalse, this.#actions);
  }

  #launch(step: PlanStep): void {
    this.#steps.begin(step);
    if (step.target.kind === 'return') return;
    const call = stepCallOf(step, {
      plan: this.#plan,
      layout: this.#layout,
      tensors: this.#tensors.map,
      parameters: this.#params,
      signal: this.#cancel.signal,
      trace: this.#steps.span(step),
      start: this.#start,
      debug: this.#req.debug === true,
      ...(this.#req.id ? { id: this.#req.id } : {}),
      ...(this.#req.respond ? { respond: this.#req.respond, ended: () => this.#finished } : {}),
    });
    const ev = this.#m.steps[step.index]!;
    if (step.map) call.onGather = () => this.#send(ev.gather);
    if (ev.retry >= 0) call.onBackoff = waiting => this.#send(waiting ? ev.retry : ev.resume);
    runStepCall(this.#c.runtime, call).then(
      r => this.#done(step, r),
      (e: unknown) => this.#failed(step, toEngineError(e)),
    );
  }

  #done(step: PlanStep, r: StepCallResult): void {
    if (this.#finished) return;
    const missing = r.streamed ? undefined : this.#tensors.keep(step, this.#m, r.outputs);
    this.#settled(step, 'ran', r);
    this.#report(step, missing);
  }

  #failed(step: PlanStep, e: EngineError): void {
    if (this.#finished) return;
    const policy = step.onError;
    const ev = this.#m.steps[step.index]!;
    if (policy.policy === 'skip') {
      this.#settled(step, 'skipped', { reason: e.message, onError: 'skip' });
      return this.#send(ev.fail);
    }
    if (policy.policy === 'default') {
      const missing = this.#tensors.keep(step, this.#m, o => policy.values.get(o.tensor));
      this.#settled(step, 'defaulted', { reason: e.message, onError: 'default' });
      return this.#report(step, missing, ev.fail);
    }
    this.#settled(step, 'failed', { reason: e.message });
    this.#fail(ev.fail, stepFailure(this.#plan, step, e));
  }

  /** Tells the machine a step produced its outputs but `missing`, and ended by `event`. */
  #report(
    step: PlanStep,
    missing: readonly number[] | undefined,
    event = this.#m.steps[step.index]!.done,
  ): void {
    for (const e of missing ?? []) this.#send(e);
    this.#send(event);
  }

  /** Records how a step ended and releases the tensors it was the last reader of. */
  #settled(step: PlanStep, status: StepOutcome, extra: StepExtra, release = true): void {
    this.#steps.settled(step, status, extra);
    if (release) this.#tensors.release(step);
  }

  readonly #onClientAbort = () => this.#fail(this.#m.run.cancel, clientCancelled(this.#plan));

  #armDeadline(): void {
    const ms = this.#plan.deadlineMs;
    if (ms === undefined) return;
    this.#deadline = this.#c.clock.setTimeout(() => {
      const running = this.#plan.steps.filter(s => this.#steps.isRunning(s.index));
      this.#fail(this.#m.run.deadline, deadlineError(this.#plan, ms, running));
    }, ms);
  }
}
