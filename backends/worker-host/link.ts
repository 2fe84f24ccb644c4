/**
 * @module One worker thread and its request/reply channel: one request at a time, each answered
 * by exactly one reply. A worker that dies (uncaught error, `process.exit`, out of memory, a
 * crash in native code) fails the request in flight and every later one with the reason, and
 * tells its owner so the owner can replace it.
 */
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../../engine/core/errors.js';
import { startWorker } from './bootstrap.js';

interface Pending<Reply> {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (e: EngineError) => void;
  readonly onPartial: ((part: Reply) => void) | undefined;
}

/** The `type` of a message a worker sends during a request, before its one reply (a decoupled model's response). */
export const PARTIAL = 'partial';

/** Options of the {@link WorkerLink} constructor. */
export interface WorkerLinkOptions {
  /** Model name, in every error message. */
  readonly model: string;
  readonly script: URL;
  /** Thread name, shown by debuggers and in heap snapshots. */
  readonly threadName: string;
  /** Heap limit of the worker (V8's old generation) in MB; Node's default when absent. */
  readonly maxHeapMb?: number;
  /** Where the heap limit is set, named when a worker runs out of it (`parameter max_heap_mb`). */
  readonly heapSetting?: string;
  /** Called once if the worker dies other than through {@link WorkerLink.terminate}, with the reason. */
  readonly onDeath?: (why: string) => void;
}

/**
 * A started worker thread.
 *
 * @example
 * const link = new WorkerLink<Req, Reply>({ model: 'post', script, threadName: 'braid js post' });
 * const reply = await link.request({ type: 'execute', inputs }, transfer);
 * await link.terminate();
 */
export class WorkerLink<Req, Reply> {
  readonly #worker: Worker;
  readonly #model: string;
  #pending: Pending<Reply> | undefined;
  #dead: string | undefined;
  #closing = false;

  /** Starts the worker; EngineError INTERNAL naming the model when the thread cannot start. */
  constructor(opts: WorkerLinkOptions) {
    this.#model = opts.model;
    try {
      this.#worker = startWorker({
        script: opts.script,
        name: opts.threadName,
        ...(opts.maxHeapMb === undefined ? {} : { maxHeapMb: opts.maxHeapMb }),
      });
    } catch (e) {
      throw new EngineError(
        'INTERNAL',
        `model '${opts.model}': cannot start a worker thread: ${(e as Error).message}`,
        { cause: e },
      );
    }
    this.#worker.on('message', (reply: Reply) => {
      const p = this.#pending;
      if (p?.onPartial && (reply as { type?: unknown }).type === PARTIAL) p.onPartial(reply);
      else this.#settle(q => q.resolve(reply));
    });
    this.#worker.on('messageerror', e =>
      this.#settle(p =>
        p.reject(this.#internal(`a reply from its worker could not be read: ${e.message}`)),
      ),
    );
    const die = (why: string) => {
      if (this.#closing || this.#dead !== undefined) return;
      this.#dead = why;
      this.#settle(p => p.reject(this.#internal(why)));
      opts.onDeath?.(why);
    };
    this.#worker.on('error', e => die(deathOf(e, opts)));
    this.#worker.on('exit', code =>
      die(`its worker thread crashed (the thread exited with code ${code})`),
    );
  }

  /** Why the worker died (a phrase such as `its worker thread crashed (...)`), if it did. */
  get dead(): string | undefined {
    return this.#dead;
  }

  /**
   * Sends one request and waits for its reply; `transfer` moves those buffers to the worker.
   * With `onPartial`, messages of type {@link PARTIAL} before the reply go to it instead.
   * Rejects with INTERNAL when the worker is dead, dies meanwhile, is stopped, or is busy.
   */
  request(
    req: Req,
    transfer: readonly ArrayBuffer[] = [],
    onPartial?: (part: Reply) => void,
  ): Promise<Reply> {
    if (this.#dead !== undefined) return Promise.reject(this.#internal(this.#dead));
    if (this.#closing) return Promise.reject(this.#internal('its worker was stopped'));
    if (this.#pending)
      return Promise.reject(
        this.#internal('its worker was called during another call; it runs one at a time'),
      );
    return new Promise<Reply>((resolve, reject) => {
      this.#pending = { resolve, reject, onPartial };
      this.#worker.ref();
      try {
        this.#worker.postMessage(req, transfer as ArrayBuffer[]);
      } catch (e) {
        this.#settle(p =>
          p.reject(
            this.#internal(`a request to its worker could not be sent: ${(e as Error).message}`),
          ),
        );
      }
    });
  }

  /**
   * Posts a message that gets no reply (a cancellation for the request in flight), even while
   * a request is pending. Dropped when the worker is dead or stopping.
   */
  notify(msg: Req): void {
    if (this.#dead !== undefined || this.#closing) return;
    try {
      this.#worker.postMessage(msg);
    } catch {
      // A worker that cannot take the notice is dying; its death fails the request in flight.
    }
  }

  /** Stops the thread; a request in flight fails with `why`. Idempotent. */
  async terminate(why = 'the instance was disposed'): Promise<void> {
    this.#closing = true;
    this.#settle(p => p.reject(this.#internal(why)));
    await this.#worker.terminate();
  }

  #settle(action: (p: Pending<Reply>) => void): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    this.#worker.unref();
    action(p);
  }

  #internal(why: string): EngineError {
    return new EngineError('INTERNAL', `model '${this.#model}': ${why}`);
  }
}

/**
 * Why a worker died, from the error it emitted. Node stops a worker that reaches its
 * `resourceLimits` with ERR_WORKER_OUT_OF_MEMORY; saying which limit and where it is set tells
 * the model's owner what to change.
 */
function deathOf(e: Error, opts: WorkerLinkOptions): string {
  if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const where = opts.heapSetting ? `: ${opts.heapSetting}` : '';
    const limit =
      opts.maxHeapMb === undefined
        ? "Node's default heap limit"
        : `heap limit ${opts.maxHeapMb} MB${where}`;
    return `its worker ran out of memory (${limit})`;
  }
  return `its worker thread crashed (uncaught ${e.name}: ${e.message})`;
}
