import type { ExecuteOptions, ModelInstance } from '../../../engine/core/backend.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { ModelConfig, ModelConfigInput } from '../../../engine/core/model-config.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import type { InferResponse } from '../../../engine/core/request.js';
import type { ScheduledRequest } from '../../../engine/core/scheduler.js';

/** One call of {@link FakeInstance.execute}, settled by hand. */
export interface FakeCall {
  readonly inputs: TensorMap;
  readonly opts: ExecuteOptions;
  readonly resolve: (out: TensorMap) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * A model instance whose executions stay pending until the test settles them, so tests decide
 * exactly when an instance is busy or free.
 */
export class FakeInstance implements ModelInstance {
  readonly calls: FakeCall[] = [];
  /** Calls not settled yet, oldest first. */
  readonly open: FakeCall[] = [];
  disposed = 0;

  execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    return new Promise((resolve, reject) => {
      const call: FakeCall = {
        inputs,
        opts,
        resolve: out => this.#close(call, () => resolve(out)),
        reject: e => this.#close(call, () => reject(e)),
      };
      this.calls.push(call);
      this.open.push(call);
    });
  }

  dispose(): Promise<void> {
    this.disposed++;
    return Promise.resolve();
  }

  /** Settles the oldest open call, answering OUT = IN (same datatype, shape and data). */
  echo(): FakeCall {
    const call = this.#oldest();
    call.resolve(echoOutputs(call.inputs));
    return call;
  }

  /** Fails the oldest open call with `e`. */
  fail(e: unknown): FakeCall {
    const call = this.#oldest();
    call.reject(e);
    return call;
  }

  /** Batch sizes (axis 0 of IN) of every call so far. */
  batchSizes(): number[] {
    return this.calls.map(c => c.inputs.get('IN')?.shape[0] ?? -1);
  }

  #oldest(): FakeCall {
    const call = this.open[0];
    if (!call) throw new Error('FakeInstance: no open execution to settle');
    return call;
  }

  #close(call: FakeCall, settle: () => void): void {
    const i = this.open.indexOf(call);
    if (i >= 0) this.open.splice(i, 1);
    settle();
  }
}

/** Outputs of an identity model: OUT mirrors IN. */
export function echoOutputs(inputs: TensorMap): TensorMap {
  const t = inputs.get('IN');
  if (!t) throw new Error('echoOutputs: no IN');
  return new Map([['OUT', { datatype: t.datatype, shape: [...t.shape], data: t.data }]]);
}

/**
 * A request with input IN of shape [batch, width] whose elements all equal `tag`, so each
 * request's rows are recognisable in a batch and in its split outputs.
 */
export function request(
  batch: number,
  tag: number,
  extra: Partial<ScheduledRequest> = {},
  width = 2,
): ScheduledRequest {
  const t: Tensor = {
    datatype: 'FP32',
    shape: [batch, width],
    data: new Float32Array(batch * width).fill(tag),
  };
  return { inputs: new Map([['IN', t]]), batchSize: batch, ...extra };
}

/** A completed config: one FP32 input IN and output OUT of dims [-1]. */
export function config(over: Partial<ModelConfigInput> = {}): ModelConfig {
  return ModelConfigSchema.parse({
    name: 'm',
    max_batch_size: 8,
    input: [{ name: 'IN', data_type: 'TYPE_FP32', dims: [-1] }],
    output: [{ name: 'OUT', data_type: 'TYPE_FP32', dims: [-1] }],
    ...over,
  });
}

/** Lets pending promise callbacks and microtasks run (the scheduler decides in a microtask). */
export function settle(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve));
}

/** The tags (first element) of OUT, one per row, in a response or a TensorMap. */
export function rowTags(out: TensorMap | InferResponse): number[] {
  const t = (out instanceof Map ? out : out.outputs).get('OUT');
  if (!t) return [];
  const width = t.shape[1] ?? 1;
  const data = t.data as Float32Array;
  return Array.from({ length: t.shape[0] ?? 0 }, (_, r) => data[r * width]!);
}

/** A promise's outcome, observed without leaving a rejection unhandled. */
export interface Outcome<T> {
  done: boolean;
  value?: T;
  error?: unknown;
}

/** Observes `p` so the test can check whether and how it settled. */
export function track<T>(p: Promise<T>, order?: string[], name?: string): Outcome<T> {
  const o: Outcome<T> = { done: false };
  p.then(
    v => {
      o.done = true;
      o.value = v;
      if (order && name) order.push(name);
    },
    (e: unknown) => {
      o.done = true;
      o.error = e;
      if (order && name) order.push(name);
    },
  );
  return o;
}

/** The tags of the rows of input IN of an execution, in batch order. */
export function inputTags(call: FakeCall | undefined): number[] {
  if (!call) throw new Error('inputTags: no such execution');
  return rowTags(echoOutputs(call.inputs));
}
