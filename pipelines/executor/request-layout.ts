/**
 * @module What a pipeline request starts from: the context every request of a plan shares (the
 * plan, its compiled machine and the machine's event numbers), the request as checked, and its
 * layout, which every request asking for the same tensors shares: the steps that run, how many
 * of them read each tensor, which tensors live to the end, and what each step must return. A
 * layout is worked out once per set of requested tensors, so a request only copies it.
 */
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { ParameterValue, RequestedOutput } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { compileMachine } from './machine-table.js';
import type { MachineTable } from './machine-table.js';
import {
  planMachineConfig,
  RUN_EVENTS,
  stepEvent,
  stepRegion,
  tensorEvent,
  tensorRegion,
} from './plan.machine.js';
import type { StepRuntime } from './step-call.js';
import type { PipelineObserver, StepStatsRecorder } from './step-stats.js';

/** The machine's event numbers for one step; -1 where the step has no such transition. */
export interface StepEvents {
  readonly prune: number;
  readonly done: number;
  readonly fail: number;
  readonly retry: number;
  readonly resume: number;
  readonly gather: number;
  readonly held: number;
  readonly guardFalse: number;
  readonly guardError: number;
  /** Region of the step, and event `<tensor>.missing` of each output (by output position). */
  readonly region: number;
  readonly missing: readonly number[];
}

/** A plan's machine, compiled, with the event numbers the driver sends. */
export interface PlanMachine {
  readonly table: MachineTable;
  readonly steps: readonly StepEvents[];
  /** Optional pipeline inputs: tensor name and its `given` / `missing` events. */
  readonly optionalInputs: readonly {
    readonly name: string;
    readonly given: number;
    readonly missing: number;
  }[];
  readonly run: { readonly [K in keyof typeof RUN_EVENTS]: number };
}

/** What every request of a plan shares. */
export interface PipelineContext {
  readonly plan: ExecutionPlan;
  readonly machine: PlanMachine;
  readonly runtime: StepRuntime;
  readonly stats: StepStatsRecorder;
  readonly observer?: PipelineObserver;
  readonly clock: Clock;
}

/** One request, checked, with its layout. */
export interface PreparedRequest {
  readonly id?: string;
  readonly inputs: TensorMap;
  /** Which steps run and what they return, for the outputs and tensors this request asks for. */
  readonly layout: RequestLayout;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly signal?: CancelSignal;
  /** Return per-step timings and the layout's captured tensors. */
  readonly debug?: boolean;
  /** The pipeline request's span; steps open child spans under it. */
  readonly trace?: TraceSpan;
  /** A streaming plan's responses, as its decoupled step sends them (plan.streams). */
  readonly respond?: StreamedResponses;
}

/** Receives the outputs of each response of a streaming pipeline, by pipeline output name. */
export type StreamedResponses = (outputs: TensorMap) => void;

/** A tensor the request waits for (its machine region); an optional one may end up absent. */
export interface WantedTensor {
  readonly tensor: string;
  readonly region: number;
  readonly optional: boolean;
}

/** The shape of a request for one set of requested outputs and captured tensors. */
export interface RequestLayout {
  readonly outputs: readonly PlanResult[];
  /** Tensors captured for debugging. */
  readonly capture: readonly string[];
  /** Which steps run; the others only feed tensors nobody asked for. */
  readonly active: readonly boolean[];
  /** The `prune` events of the steps that do not run. */
  readonly prune: readonly number[];
  /** What the request is complete with: the outputs, then the captured tensors (optional). */
  readonly wanted: readonly WantedTensor[];
  /** Per tensor, how many running steps read it; it is released after the last one. */
  readonly readers: ReadonlyMap<string, number>;
  /** Tensors kept to the end, readers or not: requested outputs and captured tensors. */
  readonly keep: ReadonlySet<string>;
  /** Per step, the target's outputs someone reads or keeps (empty for inactive steps). */
  readonly stepOutputs: readonly (readonly string[])[];
  /** The same, as a model request names them. */
  readonly stepRequested: readonly (readonly RequestedOutput[])[];
}

/**
 * Builds a plan's machine and compiles it; done once per load.
 *
 * @example
 * const machine = planMachine(plan);
 * machine.table.event('start') === machine.run.start; // true
 */
export function planMachine(plan: ExecutionPlan): PlanMachine {
  const table = compileMachine(planMachineConfig(plan));
  const steps = plan.steps.map(s => {
    const ev = (what: Parameters<typeof stepEvent>[1]) => table.event(stepEvent(s.name, what));
    return {
      prune: ev('prune'),
      done: ev('done'),
      fail: ev('fail'),
      retry: ev('retry'),
      resume: ev('resume'),
      gather: ev('gather'),
      held: ev('guard.held'),
      guardFalse: ev('guard.false'),
      guardError: ev('guard.error'),
      region: table.region(stepRegion(s.name)),
      missing: s.outputs.map(o => table.event(tensorEvent(o.tensor, 'missing'))),
    };
  });
  const optionalInputs = plan.inputs
    .filter(t => t.optional)
    .map(t => ({
      name: t.name,
      given: table.event(tensorEvent(t.name, 'given')),
      missing: table.event(tensorEvent(t.name, 'missing')),
    }));
  const run = Object.fromEntries(
    Object.entries(RUN_EVENTS).map(([k, type]) => [k, table.event(type)]),
  ) as PlanMachine['run'];
  return { table, steps, optionalInputs, run };
}

/**
 * Which steps a request needs: producers of the requested tensors and, transitively, of what
 * they read. Early-return steps always run (they decide the answer).
 *
 * @example
 * const active = activeSteps(plan, new Set(['TEXT'])); // active[i] for every step
 */
export function activeSteps(plan: ExecutionPlan, needed: ReadonlySet<string>): boolean[] {
  const active = plan.steps.map(s => s.target.kind === 'return');
  const queue = [...needed];
  for (const s of plan.steps) if (active[s.index]) queue.push(...s.reads);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const t = queue.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = plan.producer.get(t);
    if (p === undefined || active[p]) continue;
    active[p] = true;
    queue.push(...plan.steps[p]!.reads);
  }
  return active;
}

/**
 * Works out the layout of requests that ask for `outputs` and capture `capture`.
 *
 * @example
 * const layout = requestLayout(plan, machine, plan.outputs, []);
 * layout.active; // one flag per step
 */
export function requestLayout(
  plan: ExecutionPlan,
  machine: PlanMachine,
  outputs: readonly PlanResult[],
  capture: readonly string[],
): RequestLayout {
  const active = activeSteps(plan, new Set([...outputs.map(o => o.tensor), ...capture]));
  const keep = new Set([...outputs.map(o => o.tensor), ...capture]);
  const readers = new Map<string, number>();
  for (const s of plan.steps)
    if (active[s.index]) for (const t of s.reads) readers.set(t, (readers.get(t) ?? 0) + 1);
  // Readers of a step's outputs all come later, so what is needed is known before any step runs.
  const needed = (t: string) => (readers.get(t) ?? 0) > 0 || keep.has(t);
  const stepOutputs = plan.steps.map(s =>
    active[s.index] ? s.outputs.filter(o => needed(o.tensor)).map(o => o.param) : [],
  );
  const wanted = [
    ...outputs.map(o => ({ tensor: o.tensor, optional: o.optional })),
    ...capture.map(t => ({ tensor: t, optional: true })),
  ].map(w => ({
    ...w,
    region: machine.table.region(tensorRegion(w.tensor)),
  }));
  const stepRequested = stepOutputs.map(names => names.map(name => ({ name })));
  const prune = plan.steps.filter(s => !active[s.index]).map(s => machine.steps[s.index]!.prune);
  return { outputs, capture, active, prune, wanted, readers, keep, stepOutputs, stepRequested };
}
