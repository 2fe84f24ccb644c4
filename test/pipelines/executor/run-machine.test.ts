import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { EngineError } from '../../../engine/core/errors.js';
import { compileTransitions, RUN_TRANSITIONS, runMachine } from '../../../pipelines/executor/run.machine.js';
import type { RunEvent, RunStatus } from '../../../pipelines/executor/run.machine.js';

const EVENTS: readonly RunEvent[] = [{ type: 'SUCCEEDED' }, { type: 'RETURN', step: 2 }, { type: 'FAIL', error: new EngineError('CANCELLED', 'gone') }];

/** Every sequence of up to `n` events. */
function sequences(n: number): RunEvent[][] {
  if (n === 0) return [[]];
  const shorter = sequences(n - 1);
  return [...shorter, ...shorter.filter(s => s.length === n - 1).flatMap(s => EVENTS.map(e => [...s, e]))];
}

describe('run machine', () => {
  it('steps through the table exactly as an xstate actor of the machine does', () => {
    const all = sequences(3);
    expect(all).toHaveLength(1 + 3 + 9 + 27);
    for (const events of all) {
      const actor = createActor(runMachine).start();
      let state: RunStatus = RUN_TRANSITIONS.initial;
      for (const e of events) {
        // A stopped actor ignores events (with a warning): the table must have no transition there.
        if (actor.getSnapshot().status === 'done') {
          expect(RUN_TRANSITIONS.next(state, e.type)).toBeUndefined();
          continue;
        }
        actor.send(e);
        state = RUN_TRANSITIONS.next(state, e.type) ?? state;
        expect(state, events.map(x => x.type).join(' → ')).toBe(actor.getSnapshot().value);
        expect(RUN_TRANSITIONS.isFinal(state)).toBe(actor.getSnapshot().status === 'done');
      }
    }
  });

  it('lets the first end win', () => {
    expect(RUN_TRANSITIONS.next('running', 'FAIL')).toBe('failed');
    expect(RUN_TRANSITIONS.next('failed', 'SUCCEEDED')).toBeUndefined();
    expect(RUN_TRANSITIONS.next('succeeded', 'FAIL')).toBeUndefined();
  });

  it('refuses machines a table cannot run', () => {
    const guarded = createMachine({ id: 'g', initial: 'a', states: { a: { on: { GO: { target: 'b', guard: () => false } } }, b: {} } });
    expect(() => compileTransitions(guarded)).toThrow(/machine 'g' cannot be compiled to a table: event 'GO' in state 'a'/);
    const nested = createMachine({ id: 'n', initial: 'a', states: { a: { initial: 'x', states: { x: {} } } } });
    expect(() => compileTransitions(nested)).toThrow(/state 'a' is not atomic/);
    const entry = createMachine({ id: 'e', initial: 'a', states: { a: { entry: () => undefined } } });
    expect(() => compileTransitions(entry)).toThrow(/state 'a' has entry\/exit actions/);
  });
});
