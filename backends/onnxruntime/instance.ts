/**
 * @module A model instance whose ONNX Runtime session runs on the main thread: checks the inputs
 * against the session, runs it, and hands back the outputs it was asked for.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { runError } from './ort-errors.js';
import { fromOrtTensor, toOrtTensor } from './tensor-convert.js';

/** The part of an ORT session an instance uses; tests substitute fakes. */
export type OrtSession = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'run' | 'release'>;

function list(names: Iterable<string>): string {
  return [...names].map(n => `'${n}'`).join(', ');
}

/**
 * One ONNX Runtime session serving one model instance. Inputs and outputs share their typed
 * arrays with ORT (see tensor-convert.ts). Never called concurrently, per the ModelInstance
 * contract: a call during another is refused with INTERNAL.
 *
 * @example
 * const instance = new OnnxRuntimeInstance(await InferenceSession.create(path), 'simple');
 * const out = await instance.execute(inputs, { signal });
 */
export class OnnxRuntimeInstance implements ModelInstance {
  readonly #session: OrtSession;
  readonly #model: string;
  readonly #inputNames: ReadonlySet<string>;
  readonly #outputNames: ReadonlySet<string>;
  #running: Promise<unknown> | undefined;
  #disposed: Promise<void> | undefined;

  constructor(session: OrtSession, model: string) {
    this.#session = session;
    this.#model = model;
    this.#inputNames = new Set(session.inputNames);
    this.#outputNames = new Set(session.outputNames);
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    if (this.#disposed) {
      throw new EngineError(
        'UNAVAILABLE',
        `model '${this.#model}': the onnxruntime instance is disposed`,
      );
    }
    if (this.#running) {
      throw new EngineError(
        'INTERNAL',
        `model '${this.#model}': the instance was called during another call; it runs one at a time`,
      );
    }
    if (opts.signal.aborted) {
      throw new EngineError(
        'CANCELLED',
        `model '${this.#model}': request cancelled before execution`,
      );
    }
    const feeds = this.#feeds(inputs);
    const fetches = this.#fetches(opts.outputs);
    opts.mark?.('COMPUTE_INPUT_END');
    const run = this.#session.run(feeds, fetches);
    this.#running = run;
    let results: InferenceSession.ReturnType;
    try {
      results = await run;
    } catch (e) {
      throw runError(e, this.#model);
    } finally {
      this.#running = undefined;
    }
    opts.mark?.('COMPUTE_OUTPUT_START');
    const out: TensorMap = new Map();
    for (const name of fetches) {
      const t = results[name] as OrtTensor | undefined;
      if (!t) {
        throw new EngineError(
          'INTERNAL',
          `model '${this.#model}': onnxruntime returned no output '${name}'`,
        );
      }
      out.set(name, fromOrtTensor(name, this.#model, t));
    }
    return out;
  }

  /** Releases the session once, after any run in progress has finished. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      // Releasing a session that a pending run still uses would free it under the run.
      await this.#running?.catch(() => undefined);
      await this.#session.release();
    })();
    return this.#disposed;
  }

  #feeds(inputs: TensorMap): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, tensor] of inputs) {
      if (!this.#inputNames.has(name)) {
        throw new EngineError(
          'INVALID_ARG',
          `model '${this.#model}' has no input '${name}'; its inputs are ${list(this.#inputNames)}`,
        );
      }
      feeds[name] = toOrtTensor(name, this.#model, tensor);
    }
    for (const name of this.#inputNames) {
      if (!inputs.has(name)) {
        throw new EngineError(
          'INVALID_ARG',
          `model '${this.#model}' expects input '${name}', which the request lacks`,
        );
      }
    }
    return feeds;
  }

  #fetches(requested: readonly string[] | undefined): string[] {
    // ORT rejects an empty fetch list; the protocol reads no requested outputs as all of them.
    if (requested === undefined || requested.length === 0) return [...this.#outputNames];
    const fetches = [...new Set(requested)];
    for (const name of fetches) {
      if (!this.#outputNames.has(name)) {
        throw new EngineError(
          'INVALID_ARG',
          `model '${this.#model}' has no output '${name}'; its outputs are ${list(this.#outputNames)}`,
        );
      }
    }
    return fetches;
  }
}
