/**
 * @module Answering calls with stubs. One set of stubs is in force at a time (one test request,
 * or one `infer` of the test engine); each call consults it: wait out the delay (on the warp
 * clock, so time jumps), fail while the fault has calls left in this request, then answer with
 * the stub's outputs, module or function, or let the real model answer.
 */
import path from 'node:path';
import type { Backend, ModelInstance } from '../../core/backend.js';
import type { CancelSignal } from '../../core/cancel.js';
import { EngineError } from '../../core/errors.js';
import { ModelConfigSchema } from '../../core/model-config.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { isTensor, loadTensor } from './tensor-source.js';
import type { TensorSource } from './tensor-source.js';
import type { ActiveStubs, CompiledStub } from './stubs.js';
import type { WarpClock } from './warp-clock.js';

/** One call a stub may answer. */
export interface StubCall {
  /** The model name or module path replaced, as messages name it. */
  readonly replaces: string;
  readonly inputs: TensorMap;
  /** Outputs the caller needs; all the stub has when absent. */
  readonly outputs?: readonly string[];
  readonly signal?: CancelSignal;
  /** Batching of the replaced model, for a module stub's worker. */
  readonly maxBatchSize: number;
}

const NO_STUBS: ActiveStubs = { models: new Map(), modules: new Map() };

/**
 * Holds the stubs in force and the module stubs' workers.
 *
 * @example
 * const release = runtime.activate(stubs);
 * try { await engine.infer(req); } finally { release(); }
 */
export class StubRuntime {
  readonly #clock: WarpClock;
  readonly #js: Backend;
  readonly #workers = new Map<
    string,
    Promise<{ instance: ModelInstance; queue: Promise<unknown> }>
  >();
  #active: ActiveStubs = NO_STUBS;
  #failures = new Map<CompiledStub, number>();
  #busy = false;

  constructor(opts: { readonly clock: WarpClock; readonly js: Backend }) {
    this.#clock = opts.clock;
    this.#js = opts.js;
  }

  /**
   * Puts `stubs` in force, with fresh fault counts, until the returned function is called.
   * Throws when another set is in force: requests with stubs run one at a time.
   */
  activate(stubs: ActiveStubs): () => void {
    if (this.#busy)
      throw new EngineError(
        'UNAVAILABLE',
        'a test request with stubs is already running; run requests with stubs one at a time',
      );
    this.#busy = true;
    this.#active = stubs;
    this.#failures = new Map();
    return () => {
      this.#busy = false;
      this.#active = NO_STUBS;
    };
  }

  /** The stub in force for a model, if any. */
  modelStub(name: string): CompiledStub | undefined {
    return this.#active.models.get(name);
  }

  /** The stub in force for a module file (absolute path), if any. */
  moduleStub(file: string): CompiledStub | undefined {
    return this.#active.modules.get(file);
  }

  /** Answers a call with `stub`, or with `real` where the stub passes it on. */
  async answer(
    stub: CompiledStub,
    call: StubCall,
    real: () => Promise<TensorMap>,
  ): Promise<TensorMap> {
    if (stub.delayMs !== undefined && stub.delayMs > 0)
      await this.#clock.sleep(stub.delayMs, call.signal);
    if (call.signal?.aborted)
      throw call.signal.reason instanceof Error
        ? call.signal.reason
        : new EngineError('CANCELLED', `${call.replaces}: cancelled`);
    const fault = stub.error;
    if (fault) {
      const failed = this.#failures.get(stub) ?? 0;
      if (fault.times === undefined || failed < fault.times) {
        this.#failures.set(stub, failed + 1);
        const count = fault.times === undefined ? '' : ` (${failed + 1} of ${fault.times})`;
        throw new EngineError(
          fault.code,
          fault.message ??
            `stub '${stub.key}' failed the call to ${call.replaces} with ${fault.code}${count}`,
        );
      }
    }
    if (stub.outputs) return pick(stub.outputs, call.outputs, stub.key);
    if (stub.execute)
      return pick(
        await toTensors(
          await stub.execute(call.inputs, { outputs: call.outputs ?? [], replaces: call.replaces }),
          stub.key,
        ),
        call.outputs,
        stub.key,
      );
    if (stub.module) return this.#runModule(stub.module, call);
    return real();
  }

  /** Stops the module stubs' workers. */
  async dispose(): Promise<void> {
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.allSettled(workers.map(async w => (await w).instance.dispose()));
  }

  async #runModule(file: string, call: StubCall): Promise<TensorMap> {
    const key = `${file}\u0000${call.replaces}\u0000${call.maxBatchSize}`;
    let worker = this.#workers.get(key);
    if (!worker) {
      const config = ModelConfigSchema.parse({
        name: `stub-${call.replaces}`,
        backend: 'js',
        max_batch_size: call.maxBatchSize,
      });
      const dir = path.dirname(file);
      const files = {
        modelName: `stub for ${call.replaces}`,
        version: 1,
        modelDir: dir,
        versionDir: dir,
        modelPath: file,
      };
      const opts = {
        signal: new AbortController().signal,
        index: 0,
        instanceCount: 1,
        device: { kind: 'CPU' as const },
      };
      worker = this.#js
        .createInstance(config, files, opts)
        .then(instance => ({ instance, queue: Promise.resolve() as Promise<unknown> }));
      this.#workers.set(key, worker);
      worker.catch(() => this.#workers.delete(key));
    }
    const w = await worker;
    // A worker runs one call at a time, as the instance contract requires.
    const signal = call.signal ?? new AbortController().signal;
    const run = w.queue.then(() =>
      w.instance.execute(call.inputs, {
        signal,
        ...(call.outputs ? { outputs: call.outputs } : {}),
      }),
    );
    w.queue = run.catch(() => undefined);
    return run;
  }
}

function pick(all: TensorMap, wanted: readonly string[] | undefined, key: string): TensorMap {
  if (!wanted || wanted.length === 0) return new Map(all);
  const out: TensorMap = new Map();
  for (const name of wanted) {
    const t = all.get(name);
    if (!t)
      throw new EngineError(
        'INVALID_ARG',
        `stub '${key}' has no output '${name}'; it has: ${[...all.keys()].join(', ') || 'none'}`,
      );
    out.set(name, t);
  }
  return out;
}

async function toTensors(
  result: TensorMap | Record<string, Tensor | TensorSource>,
  key: string,
): Promise<TensorMap> {
  if (result instanceof Map) return result;
  const out: TensorMap = new Map();
  for (const [name, v] of Object.entries(result))
    out.set(
      name,
      isTensor(v)
        ? v
        : await loadTensor(v, { baseDir: process.cwd(), what: `stub '${key}' output '${name}'` }),
    );
  return out;
}
