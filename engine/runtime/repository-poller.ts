/**
 * @module Poll mode: rescans the repository every interval and applies what changed.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { diffScans, type RepositoryScan } from '../repository/index.js';

/** Options of {@link RepositoryPoller}. */
export interface RepositoryPollerOptions {
  readonly scan: () => Promise<RepositoryScan>;
  readonly initial: RepositoryScan;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Applies one detected change set; the next poll waits for it to finish. */
  readonly apply: (next: RepositoryScan, diff: ReturnType<typeof diffScans>) => Promise<void>;
}

/**
 * Rescans the repository every interval and applies what changed (poll control mode). Polls never
 * overlap; a failed scan is logged and retried at the next interval.
 *
 * @example
 * new RepositoryPoller({ scan, initial, intervalMs: 15_000, clock, logger, apply }).start();
 */
export class RepositoryPoller {
  #last: RepositoryScan;
  #timer?: TimerHandle;
  #stopped = false;
  readonly #opts: RepositoryPollerOptions;

  constructor(opts: RepositoryPollerOptions) {
    this.#opts = opts;
    this.#last = opts.initial;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#opts.clock.clearTimeout(this.#timer);
  }

  /** Runs one poll now; exposed for tests and for an explicit rescan. */
  async pollOnce(): Promise<void> {
    try {
      const next = await this.#opts.scan();
      const diff = diffScans(this.#last, next);
      this.#last = next;
      if (diff.added.length + diff.removed.length + diff.changed.length === 0) return;
      this.#opts.logger.log('info', 'model repository changed', { ...diff });
      await this.#opts.apply(next, diff);
    } catch (e) {
      this.#opts.logger.log('error', 'model repository poll failed', {
        error: (e as Error).message,
      });
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#opts.clock.setTimeout(() => {
      void this.pollOnce().then(() => this.#schedule());
    }, this.#opts.intervalMs);
  }
}
