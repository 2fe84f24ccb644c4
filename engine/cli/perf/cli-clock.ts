/**
 * The clock of the measuring commands. Unlike {@link systemClock}, its timers keep the process
 * alive: while a paced generator waits for its next slot, a pending timer may be the only thing
 * that does.
 *
 * @module
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';

/**
 * The system clock with ref'd timers.
 *
 * @example
 * startLoad({ url, requests, concurrency: 4, clock: cliClock });
 */
export const cliClock: Clock = {
  now: () => systemClock.now(),
  wallNow: () => systemClock.wallNow(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as NodeJS.Timeout),
};
