/**
 * @module What one pipeline request reports: each step's event (statistics, metrics, spans) and
 * debug timing as it settles, the result once the run ends, and why a run cannot complete.
 * Pure functions over the request's own state, so a request allocates nothing more for them.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { Mutable } from '../../engine/core/mutable.js';
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';
import type { PlanMachine, RequestLayout, WantedTensor } from './request-layout.js';
import type { PipelineRequestEvent, StepEvent, StepOutcome } from './step-stats.js';

/** How a request ended. */
export type RequestEnd =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'returned'; readonly step: number }
  | { readonly kind: 'failed'; readonly error: EngineError };

/** A step's start time while it has not started. */
export const NOT_STARTED = -1;

/** What a step's ending carries besides its outcome. */
export interface StepExtra {
  readonly calls?: number;
  readonly retries?: number;
  readonly items?: number;
  readonly reason?: string;
  readonly onError?: 'skip' | 'default';
}

/** Per-step timings returned by debug capture; times in ms since the request started. */
export interface StepTiming {
  readonly step: string;
  readonly status: StepOutcome | 'pruned' | 'not_reached';
  readonly start_ms?: number;
  readonly end_ms?: number;
  readonly calls?: number;
  readonly retries?: number;
  readonly items?: number;
  readonly reason?: string;
  /** Steps with `when:`: whether the guard held; absent when it was never evaluated. */
  readonly guard?: boolean;
  /** The step failed and its on_error policy answered instead. */
  readonly on_error?: 'skip' | 'default';
}

/** What a request produced. */
export interface PipelineResult {
  readonly outputs: TensorMap;
  readonly returnedBy?: string;
  readonly debug?: { readonly steps: readonly StepTiming[]; readonly tensors: TensorMap };
}

/**
 * The event of a step that ended `status` after `durationMs` (0 if it never started).
 *
 * @example
 * stepEvent('ocr', step, 'ran', { calls: 1, retries: 0 }, 3.2, undefined);
 */
export function stepEvent(
  pipeline: string,
  step: PlanStep,
  status: StepOutcome,
  extra: StepExtra,
  durationMs: number,
  guard: boolean | undefined,
): StepEvent {
  // Built field by field: conditional spreads cost more than the step's bookkeeping.
  const event: Mutable<StepEvent> = {
    pipeline,
    step: step.name,
    status,
    durationMs,
    calls: extra.calls ?? 0,
    retries: extra.retries ?? 0,
  };
  if (extra.items !== undefined) event.items = extra.items;
  if (extra.reason !== undefined) event.reason = extra.reason;
  if (guard !== undefined) event.guard = guard;
  if (extra.onError !== undefined) event.onError = extra.onError;
  return event;
}

/**
 * The debug timing of a step that ended `status` at clock time `now`.
 *
 * @example
 * stepTiming(step, 'ran', {}, { started: 10, now: 12, runStart: 10, guard: undefined }); // start_ms 0, end_ms 2
 */
export function stepTiming(
  step: PlanStep,
  status: StepOutcome,
  extra: StepExtra,
  at: {
    readonly started: number;
    readonly now: number;
    readonly runStart: number;
    readonly guard: boolean | undefined;
  },
): StepTiming {
  const { started, now, runStart, guard } = at;
  const times =
    started === NOT_STARTED ? {} : { start_ms: started - runStart, end_ms: now - runStart };
  const { calls, retries, items, reason, onError } = extra;
  const counts = {
    ...(calls === undefined ? {} : { calls }),
    ...(retries === undefined ? {} : { retries }),
    ...(items === undefined ? {} : { items }),
  };
  const why = {
    ...(reason === undefined ? {} : { reason }),
    ...(guard === undefined ? {} : { guard }),
    ...(onError === undefined ? {} : { on_error: onError }),
  };
  return { step: step.name, status, ...times, ...counts, ...why };
}

/**
 * The answer of a request that ended well: the layout's outputs from the tensors (or, after an
 * early return, from what `ret` returns), and the debug timings and captured tensors if asked.
 *
 * @example
 * pipelineResult(plan, layout, store, undefined, undefined).outputs.get('Y');
 */
export function pipelineResult(
  plan: ExecutionPlan,
  layout: RequestLayout,
  store: ReadonlyMap<string, Tensor>,
  ret: PlanStep | undefined,
  timings: readonly (StepTiming | undefined)[] | undefined,
): PipelineResult {
  const outputs: TensorMap = new Map();
  for (const o of layout.outputs) {
    const v = ret ? ret.returns?.get(o.name) : { tensor: o.tensor };
    const t = v === undefined ? undefined : 'tensor' in v ? store.get(v.tensor) : v.constant;
    if (t) outputs.set(o.name, t);
  }
  if (!timings) return { outputs, ...(ret ? { returnedBy: ret.name } : {}) };
  const steps = plan.steps.map(
    (s, i) =>
      timings[i] ?? {
        step: s.name,
        status: layout.active[i] ? ('not_reached' as const) : ('pruned' as const),
      },
  );
  const tensors: TensorMap = new Map(
    layout.capture.flatMap(t => (store.has(t) ? [[t, store.get(t)!]] : [])),
  );
  return { outputs, ...(ret ? { returnedBy: ret.name } : {}), debug: { steps, tensors } };
}

/**
 * The event of a request that ended `end` after `durationMs`.
 *
 * @example
 * requestEvent(plan, { kind: 'succeeded' }, 4.2); // { pipeline: 'ocr', ok: true, durationMs: 4.2 }
 */
export function requestEvent(
  plan: ExecutionPlan,
  end: RequestEnd,
  durationMs: number,
): PipelineRequestEvent {
  const ret = end.kind === 'returned' ? plan.steps[end.step]!.name : undefined;
  return {
    pipeline: plan.name,
    ok: end.kind !== 'failed',
    durationMs,
    ...(ret ? { returnedBy: ret } : {}),
  };
}

/**
 * The error of a request past its deadline of `ms`, naming the steps still running.
 *
 * @example
 * deadlineError(plan, 800, [step]).message; // "pipeline 'ocr' exceeded its deadline of 800 ms (still running: 'read')"
 */
export function deadlineError(
  plan: ExecutionPlan,
  ms: number,
  running: readonly PlanStep[],
): EngineError {
  const still =
    running.length > 0 ? ` (still running: ${running.map(s => `'${s.name}'`).join(', ')})` : '';
  return new EngineError(
    'UNAVAILABLE',
    `pipeline '${plan.name}' exceeded its deadline of ${ms} ms${still}`,
    { reason: 'REJECTED' },
  );
}

/**
 * Why a request cannot produce its required outputs: each missing tensor and what became of
 * its producer (`stepState` names the state of a step by index).
 *
 * @example
 * stuckError(plan, i => 'skipped', ['TEXT']).message; // "... required output tensor(s) 'TEXT' (step 'read' skipped) ..."
 */
export function stuckError(
  p: ExecutionPlan,
  stepState: (step: number) => string,
  missing: readonly string[],
): EngineError {
  const why = missing.map(t => {
    const producer = p.producer.get(t);
    if (producer === undefined) return `'${t}' (an optional input the request did not send)`;
    return `'${t}' (step '${p.steps[producer]!.name}' ${stepState(producer)})`;
  });
  return new EngineError(
    'INVALID_ARG',
    `pipeline '${p.name}': required output tensor(s) ${why.join(', ')} will not be produced for this request`,
  );
}

/**
 * How a request stands once its machine has nothing left to do: complete when every wanted
 * tensor is present (or absent and allowed to be) and no early return is still open; the
 * error to fail with when a required one is absent and no early return can still answer.
 *
 * @example
 * requestOutcome(plan, machine, state, layout.wanted); // 'running'
 */
export function requestOutcome(
  plan: ExecutionPlan,
  m: PlanMachine,
  state: Int32Array,
  wanted: readonly WantedTensor[],
): 'running' | 'complete' | EngineError {
  const t = m.table;
  const returnPending = t.openReturns(state) > 0;
  let missing: string[] | undefined;
  let unresolved = false;
  for (const w of wanted) {
    const s = t.stateName(state, w.region);
    if (s === 'pending') unresolved = true;
    else if (s === 'absent' && !w.optional) (missing ??= []).push(w.tensor);
  }
  // A tensor has one producer, so an absent required output stays absent; only an early return can still answer.
  if (!unresolved && !returnPending && !missing) return 'complete';
  if (!missing && t.openSteps(state) > 0) return 'running';
  if (missing && returnPending) return 'running';
  const stepState = (i: number) => t.stateName(state, m.steps[i]!.region);
  return stuckError(plan, stepState, missing ?? wanted.filter(w => !w.optional).map(w => w.tensor));
}

/**
 * The first required tensor of a step that is absent: why its machine skipped it.
 *
 * @example
 * absentInput(machine, state, step); // 'boxes'
 */
export function absentInput(m: PlanMachine, state: Int32Array, step: PlanStep): string {
  const absent = (t: string) =>
    m.table.stateName(state, m.table.region(`tensor:${t}`)) === 'absent';
  for (const b of step.inputs) if (!b.optional && absent(b.tensor)) return b.tensor;
  for (const v of step.returns?.values() ?? [])
    if ('tensor' in v && absent(v.tensor)) return v.tensor;
  return '?';
}
