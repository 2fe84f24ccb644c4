/**
 * @module A periodic task on the engine clock, for the "per interval" metrics (CPU, memory,
 * GPUs): one run at a time, never overlapping, timers that never keep the process alive.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';

/**
 * Runs `task` now and then every `intervalMs` after the previous run finished, until stopped.
 * A task that throws is not retried sooner; catching and reporting is the task's business.
 *
 * @example
 * const poller = new Poller(systemClock, 2000, () => host.poll());
 * poller.start(); … await poller.stop();
 */
export class Poller {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #task: () => Promise<void>;
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(clock: Clock, intervalMs: number, task: () => Promise<void>) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#task = task;
  }

  /** Starts polling; idempotent. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#run();
  }

  /** Stops polling and waits for a run in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #run(): void {
    this.#timer = undefined;
    this.#running = this.#task()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped)
          this.#timer = this.#clock.setTimeout(() => this.#run(), this.#intervalMs);
      });
  }
}
