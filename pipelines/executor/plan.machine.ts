/**
 * @module The state machine of one pipeline plan, as an xstate machine config in plain JSON:
 *
 * ```
 * pipeline ─ running (parallel) ─┬─ request: receiving ─start─► started
 *    │                          ├─ step:<name>: waiting ─► [guarding] ─► running ⇄ retrying
 *    │                          │        │                      └─► [gathering] ─► done
 *    │                          │        └─► skipped | failed | pruned
 *    │                          └─ tensor:<name>: pending ─► present | absent
 *    └─► succeeded | returned | failed | cancelled | timedOut
 * ```
 *
 * A step leaves `waiting` by itself once every tensor it reads is settled (skipped when a
 * required one is absent); its outputs become present or absent by themselves once it settles.
 * A step that fails (on_error: fail, or a guard that cannot be evaluated) fails the request.
 * `when:` guards, on_error policies, retries, map gathering, deadline and cancellation are
 * transitions; an early return that starts ends the run. The driver only reports what happened
 * (`<step>.done`, `<step>.fail`, ...) and acts on the actions the machine takes.
 *
 * The config is data: `braid validate --explain --format xstate` prints it, machine-table.ts
 * compiles it into the table requests step through, and machine-guards.ts says what its named
 * guards mean and makes the xstate machine the table is checked against.
 */
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import { targetLabel } from './step-call.js';

/** States of a step's region. */
export const STEP_STATES = [
  'waiting',
  'guarding',
  'running',
  'retrying',
  'gathering',
  'done',
  'skipped',
  'failed',
  'pruned',
] as const;
/** One state of a step's region. */
export type StepState = (typeof STEP_STATES)[number];
/** Step states from which the step can still run or produce something. */
export const OPEN_STEP_STATES: readonly StepState[] = [
  'waiting',
  'guarding',
  'running',
  'retrying',
  'gathering',
];
/** States of a tensor's region. */
export type TensorState = 'pending' | 'present' | 'absent';
/** How a run ends: the final states of the machine. */
export const RUN_ENDS = ['succeeded', 'returned', 'failed', 'cancelled', 'timedOut'] as const;

/** What the driver does when the machine takes a transition; `step` is the plan index. */
export interface MachineAction {
  readonly type: 'launch' | 'checkGuard' | 'skip' | 'answer';
  readonly params: { readonly step: number };
}

/** The conditions of eventless transitions, by name so that a viewer shows what they mean. */
export type MachineGuard =
  | { readonly type: 'inputsReady'; readonly params: { readonly tensors: readonly string[] } }
  | {
      readonly type: 'inputAbsent';
      readonly params: {
        readonly tensors: readonly string[];
        readonly required: readonly string[];
      };
    }
  | {
      readonly type: 'stepIn';
      readonly params: { readonly step: string; readonly states: readonly StepState[] };
    }
  | {
      readonly type: 'anyStepIn';
      readonly params: { readonly steps: readonly string[]; readonly states: readonly StepState[] };
    };

/** A transition as xstate's config writes it, with a named guard and named actions. */
export interface MachineTransition {
  readonly target: string;
  readonly guard?: MachineGuard;
  readonly actions?: readonly MachineAction[];
}

/** A state as xstate's config writes it: the run, a region, or a region's atomic state. */
export interface MachineState {
  readonly type?: 'parallel' | 'final';
  readonly description?: string;
  readonly initial?: string;
  readonly on?: Readonly<Record<string, MachineTransition>>;
  readonly always?: readonly MachineTransition[];
  readonly states?: Readonly<Record<string, MachineState>>;
}

/** A plan's machine: JSON that xstate's `createMachine` and Stately's tools load as it is. */
export interface PlanMachineConfig {
  readonly id: string;
  readonly description: string;
  readonly initial: 'running';
  readonly states: Readonly<Record<string, MachineState>>;
}

/** The region key of a step and of a tensor. */
export const stepRegion = (name: string) => `step:${name}`;
export const tensorRegion = (name: string) => `tensor:${name}`;
/** Region that holds every step back until the request's own events are in (see `start`). */
export const REQUEST_REGION = 'request';

/** Events the driver sends about a step and about a tensor. */
export const stepEvent = (
  name: string,
  what:
    | 'prune'
    | 'done'
    | 'fail'
    | 'retry'
    | 'resume'
    | 'gather'
    | 'guard.held'
    | 'guard.false'
    | 'guard.error',
) => `${name}.${what}`;
export const tensorEvent = (name: string, what: 'given' | 'missing') => `${name}.${what}`;
/** Events from outside the dataflow: the request is in (`start`), or it ends. */
export const RUN_EVENTS = {
  start: 'start',
  succeed: 'run.succeed',
  stuck: 'run.stuck',
  deadline: 'run.deadline',
  cancel: 'run.cancel',
} as const;

/**
 * The machine of a plan.
 *
 * @example
 * const config = planMachineConfig(plan);
 * JSON.stringify(config); // load it in Stately's viewer
 */
export function planMachineConfig(plan: ExecutionPlan): PlanMachineConfig {
  const regions: Record<string, MachineState> = {
    [REQUEST_REGION]: {
      initial: 'receiving',
      states: { receiving: { on: { [RUN_EVENTS.start]: { target: 'started' } } }, started: {} },
    },
  };
  for (const t of plan.inputs) regions[tensorRegion(t.name)] = inputRegion(t.name, t.optional);
  for (const s of plan.steps) {
    regions[stepRegion(s.name)] = stepRegionConfig(s);
    for (const o of s.outputs) regions[tensorRegion(o.tensor)] = outputRegion(s, o.tensor);
  }
  const returns = plan.steps.filter(s => s.target.kind === 'return');
  const always: MachineTransition[] = [
    {
      target: 'failed',
      guard: {
        type: 'anyStepIn',
        params: { steps: plan.steps.map(s => s.name), states: ['failed'] },
      },
    },
    ...returns.map(r => ({
      target: 'returned',
      guard: stepIn(r.name, ['running']),
      actions: [action('answer', r)],
    })),
  ];
  const on: Record<string, MachineTransition> = {
    [RUN_EVENTS.succeed]: { target: 'succeeded' },
    [RUN_EVENTS.stuck]: { target: 'failed' },
    [RUN_EVENTS.deadline]: { target: 'timedOut' },
    [RUN_EVENTS.cancel]: { target: 'cancelled' },
  };
  const running: MachineState = { type: 'parallel', on, always, states: regions };
  const ends = Object.fromEntries(RUN_ENDS.map(e => [e, { type: 'final' } as MachineState]));
  return {
    id: plan.name,
    description: `pipeline '${plan.name}' (${plan.source})`,
    initial: 'running',
    states: { running, ...ends },
  };
}

function inputRegion(name: string, optional: boolean): MachineState {
  if (!optional)
    return { description: 'required pipeline input', initial: 'present', states: { present: {} } };
  const on = {
    [tensorEvent(name, 'given')]: { target: 'present' },
    [tensorEvent(name, 'missing')]: { target: 'absent' },
  };
  return {
    description: 'optional pipeline input',
    initial: 'pending',
    states: { pending: { on }, present: {}, absent: {} },
  };
}

function outputRegion(producer: PlanStep, tensor: string): MachineState {
  const pending: MachineState = {
    on: { [tensorEvent(tensor, 'missing')]: { target: 'absent' } },
    always: [
      { target: 'present', guard: stepIn(producer.name, ['done']) },
      // Not on `failed`: a failed step fails the request, which ends before anything else moves.
      { target: 'absent', guard: stepIn(producer.name, ['skipped', 'pruned']) },
    ],
  };
  return {
    description: `output of step '${producer.name}'`,
    initial: 'pending',
    states: { pending, present: {}, absent: {} },
  };
}

function stepRegionConfig(s: PlanStep): MachineState {
  const name = s.name;
  const required = [
    ...s.inputs.filter(b => !b.optional).map(b => b.tensor),
    ...[...(s.returns?.values() ?? [])].flatMap(v => ('tensor' in v ? [v.tensor] : [])),
  ];
  const start: MachineTransition = s.when
    ? {
        target: 'guarding',
        guard: { type: 'inputsReady', params: { tensors: s.reads } },
        actions: [action('checkGuard', s)],
      }
    : {
        target: 'running',
        guard: { type: 'inputsReady', params: { tensors: s.reads } },
        actions: [action('launch', s)],
      };
  const skip: MachineTransition = {
    target: 'skipped',
    guard: { type: 'inputAbsent', params: { tensors: s.reads, required: [...new Set(required)] } },
    actions: [action('skip', s)],
  };
  const waiting: MachineState = {
    ...(s.target.kind === 'return'
      ? {}
      : { on: { [stepEvent(name, 'prune')]: { target: 'pruned' } } }),
    always: required.length > 0 ? [skip, start] : [start],
  };
  const states: Record<string, MachineState> = { waiting };
  if (s.when) {
    states['guarding'] = {
      description: `when: ${s.when.source}`,
      on: {
        [stepEvent(name, 'guard.held')]: { target: 'running', actions: [action('launch', s)] },
        [stepEvent(name, 'guard.false')]: { target: 'skipped' },
        [stepEvent(name, 'guard.error')]: { target: 'failed' },
      },
    };
  }
  if (s.target.kind === 'return')
    return {
      description: 'early return',
      initial: 'waiting',
      states: { ...states, running: {}, skipped: {}, failed: {} },
    };
  states['running'] = { on: settling(s, { retry: true, gather: true }) };
  if (s.retry && s.retry.attempts > 1)
    states['retrying'] = {
      description: `retry ${s.retry.attempts}x on ${s.retry.on.join('/')}`,
      on: { ...settling(s, {}), [stepEvent(name, 'resume')]: { target: 'running' } },
    };
  if (s.map)
    states['gathering'] = {
      description: `map over ${s.map.over} (${s.map.mode})`,
      on: settling(s, {}),
    };
  return {
    description: targetLabel(s),
    initial: 'waiting',
    states: { ...states, done: {}, skipped: {}, failed: {}, pruned: {} },
  };
}

/** How a running step ends: done, or its on_error policy on failure. */
function settling(
  s: PlanStep,
  from: { readonly retry?: boolean; readonly gather?: boolean },
): Record<string, MachineTransition> {
  const failTo =
    s.onError.policy === 'skip' ? 'skipped' : s.onError.policy === 'default' ? 'done' : 'failed';
  const on: Record<string, MachineTransition> = {
    [stepEvent(s.name, 'done')]: { target: 'done' },
    [stepEvent(s.name, 'fail')]: { target: failTo },
  };
  if (from.retry && s.retry && s.retry.attempts > 1)
    on[stepEvent(s.name, 'retry')] = { target: 'retrying' };
  if (from.gather && s.map) on[stepEvent(s.name, 'gather')] = { target: 'gathering' };
  return on;
}

function stepIn(step: string, states: readonly StepState[]): MachineGuard {
  return { type: 'stepIn', params: { step, states } };
}

function action(type: MachineAction['type'], s: PlanStep): MachineAction {
  return { type, params: { step: s.index } };
}
