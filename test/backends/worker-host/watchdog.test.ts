import { describe, expect, it } from 'vitest';
import type { Overrun } from '../../../backends/worker-host/watchdog.js';
import { watch } from '../../../backends/worker-host/watchdog.js';
import { CancelSource } from '../../../engine/core/cancel.js';
import { SimulatedClock } from '../../../engine/core/clock.js';

/** A call the test settles by hand. */
function pending<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>(r => (resolve = r));
  return { promise, resolve };
}

/** What a watched promise came to, read once every microtask queued so far has run. */
async function state<T>(p: Promise<T>): Promise<{ value?: T; error?: string } | 'pending'> {
  const marker = Symbol('pending');
  const r = await Promise.race([
    p.then(
      value => ({ value }),
      (e: Error) => ({ error: e.message }),
    ),
    new Promise(r => setImmediate(() => r(marker))),
  ]);
  return r === marker ? 'pending' : (r as { value?: T; error?: string });
}

function setup(opts: { timeoutMs?: number; cancelGraceMs?: number } = {}) {
  const clock = new SimulatedClock();
  const cancel = new CancelSource();
  const call = pending<string>();
  const overruns: Overrun[] = [];
  const watched = watch(call.promise, {
    clock,
    timeoutMs: opts.timeoutMs ?? 0,
    signal: cancel,
    ...(opts.cancelGraceMs === undefined ? {} : { cancelGraceMs: opts.cancelGraceMs }),
    onOverrun: why => (overruns.push(why), new Error(`gave up: ${why}`)),
  });
  return { clock, cancel, call, overruns, watched };
}

describe('watch', () => {
  it('passes the call through untouched, arming nothing, without a timeout or grace', () => {
    const clock = new SimulatedClock();
    const call = Promise.resolve(1);
    expect(watch(call, { clock, timeoutMs: 0, onOverrun: () => new Error('no') })).toBe(call);
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives up at exactly the timeout, once', async () => {
    const t = setup({ timeoutMs: 100 });
    t.clock.advance(99);
    expect(await state(t.watched)).toBe('pending');
    t.clock.advance(1);
    expect(await state(t.watched)).toEqual({ error: 'gave up: timeout' });
    t.call.resolve('late');
    expect(t.overruns).toEqual(['timeout']);
  });

  it('returns a result that comes first and clears its timers', async () => {
    const t = setup({ timeoutMs: 100, cancelGraceMs: 10 });
    t.call.resolve('done');
    expect(await state(t.watched)).toEqual({ value: 'done' });
    expect(t.clock.pendingTimers).toBe(0);
    t.cancel.abort();
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('gives a cancelled call its grace period, then gives up', async () => {
    const t = setup({ timeoutMs: 1000, cancelGraceMs: 50 });
    t.clock.advance(10);
    t.cancel.abort();
    t.clock.advance(49);
    expect(await state(t.watched)).toBe('pending');
    t.clock.advance(1);
    expect(await state(t.watched)).toEqual({ error: 'gave up: cancelled' });
    t.clock.advance(1000);
    expect(t.overruns).toEqual(['cancelled']);
  });

  it('counts the grace from the start when the signal is already aborted', async () => {
    const clock = new SimulatedClock();
    const watched = watch(pending<string>().promise, {
      clock,
      timeoutMs: 0,
      signal: AbortSignal.abort(),
      cancelGraceMs: 5,
      onOverrun: why => new Error(why),
    });
    clock.advance(5);
    expect(await state(watched)).toEqual({ error: 'cancelled' });
  });

  it('ignores a cancel when no grace period is set, leaving the timeout', async () => {
    const t = setup({ timeoutMs: 100 });
    t.cancel.abort();
    expect(t.clock.pendingTimers).toBe(1);
    t.call.resolve('finished anyway');
    expect(await state(t.watched)).toEqual({ value: 'finished anyway' });
  });

  it('passes a rejection of the call through', async () => {
    const clock = new SimulatedClock();
    const watched = watch(Promise.reject(new Error('worker died')), {
      clock,
      timeoutMs: 100,
      onOverrun: () => new Error('no'),
    });
    await expect(watched).rejects.toThrow('worker died');
    expect(clock.pendingTimers).toBe(0);
  });
});
