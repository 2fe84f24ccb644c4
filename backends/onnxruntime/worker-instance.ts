import type { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { runError } from './ort-errors.js';
import type { WorkerReply, WorkerRequest, WorkerRunTiming } from './worker-protocol.js';
import { fromWire, fromWireError, toWire } from './worker-protocol.js';
import { startWorker } from './worker-thread.js';

/** Options of {@link OnnxRuntimeWorkerInstance.start}. */
export interface WorkerInstanceOptions {
  /** Model name, for error messages. */
  readonly model: string;
  /** Worker entry point. Default: session-worker next to this module. */
  readonly script?: URL;
}

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (e: EngineError) => void;
}

/**
 * One model instance whose ONNX Runtime session lives in its own worker thread, so runs do
 * not block the event loop and instances of a model compute in parallel. Inputs are copied
 * once into fresh buffers that are transferred to the worker; outputs are transferred back.
 * Marks: COMPUTE_INPUT_END once the inputs are posted (copy and serialisation are on this
 * thread), COMPUTE_OUTPUT_START when the reply arrives (the thread hops, building ORT tensors
 * and the run itself fall between). If the worker dies the call in flight fails with INTERNAL
 * and so does every later call.
 *
 * @example
 * const inst = OnnxRuntimeWorkerInstance.start({ model: 'simple' });
 * await inst.open('/models/simple/1/model.onnx', { intraOpNumThreads: 1 });
 * const out = await inst.execute(inputs, { signal });
 * await inst.dispose();
 */
export class OnnxRuntimeWorkerInstance implements ModelInstance {
  readonly #worker: Worker;
  readonly #model: string;
  #pending: Pending | undefined;
  #running: Promise<unknown> | undefined;
  #disposed: Promise<void> | undefined;
  #closing = false;
  #dead: string | undefined;
  #lastRun: WorkerRunTiming | undefined;

  private constructor(worker: Worker, model: string) {
    this.#worker = worker;
    this.#model = model;
    worker.on('message', (reply: WorkerReply) => this.#settle(p => p.resolve(reply)));
    worker.on('messageerror', e => {
      const why = `a reply from its onnxruntime worker thread could not be read: ${e.message}`;
      this.#settle(p => p.reject(this.#internal(why)));
    });
    worker.on('error', e => this.#died(`uncaught error: ${e.message}`));
    worker.on('exit', code => this.#died(`exit code ${code}`));
  }

  /**
   * Starts the worker thread; {@link open} then creates the session in it. Throws EngineError
   * INTERNAL naming the model when the thread cannot be started.
   */
  static start(opts: WorkerInstanceOptions): OnnxRuntimeWorkerInstance {
    let worker: Worker;
    try {
      worker = startWorker({ name: `onnxruntime '${opts.model}'`, script: opts.script });
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      const why = `cannot start an onnxruntime worker thread: ${detail}`;
      throw new EngineError('INTERNAL', `model '${opts.model}': ${why}`, { cause: e });
    }
    return new OnnxRuntimeWorkerInstance(worker, opts.model);
  }

  /** Whether the worker thread has stopped; a dead instance fails every call. */
  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /** Worker-side times of the last successful run, for tracing and tests. */
  get lastRun(): WorkerRunTiming | undefined {
    return this.#lastRun;
  }

  /**
   * Creates the session in the worker. ORT failures reject with a plain Error carrying ORT's
   * text (the caller classifies them and may retry with other providers); a dead worker
   * rejects with EngineError INTERNAL.
   */
  async open(path: string, options: InferenceSession.SessionOptions): Promise<void> {
    const reply = await this.#request({ type: 'open', model: this.#model, path, options });
    if (reply.type === 'failed') throw fromWireError(reply.error);
    this.#expect(reply, 'opened');
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    if (this.#disposed) {
      const why = 'the onnxruntime instance is disposed';
      throw new EngineError('UNAVAILABLE', `model '${this.#model}': ${why}`);
    }
    if (opts.signal.aborted) {
      const why = 'request cancelled before execution';
      throw new EngineError('CANCELLED', `model '${this.#model}': ${why}`);
    }
    const { tensors, transfer } = toWire(inputs, { copy: true });
    const run = this.#request({ type: 'run', inputs: tensors, outputs: opts.outputs }, transfer);
    opts.mark?.('COMPUTE_INPUT_END');
    this.#running = run;
    let reply: WorkerReply;
    try {
      reply = await run;
    } finally {
      this.#running = undefined;
    }
    opts.mark?.('COMPUTE_OUTPUT_START');
    if (reply.type === 'failed') throw runError(fromWireError(reply.error), this.#model);
    const result = this.#expect(reply, 'result');
    this.#lastRun = result.timing;
    return fromWire(result.outputs);
  }

  /** Releases the session and stops the worker once, after any run in progress has finished. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      // Closing under a pending run would free the session the run still uses.
      await this.#running?.catch(() => undefined);
      if (this.#dead === undefined) {
        await this.#request({ type: 'close' }).catch(() => undefined);
      }
      this.#closing = true;
      await this.#worker.terminate();
    })();
    return this.#disposed;
  }

  #request(req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.#dead !== undefined) return Promise.reject(this.#internal(this.#dead));
    if (this.#pending) {
      const why = 'the onnxruntime instance was called during another call; it runs one at a time';
      return Promise.reject(this.#internal(why));
    }
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.ref();
      try {
        this.#worker.postMessage(req, transfer);
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        const why = `a request to its onnxruntime worker thread could not be sent: ${detail}`;
        this.#settle(p => p.reject(this.#internal(why)));
      }
    });
  }

  #settle(action: (p: Pending) => void): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    this.#worker.unref();
    action(p);
  }

  #died(why: string): void {
    if (this.#closing || this.#dead !== undefined) return;
    const dead =
      `the onnxruntime worker thread of this instance stopped (${why}); ` +
      'it is restarted for the next request';
    this.#dead = dead;
    this.#settle(p => p.reject(this.#internal(dead)));
  }

  #expect<T extends WorkerReply['type']>(reply: WorkerReply, type: T): Extract<WorkerReply, { type: T }> {
    if (reply.type !== type) {
      const why = `its onnxruntime worker thread replied '${reply.type}' where '${type}' was expected`;
      throw this.#internal(why);
    }
    return reply as Extract<WorkerReply, { type: T }>;
  }

  #internal(why: string): EngineError {
    return new EngineError('INTERNAL', `model '${this.#model}': ${why}`);
  }
}
