/**
 * @module One model instance's supervised worker thread, for every backend that runs models in
 * workers. It keeps the ModelInstance rules around each call (one at a time, CANCELLED before
 * anything runs, UNAVAILABLE once disposed), copies inputs once and transfers them (or moves
 * those the caller gave up, ExecuteOptions.movable, without a copy), bounds a call
 * by the execute timeout and a cancelled call by a grace period, and replaces a worker that
 * dies or is stopped.
 *
 * Restart policy: a worker that dies or is stopped after the instance started is replaced at
 * once and brought up again with `init`, so the next request finds it ready. A replacement that
 * fails to start is not retried on its own (a model that crashes while starting would loop);
 * the next request tries once more and fails with UNAVAILABLE if that start fails too. A worker
 * that dies while the instance first starts fails the start.
 */
import type { ExecuteOptions } from '../../engine/core/backend.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { WorkerLink } from './link.js';
import type { Overrun } from './watchdog.js';
import { watch } from './watchdog.js';
import type { WireTensor } from './wire.js';
import { toWire } from './wire.js';

/** A call that streams: partial messages before its reply, and how to ask the worker to stop it. */
export interface StreamingCall<Req, Reply> {
  /** Each message of type `partial` the worker posts before the reply. */
  readonly onPartial: (part: Reply) => void;
  /** Posted (no reply) when the call's signal aborts while it runs, so the worker can end it early. */
  readonly cancel: Req;
}

/** Options of {@link WorkerHost.start}. */
export interface WorkerHostOptions<Req, Reply> {
  /** Model name, in every message. */
  readonly model: string;
  readonly script: URL;
  /** Thread name, shown by debuggers and in heap snapshots. */
  readonly threadName: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** What an execute is called in messages: `execute()` for JS, `the run` for ONNX. */
  readonly callName: string;
  /** Stop and replace a worker whose execute runs longer than this; 0 never does. */
  readonly executeTimeoutMs: number;
  /** Where the timeout is set, named when it fires (`parameter execute_timeout_ms`). */
  readonly timeoutSetting?: string;
  /**
   * How long a cancelled execute may go on before its worker is stopped and replaced. A call
   * that returns within it keeps its worker and its result. Absent: it runs to its end (or its
   * timeout).
   */
  readonly cancelGraceMs?: number;
  /** Heap limit of each worker in MB; Node's default when absent. */
  readonly maxHeapMb?: number;
  /** Where the heap limit is set, named when a worker runs out of it. */
  readonly heapSetting?: string;
  /** Brings a fresh worker to serving (load a module, open a session): at start and after each replacement. */
  readonly init: (send: (req: Req) => Promise<Reply>) => Promise<void>;
  /** Sent to a healthy worker before dispose stops it (run `finalize`, release the session). */
  readonly finalize?: Req;
  /** Longest dispose waits for a call in flight and for `finalize` (default 5000 ms). */
  readonly disposeGraceMs?: number;
}

/**
 * A supervised worker; see the module description.
 *
 * @example
 * const host = await WorkerHost.start({ model: 'post', script, threadName: 'braid js post', clock, logger,
 *   callName: 'execute()', executeTimeoutMs: 30_000, cancelGraceMs: 1000,
 *   init: async send => expectReply('post', await send({ type: 'init', ... }), 'ready', failed) });
 * const reply = await host.execute(inputs, opts, tensors => ({ type: 'execute', inputs: tensors }));
 * await host.dispose();
 */
export class WorkerHost<Req, Reply> {
  readonly #opts: WorkerHostOptions<Req, Reply>;
  #link!: WorkerLink<Req, Reply>;
  #ready!: Promise<void>;
  /** Whether the current worker finished `init`; one that dies before is not replaced on its own. */
  #linkReady = false;
  #startFailed = false;
  #busy: Promise<unknown> | undefined;
  #restarts = 0;
  #disposed: Promise<void> | undefined;

  private constructor(opts: WorkerHostOptions<Req, Reply>) {
    this.#opts = opts;
  }

  /**
   * Starts the worker and runs `init`. Rejects with init's error, or INTERNAL when the thread
   * cannot start or dies first; the worker is stopped then.
   */
  static async start<Req, Reply>(
    opts: WorkerHostOptions<Req, Reply>,
  ): Promise<WorkerHost<Req, Reply>> {
    const host = new WorkerHost(opts);
    host.#spawn();
    try {
      await host.#ready;
    } catch (e) {
      await host.#link.terminate('its worker failed to start');
      throw e;
    }
    return host;
  }

  /** How many times the worker was replaced after a crash, a hang or a failed restart. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Sends one execute: `request` wraps the wire form of `inputs` (copied, then transferred;
   * those in `opts.movable` transferred without a copy, after which the caller finds them empty).
   * Marks COMPUTE_INPUT_END once posted and COMPUTE_OUTPUT_START when the reply arrives. Throws
   * UNAVAILABLE once disposed, when the call times out or a replacement cannot start; INTERNAL
   * during another call or when the worker dies meanwhile; CANCELLED when the signal aborted
   * before the call was posted, or the cancelled call outlived the grace period.
   */
  execute(
    inputs: TensorMap,
    opts: ExecuteOptions,
    request: (tensors: readonly WireTensor[]) => Req,
    streaming?: StreamingCall<Req, Reply>,
  ): Promise<Reply> {
    const model = this.#opts.model;
    if (this.#disposed)
      return Promise.reject(
        new EngineError('UNAVAILABLE', `model '${model}': the instance is unloaded`),
      );
    if (this.#busy)
      return Promise.reject(
        new EngineError(
          'INTERNAL',
          `model '${model}': the instance was called during another call; it runs one at a time`,
        ),
      );
    if (opts.signal.aborted) return Promise.reject(cancelledBefore(model));
    const run = this.#execute(inputs, opts, request, streaming);
    this.#busy = run;
    const free = () => {
      this.#busy = undefined;
    };
    run.then(free, free);
    return run;
  }

  /** Waits for a call in flight and sends `finalize` (together at most `disposeGraceMs`), then stops the worker. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      const { clock, disposeGraceMs = 5000, finalize } = this.#opts;
      const wind = async () => {
        await this.#busy?.catch(() => undefined);
        await this.#ready.catch(() => undefined);
        const link = this.#link;
        if (finalize !== undefined && this.#linkReady && link.dead === undefined)
          await link.request(finalize).catch(() => undefined);
      };
      await watch(wind(), {
        clock,
        timeoutMs: disposeGraceMs,
        onOverrun: () => new Error('dispose grace ran out'),
      }).catch(() => undefined);
      await this.#link.terminate();
    })();
    return this.#disposed;
  }

  async #execute(
    inputs: TensorMap,
    opts: ExecuteOptions,
    request: (tensors: readonly WireTensor[]) => Req,
    streaming: StreamingCall<Req, Reply> | undefined,
  ): Promise<Reply> {
    if (!this.#linkReady) await this.#whenReady();
    if (opts.signal.aborted) throw cancelledBefore(this.#opts.model);
    const { tensors, transfer } = toWire(inputs, { copy: true, move: opts.movable });
    const link = this.#link;
    const call = link.request(request(tensors), transfer, streaming?.onPartial);
    if (streaming) {
      const cancel = () => link.notify(streaming.cancel);
      opts.signal.addEventListener('abort', cancel, { once: true });
      const off = () => opts.signal.removeEventListener('abort', cancel);
      call.then(off, off);
    }
    opts.mark?.('COMPUTE_INPUT_END');
    const { clock, executeTimeoutMs: timeoutMs, cancelGraceMs } = this.#opts;
    let reply: Reply;
    try {
      reply = await watch(call, {
        clock,
        timeoutMs,
        signal: opts.signal,
        ...(cancelGraceMs === undefined ? {} : { cancelGraceMs }),
        onOverrun: why => this.#overrun(link, why),
      });
    } catch (e) {
      if (link.dead === undefined || !(e instanceof Error)) throw e;
      throw new EngineError(
        'INTERNAL',
        `${e.message} while executing this request; a new worker is being started`,
        { cause: e },
      );
    }
    opts.mark?.('COMPUTE_OUTPUT_START');
    return reply;
  }

  /** The current worker once it is ready; a replacement that failed to start is tried once more. */
  async #whenReady(): Promise<void> {
    if (this.#startFailed)
      this.#replace(
        this.#link,
        'its replacement failed to start',
        'model worker failed to start; trying again',
      );
    try {
      await this.#ready;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new EngineError(
        'UNAVAILABLE',
        `${why}; its worker could not be restarted, and is tried again at the next request`,
        { cause: e },
      );
    }
  }

  /** Starts a worker and its `init`; throws INTERNAL when the thread cannot start. */
  #spawn(): void {
    const { model, script, threadName, maxHeapMb, heapSetting } = this.#opts;
    const link: WorkerLink<Req, Reply> = new WorkerLink({
      model,
      script,
      threadName,
      ...(maxHeapMb === undefined ? {} : { maxHeapMb }),
      ...(heapSetting === undefined ? {} : { heapSetting }),
      onDeath: why => {
        if (link === this.#link && this.#linkReady)
          this.#replace(link, why, 'model worker died; starting a new one');
      },
    });
    this.#link = link;
    this.#linkReady = false;
    this.#startFailed = false;
    this.#ready = this.#opts.init(req => link.request(req));
    this.#ready.then(
      () => {
        if (link === this.#link) this.#linkReady = true;
      },
      () => {
        if (link === this.#link) this.#startFailed = true;
      },
    );
  }

  /** Stops `link` and, unless it is already replaced or the instance disposed, starts another. */
  #replace(link: WorkerLink<Req, Reply>, why: string, msg: string): void {
    if (!this.#disposed && link === this.#link) {
      this.#restarts++;
      this.#opts.logger.log('warn', msg, {
        model: this.#opts.model,
        reason: why,
        restarts: this.#restarts,
      });
      try {
        this.#spawn();
      } catch (e) {
        this.#ready = Promise.reject(e as Error);
        this.#ready.catch(() => undefined);
        this.#startFailed = true;
      }
    }
    void link.terminate(why);
  }

  /** Stops the worker of a call that overran; returns the error the call fails with. */
  #overrun(link: WorkerLink<Req, Reply>, why: Overrun): EngineError {
    const { model, callName, executeTimeoutMs, cancelGraceMs, timeoutSetting } = this.#opts;
    const text =
      why === 'timeout'
        ? `${callName} did not finish within ${executeTimeoutMs} ms${timeoutSetting ? ` (${timeoutSetting})` : ''}; its worker was stopped and is being replaced`
        : `request cancelled while executing; ${callName} did not return within ${cancelGraceMs} ms, so its worker was stopped and is being replaced`;
    this.#replace(link, text, 'model worker stopped; starting a new one');
    return new EngineError(
      why === 'timeout' ? 'UNAVAILABLE' : 'CANCELLED',
      `model '${model}': ${text}`,
    );
  }
}

function cancelledBefore(model: string): EngineError {
  return new EngineError('CANCELLED', `model '${model}': request cancelled before execution`);
}
