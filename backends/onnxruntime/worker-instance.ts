/**
 * @module A model instance whose ONNX Runtime session lives in its own worker thread, run
 * through the shared worker host.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import { systemClock } from '../../engine/core/clock.js';
import type { Logger } from '../../engine/core/logger.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { workerEntry } from '../worker-host/bootstrap.js';
import { WorkerHost } from '../worker-host/host.js';
import { expectReply } from '../worker-host/protocol.js';
import { fromWire, fromWireError } from '../worker-host/wire.js';
import type { CoreGate } from './core-gate.js';
import { runError } from './ort-errors.js';
import type { WorkerReply, WorkerRequest, WorkerRunTiming } from './worker-protocol.js';

/** Creates the session in a fresh worker: `path` and session options, as InferenceSession.create takes them. */
export type OpenSession = (path: string, options: InferenceSession.SessionOptions) => Promise<void>;

/** Options of {@link OnnxRuntimeWorkerInstance.start}. */
export interface WorkerInstanceOptions {
  /** Model name, for error messages. */
  readonly model: string;
  /**
   * Opens the session in a fresh worker, at start and whenever a worker is replaced: calls
   * `open` once, or again with other options after a failure (ORT failures reject with a plain
   * Error carrying ORT's text; a dead worker with EngineError INTERNAL).
   */
  readonly open: (open: OpenSession) => Promise<void>;
  /** Worker entry point. Default: session-worker next to this module. */
  readonly script?: URL;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Stop and replace a worker whose run takes longer than this; 0 (the default) never does. */
  readonly executeTimeoutMs?: number;
  /**
   * How long a cancelled run may go on before its worker is stopped and replaced. Default: it
   * runs to its end, since a replacement opens the session again, which for a large model costs
   * more than the run.
   */
  readonly cancelGraceMs?: number;
  /**
   * Cores shared with the backend's other CPU sessions: each run holds `cores` of them (the
   * session's intra-op threads), waiting first when they are taken. Default: no waiting.
   */
  readonly coreShare?: { readonly gate: CoreGate; readonly cores: number };
}

/**
 * One model instance whose ONNX Runtime session lives in its own worker thread (a supervised
 * worker of backends/worker-host), so runs do not block the event loop and instances of a model
 * compute in parallel. Inputs are copied once into fresh buffers that are transferred to the
 * worker; outputs are transferred back. Marks: COMPUTE_INPUT_END once the inputs are posted
 * (copy and serialisation are on this thread), COMPUTE_OUTPUT_START when the reply arrives (the
 * thread hops, building ORT tensors and the run itself fall between). A worker that dies, or
 * whose run outlives `executeTimeoutMs`, fails the call in flight and is replaced, its session
 * opened again.
 *
 * @example
 * const inst = await OnnxRuntimeWorkerInstance.start({
 *   model: 'simple',
 *   open: open => open('/models/simple/1/model.onnx', { intraOpNumThreads: 1 }),
 * });
 * const out = await inst.execute(inputs, { signal });
 * await inst.dispose();
 */
export class OnnxRuntimeWorkerInstance implements ModelInstance {
  readonly #host: WorkerHost<WorkerRequest, WorkerReply>;
  readonly #model: string;
  readonly #coreShare: WorkerInstanceOptions['coreShare'];
  #calling = false;
  #lastRun: WorkerRunTiming | undefined;

  private constructor(
    host: WorkerHost<WorkerRequest, WorkerReply>,
    model: string,
    coreShare: WorkerInstanceOptions['coreShare'],
  ) {
    this.#host = host;
    this.#model = model;
    this.#coreShare = coreShare;
  }

  /**
   * Starts the worker thread and opens the session in it. Rejects with `open`'s error, or
   * EngineError INTERNAL naming the model when the thread cannot start or dies.
   */
  static async start(opts: WorkerInstanceOptions): Promise<OnnxRuntimeWorkerInstance> {
    const { model } = opts;
    const host = await WorkerHost.start<WorkerRequest, WorkerReply>({
      model,
      script: opts.script ?? workerEntry(import.meta.url, 'session-worker'),
      threadName: `onnxruntime '${model}'`,
      clock: opts.clock ?? systemClock,
      logger: opts.logger ?? noopLogger,
      callName: 'the run',
      executeTimeoutMs: opts.executeTimeoutMs ?? 0,
      timeoutSetting: 'parameter execute_timeout_ms',
      ...(opts.cancelGraceMs === undefined ? {} : { cancelGraceMs: opts.cancelGraceMs }),
      init: send =>
        opts.open(async (path, options) => {
          expectReply(
            model,
            await send({ type: 'open', model, path, options }),
            'opened',
            fromWireError,
          );
        }),
      finalize: { type: 'close' },
    });
    return new OnnxRuntimeWorkerInstance(host, model, opts.coreShare);
  }

  /** How many times the worker was replaced after a crash or a stuck run. */
  get restarts(): number {
    return this.#host.restarts;
  }

  /** Worker-side times of the last successful run, for tracing and tests. */
  get lastRun(): WorkerRunTiming | undefined {
    return this.#lastRun;
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    const outputs = opts.outputs;
    const run = () =>
      this.#host.execute(inputs, opts, tensors => ({
        type: 'run',
        inputs: tensors,
        ...(outputs ? { outputs } : {}),
      }));
    const reply = await this.#shared(opts, run);
    const result = expectReply(this.#model, reply, 'result', e =>
      runError(fromWireError(e), this.#model),
    );
    this.#lastRun = result.timing;
    return fromWire(result.outputs);
  }

  /**
   * Runs `run` once its cores are free. Waiting falls in compute_input (COMPUTE_INPUT_END is
   * marked once posted). A call that comes while another waits or runs is refused, as the
   * worker host refuses one during a run: an instance is never called concurrently.
   */
  async #shared<T>(opts: ExecuteOptions, run: () => Promise<T>): Promise<T> {
    const share = this.#coreShare;
    if (!share) return run();
    if (this.#calling)
      throw new EngineError(
        'INTERNAL',
        `model '${this.#model}': the instance was called during another call; it runs one at a time`,
      );
    this.#calling = true;
    try {
      return await share.gate.run(share.cores, opts.signal, run);
    } finally {
      this.#calling = false;
    }
  }

  /** Waits for a run in flight (a few seconds at most), releases the session and stops the worker. Idempotent. */
  dispose(): Promise<void> {
    return this.#host.dispose();
  }
}
