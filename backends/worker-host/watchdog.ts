/**
 * @module Bounding a call into a worker in time. Code stuck in a loop, or a native run that
 * cannot be interrupted, can be stopped only by stopping its thread; the watchdog decides when,
 * on the injected Clock, and leaves the stopping to its caller.
 */
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Clock, TimerHandle } from '../../engine/core/clock.js';

/** Why a watched call was given up: it ran too long, or it was cancelled and did not end. */
export type Overrun = 'timeout' | 'cancelled';

/** Options of {@link watch}. */
export interface WatchOptions {
  readonly clock: Clock;
  /** Longest the call may run; 0 for no limit. */
  readonly timeoutMs: number;
  /** Cancels the call. */
  readonly signal?: CancelSignal;
  /**
   * How long a cancelled call may go on before it is given up. Absent: it runs to its end (or
   * its timeout), and its result is returned as usual.
   */
  readonly cancelGraceMs?: number;
  /** Called once when the call is given up; returns the error the call fails with. */
  readonly onOverrun: (why: Overrun) => Error;
}

/**
 * The result of `call`, or a rejection with `onOverrun`'s error once the call outlives
 * `timeoutMs`, or outlives `cancelGraceMs` after `signal` aborted. A call that settles first
 * clears every timer and listener. Arms nothing when there is neither a timeout nor a grace.
 *
 * @example
 * const reply = await watch(link.request(req), {
 *   clock, timeoutMs: 30_000, signal, cancelGraceMs: 1000,
 *   onOverrun: why => { replaceWorker(); return new EngineError('UNAVAILABLE', `...${why}`); },
 * });
 */
export function watch<T>(call: Promise<T>, opts: WatchOptions): Promise<T> {
  const { clock, timeoutMs, signal, cancelGraceMs } = opts;
  const watchesCancel = signal !== undefined && cancelGraceMs !== undefined;
  if (timeoutMs <= 0 && !watchesCancel) return call;
  return new Promise<T>((resolve, reject) => {
    const timers: TimerHandle[] = [];
    let over = false;
    const overrun = (why: Overrun) => {
      if (over) return;
      over = true;
      done();
      reject(opts.onOverrun(why));
    };
    const onAbort = () => timers.push(clock.setTimeout(() => overrun('cancelled'), cancelGraceMs!));
    const done = () => {
      for (const t of timers) clock.clearTimeout(t);
      if (watchesCancel) signal.removeEventListener('abort', onAbort);
    };
    if (timeoutMs > 0) timers.push(clock.setTimeout(() => overrun('timeout'), timeoutMs));
    if (watchesCancel) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    call.then(
      r => (done(), resolve(r)),
      (e: unknown) => (done(), reject(e)),
    );
  });
}
