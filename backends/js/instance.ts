/**
 * @module One instance of a JS/TS model: a supervised worker thread. An exception in user code
 * fails that request; a worker that crashes, runs out of heap, outlives the execute timeout, or
 * is still busy with a cancelled request after a grace period fails the request in flight and
 * is replaced (and initialized again) before the next one, so the server keeps serving.
 */
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock, TimerHandle } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import type { JsModelContextData } from './module-api.js';
import type { JsWorkerReply } from './protocol.js';
import { fromWire, toWire } from './wire.js';
import { WorkerLink } from './worker-link.js';

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
        reply = await this.#reply(run, link, { fn: 'execute', ms: this.#opts.executeTimeoutMs, signal: opts.signal });
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
        await this.#reply(link.request({ type: 'finalize' }), link, { fn: 'finalize', ms: 5000 }).catch(() => undefined);
      }
      await this.#link.terminate();
    })();
    return this.#disposed;
  }

  #spawn(): void {
    const { script, maxHeapMb } = this.#opts;
    const link = new WorkerLink({ model: this.#model, onDeath: why => this.#onDeath(link, why), maxHeapMb, ...(script ? { script } : {}) });
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

  /**
   * The reply to a call, or a failure once the call outlives `ms` (UNAVAILABLE) or, cancelled,
   * outlives the grace period (CANCELLED); either way the worker is stopped and replaced, since
   * code stuck in a loop can be stopped no other way.
   */
  #reply(run: Promise<JsWorkerReply>, link: WorkerLink, call: { fn: string; ms: number; signal?: CancelSignal }): Promise<JsWorkerReply> {
    const { clock, cancelGraceMs: grace } = this.#opts;
    const { fn, ms, signal } = call;
    return new Promise<JsWorkerReply>((resolve, reject) => {
      const timers: TimerHandle[] = [];
      const stop = (code: 'UNAVAILABLE' | 'CANCELLED', why: string) => {
        reject(new EngineError(code, `model '${this.#model}': ${why}`));
        this.#replace(link, why);
      };
      const onAbort = () => {
        const why = `request cancelled while executing; ${fn}() did not return within ${grace} ms, so its worker was stopped and is being replaced`;
        timers.push(clock.setTimeout(() => stop('CANCELLED', why), grace));
      };
      if (ms > 0) {
        const where = fn === 'execute' ? ' (parameter execute_timeout_ms)' : '';
        const why = `${fn}() did not finish within ${ms} ms${where}; its worker was stopped and is being replaced`;
        timers.push(clock.setTimeout(() => stop('UNAVAILABLE', why), ms));
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        for (const t of timers) clock.clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
      };
      run.then(
        r => (done(), resolve(r)),
        (e: unknown) => (done(), reject(e)),
      );
    });
  }

  /** Stops `link` and, unless it is already replaced or the instance disposed, starts another. */
  #replace(link: WorkerLink, why: string): void {
    if (!this.#disposed && link === this.#link) {
      this.#restarts++;
      this.#opts.logger.log('warn', 'JS model worker stopped; starting a new one', { model: this.#model, reason: why, restarts: this.#restarts });
      this.#spawn();
    }
    void link.terminate(why);
  }
}

function expect<T extends JsWorkerReply['type']>(model: string, reply: JsWorkerReply, type: T): Extract<JsWorkerReply, { type: T }> {
  if (reply.type === 'failed') throw new EngineError(reply.error.code ?? 'INTERNAL', reply.error.message);
  if (reply.type !== type) throw new EngineError('INTERNAL', `model '${model}': its worker replied '${reply.type}' where '${type}' was expected`);
  return reply as Extract<JsWorkerReply, { type: T }>;
}
