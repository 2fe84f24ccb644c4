/**
 * @module What the named guards of a plan's machine (plan.machine.ts) mean, as sets of region
 * states, and the xstate machine of a config, whose guards are those sets in xstate's own
 * `stateIn` terms. The compiled table (machine-table.ts) reads the same sets, and a test checks
 * it against that xstate machine.
 */
import { and, createMachine, or, stateIn } from 'xstate';
import type { AnyStateMachine, UnknownMachineConfig } from 'xstate';
import { REQUEST_REGION, stepRegion, tensorRegion } from './plan.machine.js';
import type {
  MachineGuard,
  MachineState,
  MachineTransition,
  PlanMachineConfig,
  TensorState,
} from './plan.machine.js';

/** Region-state sets a guard means: every `all` entry holds, and one `any` entry if there are any. */
export interface GuardCondition {
  readonly all: readonly (readonly [region: string, states: readonly string[]])[];
  readonly any: readonly (readonly [region: string, states: readonly string[]])[];
}

const SETTLED: readonly TensorState[] = ['present', 'absent'];

/**
 * What a named guard means, in region states.
 *
 * @example
 * guardCondition({ type: 'stepIn', params: { step: 'a', states: ['done'] } }); // { all: [['step:a', ['done']]], any: [] }
 */
export function guardCondition(g: MachineGuard): GuardCondition {
  switch (g.type) {
    case 'inputsReady':
      return { all: readsSettled(g.params.tensors), any: [] };
    case 'inputAbsent':
      return {
        all: readsSettled(g.params.tensors),
        any: g.params.required.map(t => [tensorRegion(t), ['absent']] as const),
      };
    case 'stepIn':
      return { all: [[stepRegion(g.params.step), g.params.states]], any: [] };
    case 'anyStepIn':
      return { all: [], any: g.params.steps.map(s => [stepRegion(s), g.params.states] as const) };
  }
}

function readsSettled(tensors: readonly string[]): GuardCondition['all'] {
  return [[REQUEST_REGION, ['started']], ...tensors.map(t => [tensorRegion(t), SETTLED] as const)];
}

/**
 * The xstate machine of a config: named guards become xstate's `stateIn` conditions, actions
 * stay named (they are what the driver does). Used to check the compiled table against xstate.
 *
 * @example
 * const [snapshot] = initialTransition(createPlanMachine(planMachineConfig(plan)));
 */
export function createPlanMachine(config: PlanMachineConfig): AnyStateMachine {
  const noop = () => undefined;
  return createMachine(lowerState(config as MachineState) as UnknownMachineConfig, {
    actions: { launch: noop, checkGuard: noop, skip: noop, answer: noop },
  }) as AnyStateMachine;
}

function lowerState(node: MachineState): unknown {
  const lowerT = (t: MachineTransition) => (t.guard ? { ...t, guard: lowerGuard(t.guard) } : t);
  const out: Record<string, unknown> = { ...node };
  if (node.on)
    out['on'] = Object.fromEntries(Object.entries(node.on).map(([e, t]) => [e, lowerT(t)]));
  if (node.always) out['always'] = node.always.map(lowerT);
  if (node.states)
    out['states'] = Object.fromEntries(
      Object.entries(node.states).map(([k, s]) => [k, lowerState(s)]),
    );
  return out;
}

function lowerGuard(g: MachineGuard): unknown {
  const c = guardCondition(g);
  const inStates = ([region, states]: readonly [string, readonly string[]]) =>
    or(states.map(s => stateIn({ running: { [region]: s } })));
  const all = c.all.map(inStates);
  return c.any.length === 0 ? and(all) : and([...all, or(c.any.map(inStates))]);
}
