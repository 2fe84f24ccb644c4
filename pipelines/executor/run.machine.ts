/**
 * @module The state machine of one pipeline request. One machine per plan, one actor per
 * request. The machine decides (through the pure functions of run-state.ts) and the
 * {@link RunDriver} acts: it starts steps and reports back with events.
 *
 * ```
 * running ──(all wanted tensors settled)──────────► succeeded
 *    │ ──(RETURN: an early return fired)──────────► returned
 *    │ ──(STEP_FAILED, ABORT, required output gone)► failed
 * ```
 */
import { assign, createActor, enqueueActions, setup } from 'xstate';
import type { Actor } from 'xstate';
import { EngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan } from '../../engine/core/plan.js';
import { decide, outcome, settle } from './run-state.js';
import type { RunState } from './run-state.js';

/** The effects of a run, provided per request. */
export interface RunDriver {
  /** Starts a step; it later sends STEP_DONE, STEP_SKIPPED, STEP_FAILED or RETURN. */
  launch(step: number): void;
  /** A step was skipped without starting because a tensor it needs is absent. */
  skipped(step: number, reason: string): void;
  /** The run reached a final state: abort whatever still runs. */
  stop(): void;
}

/** Events of a run. */
export type RunEvent =
  | { readonly type: 'STEP_DONE'; readonly step: number; readonly produced: readonly string[] }
  | { readonly type: 'STEP_SKIPPED'; readonly step: number }
  | { readonly type: 'STEP_FAILED'; readonly step: number; readonly error: EngineError }
  | { readonly type: 'RETURN'; readonly step: number }
  | { readonly type: 'ABORT'; readonly error: EngineError };

/** What a run starts from. */
export interface RunInput {
  readonly state: RunState;
  readonly wanted: readonly { readonly tensor: string; readonly optional: boolean }[];
  readonly driver: RunDriver;
}

interface RunContext extends RunInput {
  readonly error?: EngineError;
  readonly returnedBy?: number;
}

/**
 * The machine of a plan, built once when the pipeline loads.
 *
 * @example
 * const machine = createRunMachine(plan);
 * const end = await runToEnd(createRun(machine, { state, wanted, driver }));
 */
export function createRunMachine(plan: ExecutionPlan) {
  return setup({
    types: { context: {} as RunContext, events: {} as RunEvent, input: {} as RunInput },
    actions: {
      advance: enqueueActions(({ context, enqueue }) => {
        const d = decide(plan, context.state);
        if (d.state !== context.state) enqueue.assign({ state: d.state });
        for (const s of d.skipped) enqueue(() => context.driver.skipped(s.step, s.reason));
        for (const i of d.ready) enqueue(() => context.driver.launch(i));
      }),
      stop: ({ context }) => context.driver.stop(),
    },
    guards: {
      complete: ({ context }) => outcome(plan, context.state, context.wanted).kind === 'complete',
      stuck: ({ context }) => outcome(plan, context.state, context.wanted).kind === 'stuck',
    },
  }).createMachine({
    id: `pipeline:${plan.name}`,
    context: ({ input }) => ({ ...input }),
    initial: 'running',
    states: {
      running: {
        entry: 'advance',
        always: [
          { guard: 'complete', target: 'succeeded' },
          { guard: 'stuck', target: 'failed', actions: assign({ error: ({ context }) => stuckError(plan, context) }) },
        ],
        on: {
          STEP_DONE: {
            actions: [assign({ state: ({ context, event }) => settle(plan, context.state, event.step, 'done', event.produced) }), 'advance'],
          },
          STEP_SKIPPED: { actions: [assign({ state: ({ context, event }) => settle(plan, context.state, event.step, 'skipped') }), 'advance'] },
          STEP_FAILED: { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
          RETURN: { target: 'returned', actions: assign({ returnedBy: ({ event }) => event.step }) },
          ABORT: { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
        },
      },
      succeeded: { type: 'final', entry: 'stop' },
      returned: { type: 'final', entry: 'stop' },
      failed: { type: 'final', entry: 'stop' },
    },
  });
}

/** The machine of a plan. */
export type RunMachine = ReturnType<typeof createRunMachine>;
/** A running request. */
export type RunActor = Actor<RunMachine>;

/** How a run ended. */
export type RunEnd = { readonly kind: 'succeeded' } | { readonly kind: 'returned'; readonly step: number } | { readonly kind: 'failed'; readonly error: EngineError };

/**
 * Creates the actor of one request, not yet started: the driver needs it before the first
 * steps launch, since a step can report back (guard false, early return) while starting.
 *
 * @example
 * const actor = createRun(machine, input);
 * driver.actor = actor;
 * const end = await runToEnd(actor);
 */
export function createRun(machine: RunMachine, input: RunInput): RunActor {
  return createActor(machine, { input });
}

/** Starts a created run and resolves when it reaches a final state. */
export function runToEnd(actor: RunActor): Promise<RunEnd> {
  const name = actor.logic.id.replace(/^pipeline:/, '');
  const done = new Promise<RunEnd>(resolve => {
    actor.subscribe({
      next(snap) {
        if (snap.status !== 'done') return;
        const ctx = snap.context;
        if (snap.value === 'succeeded') resolve({ kind: 'succeeded' });
        else if (snap.value === 'returned') resolve({ kind: 'returned', step: ctx.returnedBy! });
        else resolve({ kind: 'failed', error: ctx.error ?? new EngineError('INTERNAL', `pipeline '${name}' failed without a reason`) });
      },
      error(e) {
        resolve({ kind: 'failed', error: new EngineError('INTERNAL', `pipeline '${name}': ${e instanceof Error ? e.message : String(e)}`) });
      },
    });
  });
  actor.start();
  return done;
}

function stuckError(p: ExecutionPlan, ctx: RunContext): EngineError {
  const o = outcome(p, ctx.state, ctx.wanted);
  const missing = o.kind === 'stuck' ? o.missing : [];
  const why = missing.map(t => {
    const producer = p.producer.get(t);
    if (producer === undefined) return `'${t}' (an optional input the request did not send)`;
    return `'${t}' (step '${p.steps[producer]!.name}' ${ctx.state.steps[producer]})`;
  });
  return new EngineError('INVALID_ARG', `pipeline '${p.name}': required output tensor(s) ${why.join(', ')} will not be produced for this request`);
}
