/**
 * @module Time as engine code sees it: the Clock port (now, timers) with the system clock and a
 * simulated one for tests, so nothing in the engine calls setTimeout or Date.now directly.
 */
import { PreciseTimers } from './precise-timer.js';

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time as the engine sees it. Engine code never calls `Date.now`, `performance.now` or
 * `setTimeout` directly, so schedulers and lifecycles are tested with {@link SimulatedClock}.
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractional; microsecond resolution on the system clock). */
  now(): number;
  /** Wall-clock time in milliseconds since the epoch (for `last_inference` and logs). */
  wallNow(): number;
  /** Runs `fn` after `ms`. Timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Waits shorter than this go to {@link PreciseTimers}. Node's timers have 1 ms resolution, so a
 * 500 µs batching delay costs a millisecond or more with them; from 1 ms up they are as punctual
 * as the helper thread (`npm run bench:timers` prints both).
 */
export const PRECISE_BELOW_MS = 1;

let precise: PreciseTimers | undefined;

/**
 * The real clock: `performance.now()`, unref'd Node timers for long waits and precise timers
 * (within ~0.1 ms) for short ones, so a configured 500 µs batching delay means 500 µs.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    if (ms < PRECISE_BELOW_MS) return (precise ??= new PreciseTimers()).set(fn, ms);
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    // Both are no-ops on the other kind's handle, which saves tagging every handle.
    precise?.clear(handle);
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface SimTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to, for deterministic tests.
 *
 * @example
 * const clock = new SimulatedClock();
 * clock.setTimeout(() => fired = true, 10);
 * clock.advance(10); // fired === true
 */
export class SimulatedClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers = new Set<SimTimer>();
  readonly #epochMs: number;

  constructor(epochMs = 1_700_000_000_000) {
    this.#epochMs = epochMs;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#epochMs + this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: SimTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as SimTimer);
  }

  /** Moves time forward by `ms`, firing due timers in order of due time, then creation. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: SimTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      }
      if (!next) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = target;
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }
}
