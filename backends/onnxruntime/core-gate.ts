/**
 * @module The cores that CPU sessions of one backend share. A run of a session whose intra-op
 * pool has T threads holds T of the machine's cores until it ends; runs that would need more
 * cores than are free wait, first come first served. Why: ORT's pool threads meet at the end of
 * every parallel operator, so when several models (each sized to take the whole machine, the
 * default) run at once on too few cores, a thread descheduled mid-operator stalls its partners,
 * and CPU time per run grows with every run added (the `ocr` example's three models on 2 cores,
 * 8 concurrent requests: 507-629 ms of CPU per image without the gate, 304-305 ms with it, in
 * paired runs). Instances of one model never wait for each other: their shares add up to the
 * machine at most.
 */
import type { CancelSignal } from '../../engine/core/cancel.js';
import { EngineError } from '../../engine/core/errors.js';

interface Waiter {
  readonly cores: number;
  readonly admit: () => void;
}

/**
 * A first-come-first-served counting gate over `cores` units.
 *
 * @example
 * const gate = new CoreGate(8);
 * const out = await gate.run(2, signal, () => session.run(feeds));
 */
export class CoreGate {
  readonly #cores: number;
  #free: number;
  readonly #waiting: Waiter[] = [];

  constructor(cores: number) {
    if (!Number.isInteger(cores) || cores < 1)
      throw new EngineError(
        'INVALID_ARG',
        `core gate: cores must be an integer >= 1, got ${cores}`,
      );
    this.#cores = cores;
    this.#free = cores;
  }

  /** Cores not held by a run now. */
  get free(): number {
    return this.#free;
  }

  /** Runs waiting for cores now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` once `cores` (at most the gate's size) are free and no earlier run waits, and
   * holds them until it settles. Rejects with CANCELLED, without running it, when `signal`
   * aborts first.
   */
  async run<T>(cores: number, signal: CancelSignal, work: () => Promise<T>): Promise<T> {
    const need = Math.min(this.#cores, Math.max(1, Math.floor(cores)));
    await this.#acquire(need, signal);
    try {
      return await work();
    } finally {
      this.#free += need;
      this.#admit();
    }
  }

  #acquire(need: number, signal: CancelSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(cancelled());
    if (this.#waiting.length === 0 && this.#free >= need) {
      this.#free -= need;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        cores: need,
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiter);
        if (i < 0) return;
        this.#waiting.splice(i, 1);
        // The run behind it may fit now that it no longer blocks the line.
        this.#admit();
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #admit(): void {
    for (let next = this.#waiting[0]; next && next.cores <= this.#free; next = this.#waiting[0]) {
      this.#waiting.shift();
      this.#free -= next.cores;
      next.admit();
    }
  }
}

function cancelled(): EngineError {
  return new EngineError('CANCELLED', 'the run was cancelled while it waited for free cores');
}
