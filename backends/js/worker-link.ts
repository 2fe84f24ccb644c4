/**
 * @module One worker thread and its request/reply channel. A worker that dies (uncaught error,
 * `process.exit`, out of memory) fails the request in flight and every later one with the
 * reason, and tells its owner so the owner can replace it.
 */
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../../engine/core/errors.js';
import type { JsWorkerReply, JsWorkerRequest } from './protocol.js';
import { startJsWorker } from './worker-start.js';

interface Pending {
  readonly resolve: (reply: JsWorkerReply) => void;
  readonly reject: (e: EngineError) => void;
}

/** Options of the {@link WorkerLink} constructor. */
export interface WorkerLinkOptions {
  readonly model: string;
  /** Called once if the worker dies other than through {@link WorkerLink.terminate}, with the reason. */
  readonly onDeath: (why: string) => void;
  /** Worker entry (tests); default the backend's worker-main. */
  readonly script?: URL;
  /** Heap limit of the worker (V8's old generation) in MB; Node's default when absent. */
  readonly maxHeapMb?: number;
}

/** A started worker thread. */
export class WorkerLink {
  readonly #worker: Worker;
  readonly #model: string;
  #pending: Pending | undefined;
  #dead: string | undefined;
  #closing = false;

  /** Starts the worker. */
  constructor(opts: WorkerLinkOptions) {
    this.#model = opts.model;
    this.#worker = startJsWorker(opts.model, opts.script, opts.maxHeapMb);
    this.#worker.on('message', (reply: JsWorkerReply) => this.#settle(p => p.resolve(reply)));
    this.#worker.on('messageerror', e => this.#settle(p => p.reject(this.#internal(`a reply from its worker could not be read: ${e.message}`))));
    const die = (why: string) => {
      if (this.#closing || this.#dead !== undefined) return;
      this.#dead = why;
      this.#settle(p => p.reject(this.#internal(why)));
      opts.onDeath(why);
    };
    this.#worker.on('error', e => die(deathOf(e, opts.maxHeapMb)));
    this.#worker.on('exit', code => die(`its worker thread crashed (the thread exited with code ${code})`));
  }

  /** Why the worker died (a phrase such as `its worker thread crashed (...)`), if it did. */
  get dead(): string | undefined {
    return this.#dead;
  }

  /**
   * Sends one request and waits for its reply. `transfer` moves those buffers to the worker.
   * Rejects with INTERNAL when the worker is dead, dies meanwhile, or is busy.
   */
  request(req: JsWorkerRequest, transfer: ArrayBuffer[] = []): Promise<JsWorkerReply> {
    if (this.#dead !== undefined) return Promise.reject(this.#internal(this.#dead));
    if (this.#pending) return Promise.reject(this.#internal('its worker was called during another call; it runs one at a time'));
    return new Promise<JsWorkerReply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.ref();
      try {
        this.#worker.postMessage(req, transfer);
      } catch (e) {
        this.#settle(p => p.reject(this.#internal(`a request to its worker could not be sent: ${(e as Error).message}`)));
      }
    });
  }

  /** Stops the thread; a request in flight fails with `why`. Idempotent. */
  async terminate(why = 'the instance was disposed'): Promise<void> {
    this.#closing = true;
    this.#settle(p => p.reject(this.#internal(why)));
    await this.#worker.terminate();
  }

  #settle(action: (p: Pending) => void): void {
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
function deathOf(e: Error, maxHeapMb: number | undefined): string {
  if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit = maxHeapMb === undefined ? "Node's default heap limit" : `heap limit ${maxHeapMb} MB: parameter max_heap_mb or --backend-config js,max-heap-mb`;
    return `its worker ran out of memory (${limit})`;
  }
  return `its worker thread crashed (uncaught ${e.name}: ${e.message})`;
}
