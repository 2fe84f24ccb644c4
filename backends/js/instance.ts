/**
 * @module One instance of a JS/TS model: a supervised worker thread. An exception in user code
 * fails that request; a crashed or hung worker fails the request in flight and is replaced (and
 * initialized again) before the next one, so the server keeps serving.
 */
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import type { JsModelContext } from './module-api.js';
import type { JsWorkerReply } from './protocol.js';
import { fromWire, toWire } from './wire.js';
import { WorkerLink } from './worker-link.js';

/** Options of {@link JsModelInstance.start}. */
export interface JsInstanceOptions {
  /** The module file, absolute. */
  readonly path: string;
  readonly context: JsModelContext;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Stop and replace a worker whose `execute` runs longer than this; 0 never does. */
  readonly executeTimeoutMs: number;
  /** Worker entry (tests); default the backend's worker-main. */
  readonly script?: URL;
}

/** A JS model instance; see the module description. */
export class JsModelInstance implements ModelInstance {
  readonly #opts: JsInstanceOptions;
  readonly #model: string;
  #link!: WorkerLink;
  #ready!: Promise<void>;
  #busy = false;
  #restarts = 0;
  #disposed: Promise<void> | undefined;

  private constructor(opts: JsInstanceOptions) {
    this.#opts = opts;
    this.#model = opts.context.name;
  }

  /**
   * Starts the worker and runs the module's `initialize`. Rejects with the module's error
   * (the worker is stopped then).
   */
  static async start(opts: JsInstanceOptions): Promise<JsModelInstance> {
    const inst = new JsModelInstance(opts);
    inst.#spawn();
    try {
      await inst.#ready;
    } catch (e) {
      await inst.#link.terminate('initialize failed');
      throw e;
    }
    return inst;
  }

  /** How many times the worker was replaced after a crash or a hang. */
  get restarts(): number {
    return this.#restarts;
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    if (this.#disposed) throw new EngineError('UNAVAILABLE', `model '${this.#model}': the instance is unloaded`);
    if (this.#busy) throw new EngineError('INTERNAL', `model '${this.#model}': the instance was called during another call; it runs one at a time`);
    this.#busy = true;
    try {
      await this.#ready;
      if (opts.signal.aborted) throw new EngineError('CANCELLED', `model '${this.#model}': request cancelled before execution`);
      const { tensors, transfer } = toWire(inputs, 'always');
      const link = this.#link;
      const run = link.request({ type: 'execute', inputs: tensors, ...(opts.outputs ? { outputs: opts.outputs } : {}) }, transfer);
      opts.mark?.('COMPUTE_INPUT_END');
      let reply: JsWorkerReply;
      try {
        reply = await this.#withTimeout(run, link);
      } catch (e) {
        if (link.dead === undefined || !(e instanceof Error)) throw e;
        throw new EngineError('INTERNAL', `${e.message} while executing this request; a new worker is being started`, { cause: e });
      }
      opts.mark?.('COMPUTE_OUTPUT_START');
      return fromWire(expect(this.#model, reply, 'result').outputs);
    } finally {
      this.#busy = false;
    }
  }

  /** Runs the module's `finalize` (bounded by a few seconds) and stops the worker. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      const link = this.#link;
      await this.#ready.catch(() => undefined);
      if (link.dead === undefined && !this.#busy) {
        const finalize = link.request({ type: 'finalize' }).catch(() => undefined);
        await this.#withTimeout(finalize, link, 5000).catch(() => undefined);
      }
      await this.#link.terminate();
    })();
    return this.#disposed;
  }

  #spawn(): void {
    const link = new WorkerLink(this.#model, why => this.#onDeath(link, why), this.#opts.script);
    this.#link = link;
    this.#ready = link.request({ type: 'init', path: this.#opts.path, context: this.#opts.context }).then(r => {
      expect(this.#model, r, 'ready');
    });
    // A failed start is reported by whoever awaits #ready; this only keeps it from being unhandled.
    this.#ready.catch(() => undefined);
  }

  #onDeath(link: WorkerLink, why: string): void {
    if (this.#disposed || link !== this.#link) return;
    this.#restarts++;
    this.#opts.logger.log('warn', 'JS model worker died; starting a new one', { model: this.#model, reason: why, restarts: this.#restarts });
    this.#spawn();
  }

  #withTimeout(run: Promise<JsWorkerReply | undefined>, link: WorkerLink, ms = this.#opts.executeTimeoutMs): Promise<JsWorkerReply> {
    if (ms <= 0) return run as Promise<JsWorkerReply>;
    const clock = this.#opts.clock;
    return new Promise<JsWorkerReply>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const why = `execute() did not finish within ${ms} ms; its worker was stopped and is being replaced`;
        reject(new EngineError('INTERNAL', `model '${this.#model}': ${why}`));
        if (!this.#disposed && link === this.#link) {
          this.#restarts++;
          this.#spawn();
        }
        void link.terminate(why);
      }, ms);
      run.then(
        r => (clock.clearTimeout(timer), resolve(r as JsWorkerReply)),
        (e: unknown) => (clock.clearTimeout(timer), reject(e)),
      );
    });
  }
}

function expect<T extends JsWorkerReply['type']>(model: string, reply: JsWorkerReply, type: T): Extract<JsWorkerReply, { type: T }> {
  if (reply.type === 'failed') throw new EngineError(reply.error.code ?? 'INTERNAL', reply.error.message);
  if (reply.type !== type) throw new EngineError('INTERNAL', `model '${model}': its worker replied '${reply.type}' where '${type}' was expected`);
  return reply as Extract<JsWorkerReply, { type: T }>;
}
