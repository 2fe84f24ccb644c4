/**
 * @module What a pipeline run starts from: what every run of a plan shares, the request, and
 * its layout, which every request asking for the same tensors shares: the steps that run, how
 * many of them read each tensor, which tensors live to the end, and what each step must
 * return. A layout is worked out once per set of requested tensors, so a request only copies it.
 */
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { ParameterValue, RequestedOutput } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { activeSteps } from './run-state.js';
import type { StepRuntime } from './step-call.js';
import type { PipelineObserver, StepStatsRecorder } from './step-stats.js';

/** What every run of a plan shares. */
export interface RunShared {
  readonly plan: ExecutionPlan;
  readonly runtime: StepRuntime;
  readonly stats: StepStatsRecorder;
  readonly observer?: PipelineObserver;
  readonly clock: Clock;
}

/** One request, checked. */
export interface RunRequest {
  readonly id?: string;
  readonly inputs: TensorMap;
  /** Which steps run and what they return, for the outputs and tensors this request asks for. */
  readonly layout: RunLayout;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly signal?: CancelSignal;
  /** Return per-step timings and the layout's captured tensors. */
  readonly debug?: boolean;
  /** The pipeline request's span; steps open child spans under it. */
  readonly trace?: TraceSpan;
}

/** A tensor the request waits for; an optional one may end up absent. */
export interface WantedTensor {
  readonly tensor: string;
  readonly optional: boolean;
}

/** The shape of a run for one set of requested outputs and captured tensors. */
export interface RunLayout {
  readonly outputs: readonly PlanResult[];
  /** Tensors captured for debugging. */
  readonly capture: readonly string[];
  /** Which steps run; the others only feed tensors nobody asked for. */
  readonly active: readonly boolean[];
  /** What the run is complete with: the outputs, then the captured tensors (optional). */
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
 * Works out the layout of runs that ask for `outputs` and capture `capture`.
 *
 * @example
 * const layout = runLayout(plan, plan.outputs, []);
 * layout.active; // one flag per step
 */
export function runLayout(plan: ExecutionPlan, outputs: readonly PlanResult[], capture: readonly string[]): RunLayout {
  const active = activeSteps(plan, new Set([...outputs.map(o => o.tensor), ...capture]));
  const keep = new Set([...outputs.map(o => o.tensor), ...capture]);
  const readers = new Map<string, number>();
  for (const s of plan.steps) if (active[s.index]) for (const t of s.reads) readers.set(t, (readers.get(t) ?? 0) + 1);
  // Readers of a step's outputs all come later, so what is needed is known before any step runs.
  const needed = (t: string) => (readers.get(t) ?? 0) > 0 || keep.has(t);
  const stepOutputs = plan.steps.map(s => (active[s.index] ? s.outputs.filter(o => needed(o.tensor)).map(o => o.param) : []));
  const wanted = [...outputs.map(o => ({ tensor: o.tensor, optional: o.optional })), ...capture.map(t => ({ tensor: t, optional: true }))];
  const stepRequested = stepOutputs.map(names => names.map(name => ({ name })));
  return { outputs, capture, active, wanted, readers, keep, stepOutputs, stepRequested };
}

