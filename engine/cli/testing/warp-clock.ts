/**
 * @module The clock of a test engine: real time, plus jumps. A stub that delays its answer by
 * `delay_ms` does not wait: the clock jumps ahead by that much, firing on the way every timer
 * that falls due (pipeline deadlines, step timeouts, queue delays, retry backoffs) in order, as
 * if the time had passed. A test of a 60-second deadline then takes milliseconds, and behaves
 * as the server would.
 */
import type { CancelSignal } from '../../core/cancel.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';

interface WarpTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  real: TimerHandle | undefined;
}

/**
 * A {@link Clock} that follows `base` (the system clock) and can {@link WarpClock.jump} ahead.
 *
 * @example
 * const clock = new WarpClock();
 * clock.setTimeout(() => console.log('deadline'), 60_000);
 * await clock.sleep(61_000); // logs 'deadline' at once, then resolves
 */
export class WarpClock implements Clock {
  readonly #base: Clock;
  readonly #timers = new Set<WarpTimer>();
  #skew = 0;
  #seq = 0;

  constructor(base: Clock = systemClock) {
    this.#base = base;
  }

  now(): number {
    return this.#base.now() + this.#skew;
  }

  wallNow(): number {
    return this.#base.wallNow() + this.#skew;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: WarpTimer = {
      at: this.now() + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      real: undefined,
    };
    t.real = this.#base.setTimeout(() => this.#fire(t), Math.max(0, ms));
    this.#timers.add(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = handle as WarpTimer;
    if (!this.#timers.delete(t)) return;
    if (t.real !== undefined) this.#base.clearTimeout(t.real);
  }

  /** Moves time `ms` ahead at once, firing the timers due on the way in order. */
  jump(ms: number): void {
    const target = this.now() + Math.max(0, ms);
    for (;;) {
      let next: WarpTimer | undefined;
      for (const t of this.#timers)
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      if (!next) break;
      if (next.at > this.now()) this.#skew += next.at - this.now();
      this.#fire(next);
    }
    if (target > this.now()) this.#skew += target - this.now();
  }

  /**
   * Resolves after `ms` of this clock's time, jumping there at once. Rejects with the signal's
   * reason (or CANCELLED) when it aborts first, which a timer fired by the jump may do.
   */
  sleep(ms: number, signal?: CancelSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        this.clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.jump(ms);
    });
  }

  #fire(t: WarpTimer): void {
    if (!this.#timers.delete(t)) return;
    if (t.real !== undefined) this.#base.clearTimeout(t.real);
    t.fn();
  }
}

function abortReason(signal: CancelSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error
    ? r
    : new EngineError('CANCELLED', 'cancelled while a stub delayed its answer');
}
