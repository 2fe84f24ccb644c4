/**
 * @module The state machine of one pipeline request, declared with xstate and compiled once into
 * a transition table that each request steps through:
 *
 * ```
 * running ──SUCCEEDED (all wanted tensors settled)───────────────────────► succeeded
 *    │ ──RETURN (an early return fired)────────────────────────────────► returned
 *    │ ──FAIL (a step failed, an output cannot be made, deadline, client)► failed
 * ```
 *
 * Whichever end comes first wins; later events find no transition. The driver (run.ts) owns the
 * dataflow, decided by the pure functions of run-state.ts, and sends the machine the end it
 * reached.
 *
 * Why a table rather than an xstate actor per request: an actor costs some 16 µs per request
 * (construction, snapshot, microstep, and the garbage they leave), a quarter of a four-step
 * pipeline's whole cost in-process. The xstate definition stays the source of truth (inspect or
 * visualize it like any machine); {@link compileTransitions} refuses a definition the table
 * cannot run faithfully, and a test checks the table against an xstate actor event by event.
 */
import { setup } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import type { EngineError } from '../../engine/core/errors.js';

/** Events of a run: the end the driver reached. */
export type RunEvent =
  | { readonly type: 'SUCCEEDED' }
  | { readonly type: 'RETURN'; readonly step: number }
  | { readonly type: 'FAIL'; readonly error: EngineError };

/** The states of a run. */
export type RunStatus = 'running' | 'succeeded' | 'returned' | 'failed';

/** How a run ended. */
export type RunEnd =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'returned'; readonly step: number }
  | { readonly kind: 'failed'; readonly error: EngineError };

/** The machine every pipeline request runs. */
export const runMachine = setup({ types: { events: {} as RunEvent } }).createMachine({
  id: 'pipeline-run',
  initial: 'running',
  states: {
    running: { on: { SUCCEEDED: 'succeeded', RETURN: 'returned', FAIL: 'failed' } },
    succeeded: { type: 'final' },
    returned: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** A machine's transitions, read once from its definition. */
export interface TransitionTable<S extends string, E extends string> {
  readonly initial: S;
  /** The state `event` leads to from `state`; undefined when it has no transition there. */
  next(state: S, event: E): S | undefined;
  isFinal(state: S): boolean;
}

/**
 * Reads the transitions of a flat machine (atomic and final states, event → one target). Throws
 * for what a table cannot run faithfully: nested or parallel states, guards, actions, entry or
 * exit actions, eventless or delayed transitions, invoked actors.
 *
 * @example
 * const table = compileTransitions<RunStatus, RunEvent['type']>(runMachine);
 * table.next('running', 'FAIL'); // 'failed'
 */
export function compileTransitions<S extends string, E extends string>(machine: AnyStateMachine): TransitionTable<S, E> {
  const root = machine.root;
  const refuse = (what: string) => new Error(`machine '${machine.id}' cannot be compiled to a table: ${what}`);
  const initial = root.initial.target;
  if (initial.length !== 1) throw refuse('the initial transition must have one target');
  const table = new Map<string, Map<string, string>>();
  const finals = new Set<string>();
  for (const [key, node] of Object.entries(root.states)) {
    if (Object.keys(node.states).length > 0 || node.type === 'parallel') throw refuse(`state '${key}' is not atomic`);
    if (node.entry.length > 0 || node.exit.length > 0 || node.invoke.length > 0 || node.after.length > 0 || node.always) {
      throw refuse(`state '${key}' has entry/exit actions, invocations, delays or eventless transitions`);
    }
    if (node.type === 'final') finals.add(key);
    const edges = new Map<string, string>();
    for (const [event, transitions] of node.transitions) {
      const [t, ...more] = transitions;
      if (!t || more.length > 0 || t.guard || t.actions.length > 0 || t.target?.length !== 1) {
        throw refuse(`event '${event}' in state '${key}' needs one unguarded transition to one target, without actions`);
      }
      edges.set(event, t.target[0]!.key);
    }
    table.set(key, edges);
  }
  return {
    initial: initial[0]!.key as S,
    next: (state, event) => table.get(state)?.get(event) as S | undefined,
    isFinal: state => finals.has(state),
  };
}

/** The transitions of {@link runMachine}. */
export const RUN_TRANSITIONS = compileTransitions<RunStatus, RunEvent['type']>(runMachine);
