/**
 * @module One instance of a JS/TS model: a supervised worker thread (backends/worker-host). An
 * exception in user code fails that request; a worker that crashes, runs out of heap, outlives
 * the execute timeout, or is still busy with a cancelled request after a grace period fails the
 * request in flight and is replaced (and initialized again) before the next one, so the server
 * keeps serving.
 */
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { WorkerHost } from '../worker-host/host.js';
import { expectReply } from '../worker-host/protocol.js';
import type { WireError, WireTensor } from '../worker-host/wire.js';
import { fromWire } from '../worker-host/wire.js';
import type { JsModelContextData } from './module-api.js';
import type { JsWorkerReply, JsWorkerRequest } from './protocol.js';

/** Options of {@link JsModelInstance.start}. */
export interface JsInstanceOptions {
  /** The module file, absolute. */
  readonly path: string;
  readonly context: JsModelContextData;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Stop and replace a worker whose `execute` runs longer than this; 0 never does. */
  readonly executeTimeoutMs: number;
  /**
   * How long a cancelled `execute` may go on before its worker is stopped and replaced. A call
   * that returns within it keeps its worker (and its initialized state).
   */
  readonly cancelGraceMs: number;
  /** Heap limit of the worker in MB. */
  readonly maxHeapMb: number;
  /** Worker entry (tests); default the backend's worker-main. */
  readonly script: URL;
}

/** Where the JS backend's limits are set, named in the errors they cause. */
export const JS_SETTINGS = {
  timeout: 'parameter execute_timeout_ms',
  heap: 'parameter max_heap_mb or --backend-config js,max-heap-mb',
} as const;

/** The error a worker's `failed` reply stands for: its code, or INTERNAL. */
export function jsFailure(e: WireError): EngineError {
  return new EngineError(e.code ?? 'INTERNAL', e.message);
}

/** A JS model instance; see the module description. */
export class JsModelInstance implements ModelInstance {
  readonly #host: WorkerHost<JsWorkerRequest, JsWorkerReply>;
  readonly #model: string;

  private constructor(host: WorkerHost<JsWorkerRequest, JsWorkerReply>, model: string) {
    this.#host = host;
    this.#model = model;
  }

  /**
   * Starts the worker and runs the module's `initialize`. Rejects with the module's error
   * (the worker is stopped then).
   */
  static async start(opts: JsInstanceOptions): Promise<JsModelInstance> {
    const model = opts.context.name;
    const host = await WorkerHost.start<JsWorkerRequest, JsWorkerReply>({
      model,
      script: opts.script,
      threadName: `braid js ${model}`,
      clock: opts.clock,
      logger: opts.logger,
      callName: 'execute()',
      executeTimeoutMs: opts.executeTimeoutMs,
      timeoutSetting: JS_SETTINGS.timeout,
      cancelGraceMs: opts.cancelGraceMs,
      maxHeapMb: opts.maxHeapMb,
      heapSetting: JS_SETTINGS.heap,
      init: async send => {
        expectReply(
          model,
          await send({ type: 'init', path: opts.path, context: opts.context }),
          'ready',
          jsFailure,
        );
      },
      finalize: { type: 'finalize' },
    });
    return new JsModelInstance(host, model);
  }

  /** How many times the worker was replaced after a crash or a hang. */
  get restarts(): number {
    return this.#host.restarts;
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    const outputs = opts.outputs;
    const reply = await this.#host.execute(inputs, opts, tensors => ({
      type: 'execute',
      inputs: tensors,
      ...(outputs ? { outputs } : {}),
    }));
    return fromWire(expectReply(this.#model, reply, 'result', jsFailure).outputs);
  }

  /**
   * Runs a decoupled module's `execute`: each response it yields reaches `send` as it comes. An
   * aborted signal asks the worker to return the generator; one that does not stop within the
   * cancel grace has its worker replaced, as for any execute.
   */
  async executeDecoupled(
    inputs: TensorMap,
    opts: ExecuteOptions,
    send: (outputs: TensorMap) => void,
  ): Promise<void> {
    const outputs = opts.outputs;
    const request = (tensors: readonly WireTensor[]): JsWorkerRequest => ({
      type: 'execute',
      inputs: tensors,
      decoupled: true,
      ...(outputs ? { outputs } : {}),
    });
    const onPartial = (part: JsWorkerReply): void => {
      if (part.type === 'partial') send(fromWire(part.outputs));
    };
    const reply = await this.#host.execute(inputs, opts, request, {
      onPartial,
      cancel: { type: 'cancel' },
    });
    expectReply(this.#model, reply, 'done', jsFailure);
  }

  /** Runs the module's `finalize` (bounded by a few seconds) and stops the worker. Idempotent. */
  dispose(): Promise<void> {
    return this.#host.dispose();
  }
}
