/**
 * @module The instances that run one `module:` step of a pipeline. Calls wait FIFO for a free
 * instance, so each instance runs one call at a time as the Backend contract requires.
 */
import type { ModelInstance } from '../engine/core/backend.js';
import type { CancelSignal } from '../engine/core/cancel.js';
import { EngineError } from '../engine/core/errors.js';
import type { TensorMap } from '../engine/core/tensor.js';

interface Waiter {
  readonly grant: (inst: ModelInstance) => void;
}

/** A fixed set of module instances shared by every request of a pipeline. */
export class ModulePool {
  readonly #free: ModelInstance[];
  readonly #waiting: Waiter[] = [];
  #disposed: Promise<void> | undefined;
  readonly #label: string;
  readonly #instances: readonly ModelInstance[];

  constructor(label: string, instances: readonly ModelInstance[]) {
    this.#label = label;
    this.#instances = instances;
    this.#free = [...instances];
  }

  /**
   * Runs one call on the next free instance. Rejects with CANCELLED when `signal` aborts while
   * waiting, UNAVAILABLE once disposed, and with whatever the instance throws.
   */
  async run(
    inputs: TensorMap,
    outputs: readonly string[],
    signal: CancelSignal,
  ): Promise<TensorMap> {
    const inst = await this.#acquire(signal);
    try {
      return await inst.execute(inputs, { signal, outputs });
    } finally {
      this.#release(inst);
    }
  }

  /** Disposes every instance once. */
  dispose(): Promise<void> {
    this.#disposed ??= Promise.allSettled(this.#instances.map(i => i.dispose())).then(
      () => undefined,
    );
    return this.#disposed;
  }

  #acquire(signal: CancelSignal): Promise<ModelInstance> {
    if (this.#disposed)
      return Promise.reject(new EngineError('UNAVAILABLE', `${this.#label} is unloaded`));
    if (signal.aborted) return Promise.reject(cancelled(this.#label));
    const free = this.#free.pop();
    if (free) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(cancelled(this.#label));
      };
      const waiter: Waiter = {
        grant: inst => {
          signal.removeEventListener('abort', onAbort);
          resolve(inst);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #release(inst: ModelInstance): void {
    const next = this.#waiting.shift();
    if (next) next.grant(inst);
    else this.#free.push(inst);
  }
}

function cancelled(label: string): EngineError {
  return new EngineError(
    'CANCELLED',
    `${label}: the request was cancelled while waiting for a free instance`,
  );
}
