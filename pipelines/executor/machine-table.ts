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
import { ACTION, machineError, maskOf, readMachine, ROOT, RUNNING } from './machine-reader.js';
import type { Edge, ReadMachine } from './machine-reader.js';
import { OPEN_STEP_STATES, RUN_ENDS } from './plan.machine.js';
import type { PlanMachineConfig } from './plan.machine.js';

export { ACTION };

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
  /**
   * Scratch of {@link send}, which runs to the end without yielding, so requests can share it:
   * regions to look at and their next round, and per region the round that last added it.
   */
  readonly #candidates: Int32Array;
  readonly #nextCandidates: Int32Array;
  readonly #addedIn: Uint32Array;
  #round = 0;
  readonly #taken: Edge[] = [];
  /** Slots after the regions: open steps, open early returns. */
  readonly #openSlot: number;

  constructor(config: PlanMachineConfig) {
    const read = readMachine(config);
    this.#candidates = new Int32Array(read.regions.length);
    this.#nextCandidates = new Int32Array(read.regions.length);
    this.#addedIn = new Uint32Array(read.regions.length);
    this.regions = read.regions;
    this.states = read.states;
    this.#events = read.events;
    this.#byEvent = read.byEvent;
    this.#always = read.always;
    this.#readers = readersOf(read.regions.length, read.always);
    this.#stepKind = new Uint8Array(this.regions.length);
    this.#openMask = new Int32Array(this.regions.length);
    this.regions.forEach((key, r) => {
      if (!key.startsWith('step:')) return;
      this.#stepKind[r] = 1;
      this.#openMask[r] = maskOf(this.states[r]!, OPEN_STEP_STATES);
    });
    // Early returns are the steps whose start answers the request.
    for (const e of read.always[ROOT]![RUNNING]!)
      if (e.actions[0] === ACTION.answer) this.#stepKind[e.all[0]!] = 2;
    this.#openSlot = this.regions.length;
    const initial = new Int32Array(this.regions.length + 2);
    initial.set(read.initial);
    for (let r = 1; r < this.regions.length; r++) {
      if (this.#stepKind[r] === 0) continue;
      initial[this.#openSlot] = initial[this.#openSlot]! + 1;
      if (this.#stepKind[r] === 2) initial[this.#openSlot + 1] = initial[this.#openSlot + 1]! + 1;
    }
    const taken: number[] = [];
    this.#settle(
      initial,
      Int32Array.from(this.regions, (_, i) => i),
      this.regions.length,
      taken,
    );
    if (taken.length > 0) throw machineError(config, 'the initial state must take no actions');
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
    const moved = this.#nextCandidates;
    let count = 0;
    for (const e of this.#byEvent[event]!) {
      if (state[e.region] !== e.from || (count > 0 && moved[count - 1] === e.region)) continue;
      this.#take(state, e, actions);
      if (e.region === ROOT) return;
      moved[count++] = e.region;
    }
    if (count > 0) this.#settle(state, moved, count, actions);
  }

  /** xstate's state value of `state`, for comparison. */
  value(state: Int32Array): unknown {
    if (state[ROOT] !== RUNNING) return this.states[ROOT]![state[ROOT]!];
    return {
      running: Object.fromEntries(
        this.regions.slice(1).map((r, i) => [r, this.stateName(state, i + 1)]),
      ),
    };
  }

  /** Runs eventless transitions to a fixpoint, looking only at regions that read one that moved. */
  #settle(state: Int32Array, moved: ArrayLike<number>, count: number, actions: number[]): void {
    let candidates = this.#candidates;
    let next = this.#nextCandidates;
    let runPending = false;
    let n = 0;
    const round = ++this.#round;
    for (let i = 0; i < count; i++) n = this.#addReaders(candidates, n, moved[i]!, round);
    for (;;) {
      const taken = this.#taken;
      let t = 0;
      for (let i = 0; i < n; i++) {
        const r = candidates[i]!;
        if (r === ROOT) runPending = true;
        else {
          const e = this.#enabled(state, r);
          if (e) taken[t++] = e;
        }
      }
      if (t === 0) {
        const e = runPending ? this.#enabled(state, ROOT) : undefined;
        if (e) this.#take(state, e, actions);
        return;
      }
      const nextRound = ++this.#round;
      n = 0;
      for (let i = 0; i < t; i++) {
        const e = taken[i]!;
        this.#take(state, e, actions);
        n = this.#addReaders(next, n, e.region, nextRound);
      }
      const swap = candidates;
      candidates = next;
      next = swap;
    }
  }

  /** Adds `region` and its readers to `into` (once per round); returns the new length. */
  #addReaders(into: Int32Array, length: number, region: number, round: number): number {
    let n = length;
    if (this.#addedIn[region] !== round) {
      this.#addedIn[region] = round;
      into[n++] = region;
    }
    for (const r of this.#readers[region]!) {
      if (this.#addedIn[r] === round) continue;
      this.#addedIn[r] = round;
      into[n++] = r;
    }
    return n;
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
}

/** Regions whose eventless guards read each region. */
function readersOf(count: number, always: ReadMachine['always']): Int32Array[] {
  const readers = Array.from({ length: count }, () => new Set<number>());
  always.forEach((byState, region) => {
    for (const edges of byState)
      for (const e of edges)
        for (const list of [e.all, e.any])
          for (let i = 0; i < list.length; i += 2) readers[list[i]!]!.add(region);
  });
  return readers.map(s => Int32Array.from(s));
}

function holds(state: Int32Array, e: Edge): boolean {
  const all = e.all;
  for (let i = 0; i < all.length; i += 2)
    if (((1 << state[all[i]!]!) & all[i + 1]!) === 0) return false;
  const any = e.any;
  if (any.length === 0) return true;
  for (let i = 0; i < any.length; i += 2)
    if (((1 << state[any[i]!]!) & any[i + 1]!) !== 0) return true;
  return false;
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
