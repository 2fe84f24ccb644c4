/**
 * @module Reads a plan's machine config (plan.machine.ts) into numbered regions, states, events
 * and edges for machine-table.ts, refusing what the table cannot run as xstate would: anything
 * but atomic states in the regions of one parallel `running`, guarded event transitions, and
 * an event taken twice from one state or by both a region and the run.
 */
import { guardCondition } from './machine-guards.js';
import { RUN_ENDS } from './plan.machine.js';
import type {
  MachineAction,
  MachineState,
  MachineTransition,
  PlanMachineConfig,
} from './plan.machine.js';

/** Action codes a send appends to its output, each followed by the step index. */
export const ACTION = { launch: 0, checkGuard: 1, skip: 2, answer: 3 } as const;

/** Region 0 is the run itself; its state 0 is `running`. */
export const ROOT = 0;
export const RUNNING = 0;

/** One transition, numbered. */
export interface Edge {
  readonly region: number;
  readonly from: number;
  readonly to: number;
  /** Pairs of action code and step. */
  readonly actions: readonly number[];
  /** Region/state-mask pairs that must all hold, and of which one must hold if any. */
  readonly all: Int32Array;
  readonly any: Int32Array;
}

/** A config, numbered. */
export interface ReadMachine {
  readonly regions: readonly string[];
  readonly states: readonly (readonly string[])[];
  /** Initial state of each region (the run's is `running`). */
  readonly initial: Int32Array;
  readonly events: ReadonlyMap<string, number>;
  /** Edges by event. */
  readonly byEvent: readonly (readonly Edge[])[];
  /** Eventless edges by region, then by state. */
  readonly always: readonly (readonly (readonly Edge[])[])[];
}

/**
 * Numbers a config's regions, states, events and transitions.
 *
 * @example
 * readMachine(planMachineConfig(plan)).regions[0]; // '' (the run)
 */
export function readMachine(config: PlanMachineConfig): ReadMachine {
  const running = config.states['running'];
  if (config.initial !== 'running' || running?.type !== 'parallel' || !running.states) {
    throw machineError(config, "the initial state must be a parallel 'running'");
  }
  const regionConfigs = Object.entries(running.states);
  const regions = ['', ...regionConfigs.map(([k]) => k)];
  const states = [
    ['running', ...RUN_ENDS],
    ...regionConfigs.map(([, r]) => Object.keys(r.states ?? {})),
  ];
  const numbering = { regionIndex: new Map(regions.map((r, i) => [r, i])), regions, states };
  const events = new Map<string, number>();
  const byEvent: Edge[][] = [];
  const always = states.map(ss => ss.map((): Edge[] => []));
  const addOn = (region: number, from: number, on: MachineState['on']) => {
    for (const [event, t] of Object.entries(on ?? {})) {
      if (!events.has(event)) events.set(event, events.size);
      const list = (byEvent[events.get(event)!] ??= []);
      if (t.guard) throw machineError(config, `event '${event}' has a guarded transition`);
      const clash = list.some(
        e => (e.region === region && e.from === from) || (region !== ROOT && e.region === ROOT),
      );
      if (clash) throw machineError(config, `event '${event}' has two transitions from one state`);
      list.push(toEdge(config, numbering, { region, from, t }));
    }
  };
  addOn(ROOT, RUNNING, running.on);
  for (const t of running.always ?? [])
    always[ROOT]![RUNNING]!.push(toEdge(config, numbering, { region: ROOT, from: RUNNING, t }));
  const initial = new Int32Array(regions.length);
  regionConfigs.forEach(([key, r], i) => {
    const region = i + 1;
    if (r.type || !r.initial || !r.states) {
      throw machineError(config, `region '${key}' must be a compound state with an initial state`);
    }
    initial[region] = states[region]!.indexOf(r.initial);
    Object.entries(r.states).forEach(([name, s], from) => {
      if (s.type || s.states) throw machineError(config, `state '${key}.${name}' must be atomic`);
      addOn(region, from, s.on);
      for (const t of s.always ?? [])
        always[region]![from]!.push(toEdge(config, numbering, { region, from, t }));
    });
  });
  return { regions, states, initial, events, byEvent, always };
}

interface Numbering {
  readonly regionIndex: ReadonlyMap<string, number>;
  readonly regions: readonly string[];
  readonly states: readonly (readonly string[])[];
}

function toEdge(
  config: PlanMachineConfig,
  n: Numbering,
  at: { readonly region: number; readonly from: number; readonly t: MachineTransition },
): Edge {
  const { region, from, t } = at;
  const to = n.states[region]!.indexOf(t.target);
  if (to < 0) {
    throw machineError(
      config,
      `target '${t.target}' is not a state of region '${n.regions[region] || 'running'}'`,
    );
  }
  const c = t.guard ? guardCondition(t.guard) : { all: [], any: [] };
  const pairs = (list: typeof c.all) =>
    Int32Array.from(
      list.flatMap(([key, states]) => {
        const r = n.regionIndex.get(key);
        if (r === undefined || r === ROOT)
          throw machineError(config, `a guard reads unknown region '${key}'`);
        return [r, maskOf(n.states[r]!, states)];
      }),
    );
  const actions = (t.actions ?? []).flatMap((a: MachineAction) => [ACTION[a.type], a.params.step]);
  return { region, from, to, actions, all: pairs(c.all), any: pairs(c.any) };
}

/**
 * The bit mask of `wanted` among `states`.
 *
 * @example
 * maskOf(['pending', 'present', 'absent'], ['present', 'absent']); // 0b110
 */
export function maskOf(states: readonly string[], wanted: readonly string[]): number {
  let mask = 0;
  for (const s of wanted) {
    const i = states.indexOf(s);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

/** The error of a config the table cannot run. */
export function machineError(config: PlanMachineConfig, what: string): Error {
  return new Error(`machine '${config.id}' cannot be compiled to a table: ${what}`);
}
