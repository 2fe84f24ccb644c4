import { describe, expect, it } from 'vitest';
import { CancelSource } from '../../../../engine/core/cancel.js';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { EngineError } from '../../../../engine/core/errors.js';
import { WarpClock } from '../../../../engine/cli/testing/warp-clock.js';

describe('the warp clock', () => {
  it('follows its base clock and jumps ahead, firing the timers due on the way in order', () => {
    const base = new SimulatedClock();
    const clock = new WarpClock(base);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    const late = clock.setTimeout(() => fired.push('late'), 1000);
    base.advance(10);
    expect(clock.now()).toBe(10);
    clock.jump(290);
    expect(fired).toEqual(['a@100', 'b@200']);
    expect(clock.now()).toBe(300);
    clock.clearTimeout(late);
    base.advance(10_000);
    expect(fired).toEqual(['a@100', 'b@200']); // fired once, cancelled ones never
  });

  it('still fires timers when real time reaches them', () => {
    const base = new SimulatedClock();
    const clock = new WarpClock(base);
    let fired = 0;
    clock.setTimeout(() => fired++, 50);
    base.advance(50);
    expect(fired).toBe(1);
    clock.jump(100);
    expect(fired).toBe(1);
  });

  it('sleeps by jumping, and rejects when a timer it fires aborts the sleeper', async () => {
    const clock = new WarpClock(new SimulatedClock());
    const cancel = new CancelSource();
    clock.setTimeout(() => cancel.abort(new EngineError('UNAVAILABLE', 'deadline')), 60_000);
    await expect(clock.sleep(61_000, cancel.signal)).rejects.toThrow('deadline');
    expect(clock.now()).toBe(61_000);
    await expect(clock.sleep(5)).resolves.toBeUndefined();
    expect(clock.now()).toBe(61_005);
  });
});
