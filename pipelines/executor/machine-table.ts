/**
 * @module A plan's machine (plan.machine.ts) compiled once at load into integer tables that
 * each request steps through: a request's state is one small Int32Array, an event is an index.
 *
 * Why a table rather than an xstate actor per request: an actor costs some 16 µs per request
 * (construction, snapshots, microsteps, and the garbage they leave), more than the steps' own
 * bookkeeping. The table keeps xstate's semantics for the machines plan.machine.ts makes: an
 * event takes at most one transition per region; then eventless transitions run in
 * microsteps, all regions whose guard holds at once, and the run-level ones only in a
 * microstep where no region moves (xstate lets a descendant's transition preempt its
 * ancestor's). Only regions whose guard reads a region that moved are looked at again.
 * {@link compileMachine} refuses configs outside that shape; a test checks the table against
 * xstate's own `transition` on generated event sequences for every pipeline in the repository.
 */
import { guardCondition, OPEN_STEP_STATES, RUN_ENDS } from './plan.machine.js';
import type { MachineAction, MachineState, MachineTransition, PlanMachineConfig } from './plan.machine.js';

/** Action codes a send appends to its output, each followed by the step index. */
export const ACTION = { launch: 0, checkGuard: 1, skip: 2, answer: 3 } as const;

const ROOT = 0;
const RUNNING = 0;

interface Edge {
  readonly region: number;
  readonly from: number;
  readonly to: number;
  /** Pairs of action code and step. */
  readonly actions: readonly number[];
  /** Region/state-mask pairs that must all hold, and of which one must hold if any. */
  readonly all: Int32Array;
  readonly any: Int32Array;
}

/** A compiled machine. Immutable and shared by every request of a plan. */
export class MachineTable {
  /** Region keys in order; region 0 is the run itself. */
  readonly regions: readonly string[];
  readonly states: readonly (readonly string[])[];
  readonly #events: ReadonlyMap<string, number>;
  readonly #byEvent: readonly (readonly Edge[])[];
  /** Eventless edges by region, then by state. */
  readonly #always: readonly (readonly (readonly Edge[])[])[];
  /** Regions whose eventless guards read each region. */
  readonly #readers: readonly Int32Array[];
  /** Per region: 1 for a step, 2 for an early-return step, 0 otherwise; and its open states. */
  readonly #stepKind: Uint8Array;
  readonly #openMask: Int32Array;
  readonly #initial: Int32Array;
  /** Slots after the regions: open steps, open early returns. */
  readonly #openSlot: number;

  constructor(config: PlanMachineConfig) {
    const running = config.states['running'];
    if (config.initial !== 'running' || running?.type !== 'parallel' || !running.states) throw refuse(config, "the initial state must be a parallel 'running'");
    const regionConfigs = Object.entries(running.states);
    this.regions = ['', ...regionConfigs.map(([k]) => k)];
    this.states = [['running', ...RUN_ENDS], ...regionConfigs.map(([, r]) => Object.keys(r.states ?? {}))];
    const regionIndex = new Map(this.regions.map((r, i) => [r, i]));
    const events = new Map<string, number>();
    const byEvent: Edge[][] = [];
    const always = this.states.map(ss => ss.map((): Edge[] => []));
    const edge = (region: number, from: number, t: MachineTransition) => this.#edge(config, regionIndex, region, from, t);
    const addOn = (region: number, from: number, on: MachineState['on']) => {
      for (const [event, t] of Object.entries(on ?? {})) {
        if (!events.has(event)) events.set(event, events.size);
        const list = (byEvent[events.get(event)!] ??= []);
        if (t.guard) throw refuse(config, `event '${event}' has a guarded transition`);
        if (list.some(e => e.region === region && e.from === from) || (region !== ROOT && list.some(e => e.region === ROOT))) throw refuse(config, `event '${event}' has two transitions from one state`);
        list.push(edge(region, from, t));
      }
    };
    addOn(ROOT, RUNNING, running.on);
    for (const t of running.always ?? []) always[ROOT]![RUNNING]!.push(edge(ROOT, RUNNING, t));
    regionConfigs.forEach(([key, r], i) => {
      const region = i + 1;
      if (r.type || !r.initial || !r.states) throw refuse(config, `region '${key}' must be a compound state with an initial state`);
      Object.entries(r.states).forEach(([name, s], from) => {
        if (s.type || s.states) throw refuse(config, `state '${key}.${name}' must be atomic`);
        addOn(region, from, s.on);
        for (const t of s.always ?? []) always[region]![from]!.push(edge(region, from, t));
      });
    });
    this.#events = events;
    this.#byEvent = byEvent;
    this.#always = always;
    this.#readers = this.#readersOf(always);
    this.#stepKind = new Uint8Array(this.regions.length);
    this.#openMask = new Int32Array(this.regions.length);
    regionConfigs.forEach(([key], i) => {
      if (!key.startsWith('step:')) return;
      this.#stepKind[i + 1] = 1;
      this.#openMask[i + 1] = maskOf(this.states[i + 1]!, OPEN_STEP_STATES);
    });
    // Early returns are the steps whose start answers the request.
    for (const e of always[ROOT]![RUNNING]!) if (e.actions[0] === ACTION.answer) this.#stepKind[e.all[0]!] = 2;
    this.#openSlot = this.regions.length;
    const initial = new Int32Array(this.regions.length + 2);
    regionConfigs.forEach(([, r], i) => (initial[i + 1] = this.states[i + 1]!.indexOf(r.initial!)));
    for (let r = 1; r < this.regions.length; r++) {
      if (this.#stepKind[r] === 0) continue;
      initial[this.#openSlot] = initial[this.#openSlot]! + 1;
      if (this.#stepKind[r] === 2) initial[this.#openSlot + 1] = initial[this.#openSlot + 1]! + 1;
    }
    const scratch: number[] = [];
    this.#settle(initial, this.regions.map((_, i) => i), scratch);
    if (scratch.length > 0) throw refuse(config, 'the initial state must take no actions');
    this.#initial = initial;
  }

  /** A fresh request's state. */
  start(): Int32Array {
    return this.#initial.slice();
  }

  /** The index of an event; -1 when the machine has no transition on it. */
  event(type: string): number {
    return this.#events.get(type) ?? -1;
  }

  /** The index of a region; throws for an unknown one. */
  region(key: string): number {
    const i = this.regions.indexOf(key);
    if (i < 0) throw new Error(`the machine has no region '${key}'`);
    return i;
  }

  /** The run's final state, or undefined while it runs. */
  end(state: Int32Array): (typeof RUN_ENDS)[number] | undefined {
    return state[ROOT] === RUNNING ? undefined : RUN_ENDS[state[ROOT]! - 1];
  }

  /** Steps still waiting or running, and early returns among them. */
  openSteps(state: Int32Array): number {
    return state[this.#openSlot]!;
  }
  openReturns(state: Int32Array): number {
    return state[this.#openSlot + 1]!;
  }

  /** The name of a region's state. */
  stateName(state: Int32Array, region: number): string {
    return this.states[region]![state[region]!]!;
  }

  /**
   * Takes `event` (an index from {@link event}) and every eventless transition it enables,
   * appending the actions taken to `actions` as code/step pairs. A finished run ignores events.
   */
  send(state: Int32Array, event: number, actions: number[]): void {
    if (state[ROOT] !== RUNNING || event < 0) return;
    const moved: number[] = [];
    for (const e of this.#byEvent[event]!) {
      if (state[e.region] !== e.from || moved[moved.length - 1] === e.region) continue;
      this.#take(state, e, actions);
      if (e.region === ROOT) return;
      moved.push(e.region);
    }
    if (moved.length > 0) this.#settle(state, moved, actions);
  }

  /** xstate's state value of `state`, for comparison. */
  value(state: Int32Array): unknown {
    if (state[ROOT] !== RUNNING) return this.states[ROOT]![state[ROOT]!];
    return { running: Object.fromEntries(this.regions.slice(1).map((r, i) => [r, this.stateName(state, i + 1)])) };
  }

  /** Runs eventless transitions to a fixpoint, looking only at regions that read one that moved. */
  #settle(state: Int32Array, moved: readonly number[], actions: number[]): void {
    let candidates = new Set<number>();
    for (const r of moved) this.#addReaders(candidates, r);
    let runPending = candidates.delete(ROOT);
    for (;;) {
      const taken: Edge[] = [];
      for (const r of candidates) {
        const e = this.#enabled(state, r);
        if (e) taken.push(e);
      }
      if (taken.length === 0) {
        const e = runPending ? this.#enabled(state, ROOT) : undefined;
        if (e) this.#take(state, e, actions);
        return;
      }
      candidates = new Set<number>();
      for (const e of taken) {
        this.#take(state, e, actions);
        this.#addReaders(candidates, e.region);
      }
      if (candidates.delete(ROOT)) runPending = true;
    }
  }

  #addReaders(into: Set<number>, region: number): void {
    into.add(region);
    for (const r of this.#readers[region]!) into.add(r);
  }

  #enabled(state: Int32Array, region: number): Edge | undefined {
    for (const e of this.#always[region]![state[region]!]!) if (holds(state, e)) return e;
    return undefined;
  }

  #take(state: Int32Array, e: Edge, actions: number[]): void {
    state[e.region] = e.to;
    for (let i = 0; i < e.actions.length; i++) actions.push(e.actions[i]!);
    const kind = this.#stepKind[e.region]!;
    if (kind === 0) return;
    const mask = this.#openMask[e.region]!;
    if ((mask & (1 << e.from)) === 0 || (mask & (1 << e.to)) !== 0) return;
    state[this.#openSlot] = state[this.#openSlot]! - 1;
    if (kind === 2) state[this.#openSlot + 1] = state[this.#openSlot + 1]! - 1;
  }

  #edge(config: PlanMachineConfig, regionIndex: ReadonlyMap<string, number>, region: number, from: number, t: MachineTransition): Edge {
    const to = this.states[region]!.indexOf(t.target);
    if (to < 0) throw refuse(config, `target '${t.target}' is not a state of region '${this.regions[region] || 'running'}'`);
    const c = t.guard ? guardCondition(t.guard) : { all: [], any: [] };
    const pairs = (list: typeof c.all) =>
      Int32Array.from(
        list.flatMap(([key, states]) => {
          const r = regionIndex.get(key);
          if (r === undefined || r === ROOT) throw refuse(config, `a guard reads unknown region '${key}'`);
          return [r, maskOf(this.states[r]!, states)];
        }),
      );
    return { region, from, to, actions: (t.actions ?? []).flatMap((a: MachineAction) => [ACTION[a.type], a.params.step]), all: pairs(c.all), any: pairs(c.any) };
  }

  #readersOf(always: readonly (readonly (readonly Edge[])[])[]): Int32Array[] {
    const readers = this.regions.map(() => new Set<number>());
    always.forEach((byState, region) => {
      for (const edges of byState) for (const e of edges) for (const list of [e.all, e.any]) for (let i = 0; i < list.length; i += 2) readers[list[i]!]!.add(region);
    });
    return readers.map(s => Int32Array.from(s));
  }
}

function holds(state: Int32Array, e: Edge): boolean {
  const all = e.all;
  for (let i = 0; i < all.length; i += 2) if (((1 << state[all[i]!]!) & all[i + 1]!) === 0) return false;
  const any = e.any;
  if (any.length === 0) return true;
  for (let i = 0; i < any.length; i += 2) if (((1 << state[any[i]!]!) & any[i + 1]!) !== 0) return true;
  return false;
}

function maskOf(states: readonly string[], wanted: readonly string[]): number {
  let mask = 0;
  for (const s of wanted) {
    const i = states.indexOf(s);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

function refuse(config: PlanMachineConfig, what: string): Error {
  return new Error(`machine '${config.id}' cannot be compiled to a table: ${what}`);
}

/**
 * Compiles a plan's machine config.
 *
 * @example
 * const table = compileMachine(planMachineConfig(plan));
 * const state = table.start();
 * table.send(state, table.event('start'), actions);
 */
export function compileMachine(config: PlanMachineConfig): MachineTable {
  return new MachineTable(config);
}
