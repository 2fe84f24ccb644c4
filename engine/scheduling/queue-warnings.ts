/**
 * @module What a queue scheduler logs about itself: a growing queue and a full one, each once
 * until the queue next empties, and failing executions, the first of a streak at warning and
 * the repeats at debug, so a broken model cannot flood the log.
 */
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BatchResult } from './execute-batch.js';

/** Options of {@link QueueWarnings}. */
export interface QueueWarningsOptions {
  readonly logger: Logger;
  readonly modelName: string;
  readonly version: string;
  /** Pending count at which a warning is logged (once until the queue empties). */
  readonly pendingWarnAt: number;
}

/**
 * The log lines of one queue scheduler, each logged once per episode.
 *
 * @example
 * const warnings = new QueueWarnings({ logger, modelName: 'm', version: '1', pendingWarnAt: 1000 });
 * warnings.pending(queue.size);
 */
export class QueueWarnings {
  readonly #o: QueueWarningsOptions;
  #warnedPending = false;
  #warnedFull = false;
  #failing = false;

  constructor(opts: QueueWarningsOptions) {
    this.#o = opts;
  }

  /** The queue holds `n` requests after one was added. */
  pending(n: number): void {
    if (this.#warnedPending || n < this.#o.pendingWarnAt) return;
    this.#warnedPending = true;
    this.#o.logger.log('warn', 'scheduler queue is growing', { ...this.#fields(), pending: n });
  }

  /** The queue refused a request with `e`; a full queue is UNAVAILABLE. */
  refused(e: unknown): void {
    if (this.#warnedFull || !(e instanceof EngineError) || e.code !== 'UNAVAILABLE') return;
    this.#warnedFull = true;
    this.#o.logger.log('warn', 'scheduler queue full, rejecting requests', {
      ...this.#fields(),
      error: e.message,
    });
  }

  /** The queue is empty: the next growth or refusal is a new episode. */
  emptied(): void {
    this.#warnedPending = this.#warnedFull = false;
  }

  /** A batch finished with `result`. */
  executed(result: BatchResult): void {
    if (result.ok) {
      this.#failing = false;
      return;
    }
    const level = this.#failing ? 'debug' : 'warn';
    this.#failing = true;
    this.#o.logger.log(level, 'batch execution failed', {
      ...this.#fields(),
      error: result.error.message,
    });
  }

  #fields(): { model: string; version: string } {
    return { model: this.#o.modelName, version: this.#o.version };
  }
}
