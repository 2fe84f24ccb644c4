/**
 * @module Running one step: one call, or one call per item with `map:`, each call with its
 * timeout and retry policy. Model steps go through the catalog, so they share the model's
 * queue and batcher with every other caller; module steps run on the pipeline's own pool.
 */
import { CancelSource } from '../../engine/core/cancel.js';
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError, toEngineError } from '../../engine/core/errors.js';
import type { ModelCatalog } from '../../engine/core/model-catalog.js';
import type { Mutable } from '../../engine/core/mutable.js';
import type { PlanMap, PlanRetry, PlanStep, PlanTarget } from '../../engine/core/plan.js';
import type { InferRequest, ParameterValue, RequestedOutput } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';
import type { ModulePool } from '../module-pool.js';
import { gatherItems, sliceItem } from './gather.js';
import { streamCall } from './step-stream.js';

/** What steps run on, shared by every request of a pipeline. */
export interface StepRuntime {
  readonly catalog: ModelCatalog;
  /** Module step pools by plan step index. */
  readonly pools: ReadonlyMap<number, ModulePool>;
  readonly clock: Clock;
}

/** One step of one request. */
export interface StepCall {
  readonly pipeline: string;
  readonly step: PlanStep;
  /** Inputs by the target's input name; absent optional inputs are left out. */
  readonly inputs: TensorMap;
  /** The target's outputs that are needed. */
  readonly outputs: readonly string[];
  /** The same as the model request asks for them. */
  readonly requested: readonly RequestedOutput[];
  readonly id?: string;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** Aborted when the request ends (failure, early return, deadline, client gone). */
  readonly signal: CancelSignal;
  /** Clock time by which the request must finish. */
  readonly deadlineAt?: number;
  /** The value of an output when a map has no items (steps with `map` only). */
  readonly empty?: (param: string) => Tensor;
  /** The step's span: model requests open under it, retries are events on it. */
  readonly trace: TraceSpan;
  /** Called when the first call starts waiting out a retry backoff (true) and when none waits any more (false). */
  readonly onBackoff?: (waiting: boolean) => void;
  /** A streaming pipeline's decoupled step: each response's outputs, by the target's names. */
  readonly onResponse?: (outputs: TensorMap) => void;
  /** Called when every map item has answered, before their outputs are gathered. */
  readonly onGather?: () => void;
  /**
   * Inputs the model may take over (moved into its worker, not copied): nothing else reads
   * them (pipelines/movable.ts). Ignored with `map:`, whose items share the other inputs.
   */
  readonly movable?: ReadonlySet<string>;
}

/** What a step produced and what it took. */
export interface StepCallResult {
  readonly outputs: TensorMap;
  /** Calls made, retries included. */
  readonly calls: number;
  readonly retries: number;
  /** Map items; undefined for a step without `map`. */
  readonly items?: number;
  /** Its outputs went out response by response (`onResponse`); none are kept. */
  readonly streamed?: boolean;
}

/**
 * Runs a step to completion. Rejects with the first error that retries did not cure; a call
 * that exceeds `timeout_ms` fails with UNAVAILABLE.
 *
 * @example
 * const { outputs } = await runStepCall(runtime, { pipeline: 'ocr', step, inputs, outputs: ['y'], requested: [{ name: 'y' }], parameters: {}, signal, trace });
 */
export function runStepCall(rt: StepRuntime, c: StepCall): Promise<StepCallResult> {
  const step = c.step;
  if (step.map) return runMapped(rt, c, step.map);
  // The common step: one call, no timeout, no retry; nothing to wrap around it.
  if (!step.retry && step.timeoutMs === undefined && !c.onResponse)
    return invoke(rt, c, c.inputs, c.signal).then(outputs => ({ outputs, calls: 1, retries: 0 }));
  const counts = { calls: 0, retries: 0, waiting: 0 };
  return callWithRetry(rt, c, c.inputs, c.signal, counts).then(outputs => ({
    outputs,
    calls: counts.calls,
    retries: counts.retries,
    ...(c.onResponse ? { streamed: true } : {}),
  }));
}

async function runMapped(rt: StepRuntime, c: StepCall, map: PlanMap): Promise<StepCallResult> {
  const counts = { calls: 0, retries: 0, waiting: 0 };
  const params = c.step.inputs
    .filter(b => b.tensor === map.over && c.inputs.has(b.param))
    .map(b => b.param);
  const over = c.inputs.get(params[0]!)!;
  const n = over.shape[0] ?? 0;
  if (n === 0)
    return {
      outputs: new Map(c.outputs.map(p => [p, c.empty!(p)])),
      calls: 0,
      retries: 0,
      items: 0,
    };
  const ac = new CancelSource();
  const parent = c.signal;
  const stop = () => ac.abort(parent.reason);
  parent.addEventListener('abort', stop, { once: true });
  const results = new Array<TensorMap>(n);
  let next = 0;
  const worker = async () => {
    while (next < n && !ac.signal.aborted) {
      const i = next++;
      const inputs = new Map(c.inputs);
      for (const p of params) inputs.set(p, sliceItem(over, i, map.mode));
      results[i] = await callWithRetry(rt, c, inputs, ac.signal, counts);
    }
  };
  try {
    const width = map.maxParallel > 0 ? Math.min(map.maxParallel, n) : n;
    await Promise.all(
      Array.from({ length: width }, () => worker().catch(e => (ac.abort(e), Promise.reject(e)))),
    );
  } finally {
    parent.removeEventListener('abort', stop);
  }
  c.onGather?.();
  const outputs: TensorMap = new Map();
  for (const p of c.outputs)
    outputs.set(
      p,
      gatherItems(
        results.map(r => r.get(p)!),
        map.mode,
        `output '${p}' of step '${c.step.name}'`,
      ),
    );
  return { outputs, calls: counts.calls, retries: counts.retries, items: n };
}

/** Calls made and retried by one step, and how many of its calls wait out a backoff now. */
interface CallCounts {
  calls: number;
  retries: number;
  waiting: number;
}

async function callWithRetry(
  rt: StepRuntime,
  c: StepCall,
  inputs: TensorMap,
  signal: CancelSignal,
  counts: CallCounts,
): Promise<TensorMap> {
  const retry = c.step.retry;
  for (let attempt = 1; ; attempt++) {
    counts.calls++;
    try {
      return await callOnce(rt, c, inputs, signal);
    } catch (e) {
      const err = toEngineError(e);
      if (!retry || attempt >= retry.attempts || !retry.on.includes(err.code) || signal.aborted)
        throw err;
      counts.retries++;
      if (c.trace.recording)
        c.trace.event('RETRY', undefined, { attempt: attempt + 1, 'error.code': err.code });
      if (counts.waiting++ === 0) c.onBackoff?.(true);
      try {
        await sleep(rt.clock, backoff(retry, attempt), signal);
      } finally {
        if (--counts.waiting === 0) c.onBackoff?.(false);
      }
    }
  }
}

function backoff(r: PlanRetry, attempt: number): number {
  return Math.min(r.maxBackoffMs, r.backoffMs * r.multiplier ** (attempt - 1));
}

function callOnce(
  rt: StepRuntime,
  c: StepCall,
  inputs: TensorMap,
  parent: CancelSignal,
): Promise<TensorMap> {
  const timeoutMs = c.step.timeoutMs;
  // Without a timeout the request's own signal is enough; a controller per call is the hot path's main cost.
  if (timeoutMs === undefined) return invoke(rt, c, inputs, parent);
  // Fed by the parent rather than AbortSignal.any, which costs some 20 µs per call on Node 20.
  const ac = new CancelSource();
  return new Promise<TensorMap>((resolve, reject) => {
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      if (timer !== undefined) rt.clock.clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => {
      ac.abort(parent.reason);
      finish(() => reject(abortError(parent.reason, c)));
    };
    if (parent.aborted) return onAbort();
    parent.addEventListener('abort', onAbort, { once: true });
    timer = rt.clock.setTimeout(() => {
      const e = new EngineError(
        'UNAVAILABLE',
        `${targetLabel(c.step)} did not answer within ${timeoutMs} ms (timeout_ms)`,
      );
      ac.abort(e);
      finish(() => reject(e));
    }, timeoutMs);
    invoke(rt, c, inputs, ac.signal).then(
      out => finish(() => resolve(out)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

const NO_CONTEXT = {};

function invoke(
  rt: StepRuntime,
  c: StepCall,
  inputs: TensorMap,
  signal: CancelSignal,
): Promise<TensorMap> {
  // Early returns answer in the driver and are never called.
  const t = c.step.target as Exclude<PlanTarget, { kind: 'return' }>;
  if (t.kind === 'module') return rt.pools.get(c.step.index)!.run(inputs, c.outputs, signal);
  const req: Mutable<InferRequest> = {
    modelName: t.model,
    inputs,
    outputs: c.requested,
    parameters: childParameters(rt.clock, c),
    signal,
  };
  if (c.id) req.id = c.id;
  if (t.version !== undefined) req.modelVersion = t.version;
  if (c.movable && !c.step.map) req.movableInputs = c.movable;
  if (c.onResponse) return streamCall(rt, c, req);
  return rt.catalog
    .infer(req, c.trace.recording ? { trace: c.trace } : NO_CONTEXT)
    .then(res => res.outputs);
}

/** The request's parameters as a step's request carries them: deadline left as the queue `timeout` (µs). */
function childParameters(clock: Clock, c: StepCall): Readonly<Record<string, ParameterValue>> {
  if (c.deadlineAt === undefined) return c.parameters;
  const leftUs = Math.max(1, Math.floor((c.deadlineAt - clock.now()) * 1000));
  const current = c.parameters['timeout'];
  const timeout = typeof current === 'number' && current > 0 ? Math.min(current, leftUs) : leftUs;
  return { ...c.parameters, timeout };
}

function sleep(clock: Clock, ms: number, signal: CancelSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(
        signal.reason instanceof Error
          ? signal.reason
          : new EngineError('CANCELLED', 'cancelled during retry backoff'),
      );
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(reason: unknown, c: StepCall): EngineError {
  if (reason instanceof EngineError) return reason;
  return new EngineError(
    'CANCELLED',
    `step '${c.step.name}' of pipeline '${c.pipeline}' was cancelled`,
  );
}

/** How messages name what a step calls. */
export function targetLabel(step: PlanStep): string {
  const t = step.target;
  if (t.kind === 'model')
    return `model '${t.model}'${t.version === undefined ? '' : ` version ${t.version}`}`;
  if (t.kind === 'module') return `module '${t.path}'`;
  return 'early return';
}
