/**
 * @module The decisions of a pipeline run: which steps are ready, which are skipped because an
 * input they need is absent, and whether the run is complete. No I/O and no time here. A run's
 * state belongs to that run alone and is updated in place: copying it on every step event cost
 * more than the decisions themselves.
 */
import type { ExecutionPlan } from '../../engine/core/plan.js';

/** Where a step is in one run. `pruned` steps feed only outputs nobody asked for. */
export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'pruned';

/** Whether a tensor exists in one run. */
export type TensorState = 'pending' | 'present' | 'absent';

/** The state of one run, owned by its driver and changed by {@link decide} and {@link settle}. */
export interface RunState {
  readonly steps: StepStatus[];
  readonly tensors: Map<string, TensorState>;
}

/** What {@link decide} found: steps to start and steps skipped (with why). */
export interface Decision {
  readonly ready: readonly number[];
  readonly skipped: readonly { readonly step: number; readonly reason: string }[];
}

/** How a run stands. */
export type Outcome = { readonly kind: 'running' } | { readonly kind: 'complete' } | { readonly kind: 'stuck'; readonly missing: readonly string[] };

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
 * The state before anything runs: given inputs present, others absent; tensors of pruned
 * steps absent.
 */
export function initialState(plan: ExecutionPlan, active: readonly boolean[], provided: ReadonlySet<string>): RunState {
  const tensors = new Map<string, TensorState>();
  for (const t of plan.inputs) tensors.set(t.name, provided.has(t.name) ? 'present' : 'absent');
  for (const s of plan.steps) for (const o of s.outputs) tensors.set(o.tensor, active[s.index] ? 'pending' : 'absent');
  return { steps: plan.steps.map(s => (active[s.index] ? 'pending' : 'pruned')), tensors };
}

/**
 * Marks `running` every pending step whose reads are all settled and returns them; marks
 * `skipped` those missing a required input (an absent tensor read by a non-optional input or
 * an early-return value). A skip makes the step's outputs absent, which can skip later steps in
 * the same pass (steps are in topological order).
 */
export function decide(plan: ExecutionPlan, state: RunState): Decision {
  const ready: number[] = [];
  let skipped: { step: number; reason: string }[] | undefined;
  const { steps, tensors } = state;
  const tensorState = (t: string) => tensors.get(t) ?? 'absent';
  for (const s of plan.steps) {
    if (steps[s.index] !== 'pending' || !settledReads(s.reads, tensors)) continue;
    const missing = requiredAbsent(plan, s.index, tensorState);
    if (missing === undefined) {
      steps[s.index] = 'running';
      ready.push(s.index);
      continue;
    }
    steps[s.index] = 'skipped';
    for (const o of s.outputs) tensors.set(o.tensor, 'absent');
    (skipped ??= []).push({ step: s.index, reason: `tensor '${missing}' is absent` });
  }
  return { ready, skipped: skipped ?? NONE };
}

const NONE: readonly never[] = Object.freeze([]);
const COMPLETE: Outcome = Object.freeze({ kind: 'complete' });
const RUNNING: Outcome = Object.freeze({ kind: 'running' });

function settledReads(reads: readonly string[], tensors: ReadonlyMap<string, TensorState>): boolean {
  for (const t of reads) if (tensors.get(t) === 'pending') return false;
  return true;
}

function requiredAbsent(plan: ExecutionPlan, index: number, tensorState: (t: string) => TensorState): string | undefined {
  const s = plan.steps[index]!;
  for (const b of s.inputs) if (!b.optional && tensorState(b.tensor) === 'absent') return b.tensor;
  for (const v of s.returns?.values() ?? []) if ('tensor' in v && tensorState(v.tensor) === 'absent') return v.tensor;
  return undefined;
}

/**
 * Records that a running step finished: `produced` tensors are present, its other outputs
 * absent. `status` is `done`, `skipped` (guard false, on_error skip) or `failed`.
 */
export function settle(plan: ExecutionPlan, state: RunState, index: number, status: 'done' | 'skipped' | 'failed', produced: readonly string[] = NONE): void {
  state.steps[index] = status;
  for (const o of plan.steps[index]!.outputs) state.tensors.set(o.tensor, produced.includes(o.tensor) ? 'present' : 'absent');
}

/**
 * Complete once every wanted tensor is present (or absent and allowed to be) and no early
 * return is still undecided; stuck as soon as a required one is absent and no early return
 * can still answer.
 */
export function outcome(plan: ExecutionPlan, state: RunState, wanted: readonly { readonly tensor: string; readonly optional: boolean }[]): Outcome {
  let busy = false;
  let returnPending = false;
  for (const s of plan.steps) {
    const st = state.steps[s.index];
    if (st !== 'pending' && st !== 'running') continue;
    busy = true;
    if (s.target.kind === 'return') returnPending = true;
  }
  let missing: string[] | undefined;
  let unresolved = false;
  for (const w of wanted) {
    const t = state.tensors.get(w.tensor) ?? 'absent';
    if (t === 'pending') unresolved = true;
    else if (t === 'absent' && !w.optional) (missing ??= []).push(w.tensor);
  }
  // A tensor has one producer, so an absent required output stays absent; only an early return can still answer.
  if (missing && !returnPending) return { kind: 'stuck', missing };
  if (!unresolved && !returnPending && !missing) return COMPLETE;
  if (!busy) return { kind: 'stuck', missing: wanted.filter(w => !w.optional).map(w => w.tensor) };
  return RUNNING;
}
