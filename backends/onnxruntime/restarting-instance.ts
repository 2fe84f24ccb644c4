import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { Logger } from '../../engine/core/logger.js';
import type { TensorMap } from '../../engine/core/tensor.js';

/** An instance that can tell it has died (its worker thread stopped). */
export interface MortalInstance extends ModelInstance {
  readonly dead: boolean;
}

/**
 * Keeps a worker-thread instance alive: when its thread has died (a crash in native code, an
 * out-of-memory exit), the next call starts a fresh one first. The call in flight at the crash
 * fails with the instance's own INTERNAL error; later calls are served again, so one crash does
 * not fail every N-th request until a reload.
 *
 * @example
 * const inst = new RestartingInstance(await start(), start, logger);
 */
export class RestartingInstance<T extends MortalInstance> implements ModelInstance {
  #current: T;
  #restarting: Promise<T> | undefined;
  #disposed = false;

  constructor(
    first: T,
    private readonly start: () => Promise<T>,
    private readonly logger: Logger,
  ) {
    this.#current = first;
  }

  /** The instance serving calls now. */
  get current(): T {
    return this.#current;
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    if (this.#current.dead && !this.#disposed) await this.#restart();
    return this.#current.execute(inputs, opts);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#restarting?.catch(() => undefined);
    await this.#current.dispose();
  }

  async #restart(): Promise<void> {
    this.#restarting ??= (async () => {
      this.logger.log('warn', 'model instance thread died; starting a new one');
      const old = this.#current;
      const next = await this.start();
      await old.dispose().catch(() => undefined);
      return next;
    })();
    try {
      this.#current = await this.#restarting;
    } finally {
      this.#restarting = undefined;
    }
  }
}
