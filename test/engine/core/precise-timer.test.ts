// Behaviour of the precise timers: order, cancellation and re-arming. No assertion here reads
// elapsed time (that is measured by `npm run bench:timers`), so a busy machine cannot fail it.
import { afterAll, describe, expect, it } from 'vitest';
import { PreciseTimers } from '../../../engine/core/precise-timer.js';
import { PRECISE_BELOW_MS, systemClock } from '../../../engine/core/clock.js';

// Keeps the event loop alive: the helper thread is unref'd, as it must be in a server.
const keepAlive = setInterval(() => {}, 1_000);
afterAll(() => clearInterval(keepAlive));

function after(timers: PreciseTimers, ms: number, log: string[], tag: string): Promise<void> {
  return new Promise(resolve => {
    timers.set(() => {
      log.push(tag);
      resolve();
    }, ms);
  });
}

/** Timers whose helper thread is up: starting it blocks for a while, which would skew deadlines. */
async function started(): Promise<PreciseTimers> {
  const timers = new PreciseTimers();
  await after(timers, 0, [], 'boot');
  return timers;
}

describe('PreciseTimers', () => {
  it('fires timers in order of their deadlines, not of creation', async () => {
    // Deadlines are taken at one frozen instant, so a busy machine pausing this thread between
    // the three calls cannot reorder them.
    let frozen: number | undefined;
    const timers = new PreciseTimers(() => frozen ?? performance.timeOrigin + performance.now());
    await after(timers, 0, [], 'boot');
    const log: string[] = [];
    frozen = performance.timeOrigin + performance.now();
    const all = Promise.all([
      after(timers, 3, log, 'c'),
      after(timers, 0.2, log, 'a'),
      after(timers, 1, log, 'b'),
    ]);
    frozen = undefined;
    await all;
    expect(log).toEqual(['a', 'b', 'c']);
    expect(timers.pending).toBe(0);
  });

  it('never runs a cleared timer, and still runs the others', async () => {
    const timers = await started();
    const log: string[] = [];
    const cleared = timers.set(() => log.push('cleared'), 0.3);
    timers.clear(cleared);
    await after(timers, 2, log, 'kept');
    expect(log).toEqual(['kept']);
  });

  it('accepts timers set from inside a firing one, earlier than the armed deadline', async () => {
    const timers = await started();
    const log: string[] = [];
    const late = after(timers, 15, log, 'late');
    await new Promise<void>(resolve =>
      timers.set(() => {
        log.push('first');
        timers.set(() => {
          log.push('nested');
          resolve();
        }, 0.1);
      }, 0.5),
    );
    await late;
    expect(log).toEqual(['first', 'nested', 'late']);
  });

  it('fires a timer whose deadline has already passed', async () => {
    const timers = await started();
    const log: string[] = [];
    await after(timers, -5, log, 'now');
    expect(log).toEqual(['now']);
  });
});

describe('systemClock short waits', () => {
  it('routes waits below the threshold to precise timers and clears both kinds', async () => {
    const log: string[] = [];
    const short = systemClock.setTimeout(() => log.push('short-cleared'), PRECISE_BELOW_MS / 10);
    const long = systemClock.setTimeout(() => log.push('long-cleared'), PRECISE_BELOW_MS * 2);
    systemClock.clearTimeout(short);
    systemClock.clearTimeout(long);
    await new Promise<void>(resolve => systemClock.setTimeout(resolve, PRECISE_BELOW_MS / 5));
    await new Promise<void>(resolve => systemClock.setTimeout(resolve, PRECISE_BELOW_MS * 3));
    expect(log).toEqual([]);
  });
});
